package dev.parley.testkit.sim;

import dev.parley.protocols.core.NodeId;
import dev.parley.testkit.sim.ChoiceAgenda.Action;
import dev.parley.testkit.sim.ChoiceAgenda.Choice;
import dev.parley.testkit.sim.SimEvent.Crash;
import dev.parley.testkit.sim.SimEvent.Nemesis;
import java.util.ArrayList;
import java.util.List;

/**
 * A simulation an {@link Exploration} drives along a schedule: the choices enabled at its state,
 * and one more step. It remembers how many crashes the explorer injected (they are bounded per
 * schedule), whether a nemesis action has happened (after one, the partial-order reduction treats
 * every event as dependent), the steps as text when it is traced, the failure that ended it, and
 * the schedule it is at, so that a depth-first search knows when it can go on from here instead of
 * replaying.
 *
 * @param <C> the protocol's message type
 */
final class Replay<C> {
  final Simulation<C> sim;
  final ChoiceAgenda agenda;
  final ExplorationSettings settings;
  private final int crashes;
  final List<String> steps = new ArrayList<>();
  int crashed;
  /** Whether a nemesis action has happened: from then on, every event depends on every other. */
  boolean networkChanged;
  Throwable failure;
  /** The schedule the simulation is at (the very array the search holds), while it has not failed. */
  int[] at;

  /** A run of {@code sim} on {@code agenda}, where at most {@code crashes} crashes are choices. */
  Replay(Simulation<C> sim, ChoiceAgenda agenda, ExplorationSettings settings, int crashes) {
    this.sim = sim;
    this.agenda = agenda;
    this.settings = settings;
    this.crashes = crashes;
  }

  /** The enabled choices: what the agenda offers, then crashing each live node (within the bound). */
  List<Choice> choices() {
    return choices(Integer.MAX_VALUE);
  }

  /** The first {@code atMost} choices (all of them if there are fewer): what happens, then crashes. */
  List<Choice> choices(int atMost) {
    List<Choice> choices =
        new ArrayList<>(agenda.choices(settings.fifoLinks(), settings.drops(), settings.duplicates(), atMost));
    if (crashed < crashes) {
      long now = sim.elapsed().toNanos();
      for (NodeId node : sim.liveNodes()) {
        if (choices.size() < atMost) {
          choices.add(new Choice(Action.INJECT, new Pending(now, 0, -1, new Crash(node), false)));
        }
      }
    }
    return choices;
  }

  /** Takes {@code c} on the live simulation, which is then at {@code schedule}; a failure is kept. */
  void step(Choice c, int[] schedule) {
    at = null;
    try {
      take(c);
      at = schedule;
    } catch (AssertionError | RuntimeException e) {
      fail(e);
    }
  }

  /** Keeps {@code e} as the run's failure (what an invariant or a node threw, unwrapped). */
  void fail(Throwable e) {
    failure = e instanceof SimulationFailure && e.getCause() != null ? e.getCause() : e;
  }

  /** Applies {@code c}: an event happens, a message is lost or delivered twice, a node crashes. */
  void take(Choice c) {
    if (c.pending().event instanceof Nemesis) {
      networkChanged = true;
    }
    switch (c.action()) {
      case HAPPEN -> {
        agenda.take(c.pending());
        sim.applyChosen(c.pending());
      }
      case DROP -> {
        agenda.take(c.pending());
        sim.applyLoss(c.pending());
      }
      case DUPLICATE -> {
        agenda.duplicate(c.pending());
        sim.applyChosen(c.pending());
      }
      case INJECT -> {
        crashed++;
        sim.applyChosen(c.pending());
      }
    }
  }
}
