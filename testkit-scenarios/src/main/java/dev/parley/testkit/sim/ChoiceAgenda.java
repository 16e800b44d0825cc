package dev.parley.testkit.sim;

import dev.parley.protocols.core.NodeId;
import dev.parley.testkit.sim.SimEvent.ClientRequest;
import dev.parley.testkit.sim.SimEvent.Delivery;
import dev.parley.testkit.sim.SimEvent.LocalMessage;
import dev.parley.testkit.sim.SimEvent.TimerFired;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The agenda of an exploration: pending events in the order they were scheduled, from which the
 * explorer picks. Which events are enabled (each one a branch):
 *
 * <ul>
 *   <li>every message in flight, whatever its delay (the network may reorder anything), equal
 *       copies on one link counted once; with FIFO links only the oldest per link;
 *   <li>per node, its oldest message to itself (a mailbox is FIFO);
 *   <li>per node, its timers with the earliest deadline (a timer set for later does not fire first);
 *   <li>per node, its earliest client request (a client's requests keep their order);
 *   <li>the earliest scripted nemesis, crash or restart.
 * </ul>
 *
 * With faults on, every message in flight also branches into its loss and (once) its duplication.
 * The agenda keeps a commutative hash of its contents, the in-flight multiset of the state hash.
 */
final class ChoiceAgenda extends Agenda {

  /** What the explorer does with a pending event. */
  enum Action {
    HAPPEN,
    DROP,
    DUPLICATE,
    /** An event that was never on the agenda (a crash the explorer injects). */
    INJECT
  }

  /** One branch: {@code action} applied to {@code pending}. */
  record Choice(Action action, Pending pending) {
    @Override
    public String toString() {
      return switch (action) {
        case HAPPEN, INJECT -> pending.event.toString();
        case DROP -> "lose " + pending.event;
        case DUPLICATE -> "duplicate " + pending.event;
      };
    }
  }

  private final List<Pending> pending = new ArrayList<>();
  private long contentHash;

  @Override
  long tieBreak() {
    return 0;
  }

  @Override
  void insert(Pending p) {
    pending.add(p);
    contentHash += hash(p);
  }

  @Override
  void removed(Pending p) {
    if (pending.remove(p)) {
      contentHash -= hash(p);
    }
  }

  @Override
  void forEach(Consumer<Pending> action) {
    pending.forEach(action);
  }

  @Override
  Pending next() {
    throw new UnsupportedOperationException(
        "an exploration chooses its events; Simulation.step and run* are for seeded runs");
  }

  @Override
  Pending peek() {
    return next();
  }


  /** Takes {@code p} off the agenda to happen (or be lost). */
  void take(Pending p) {
    removed(p);
    taken(p);
  }

  /** {@code p} stays in flight, but a copy of it is delivered now. */
  void duplicate(Pending p) {
    contentHash -= hash(p);
    p.duplicated = true;
    contentHash += hash(p);
  }

  long contentHash() {
    return contentHash;
  }

  private static long hash(Pending p) {
    long h = Hash64.mix(Hash64.of(p.event), p.duplicated ? 1 : 0);
    return p.event instanceof Delivery ? h : Hash64.mix(h, p.time);
  }

  /** The enabled branches, in a deterministic order (the order events were scheduled). */
  List<Choice> choices(boolean fifoLinks, boolean drops, boolean duplicates) {
    Map<NodeId, Pending> oldestLocal = new HashMap<>();
    Map<NodeId, Long> earliestTimer = new HashMap<>();
    Map<NodeId, Pending> firstClient = new HashMap<>();
    Pending firstScripted = null;
    for (Pending p : pending) {
      SimEvent e = p.event;
      if (e instanceof LocalMessage l) {
        oldestLocal.putIfAbsent(l.node(), p);
      } else if (e instanceof TimerFired t) {
        earliestTimer.merge(t.node(), p.time, Math::min);
      } else if (e instanceof ClientRequest c) {
        Pending first = firstClient.get(c.node());
        if (first == null || p.time < first.time) {
          firstClient.put(c.node(), p);
        }
      } else if (!(e instanceof Delivery)) {
        if (firstScripted == null || p.time < firstScripted.time) {
          firstScripted = p;
        }
      }
    }
    List<Choice> out = new ArrayList<>();
    Set<SimEvent> seenDeliveries = new HashSet<>();
    Set<List<NodeId>> seenLinks = new HashSet<>();
    for (Pending p : pending) {
      SimEvent e = p.event;
      if (e instanceof Delivery d) {
        boolean enabled =
            fifoLinks
                ? seenLinks.add(List.of(d.from(), d.to()))
                : seenDeliveries.add(e) || p.duplicated;
        if (enabled) {
          out.add(new Choice(Action.HAPPEN, p));
          if (drops) {
            out.add(new Choice(Action.DROP, p));
          }
          if (duplicates && !p.duplicated) {
            out.add(new Choice(Action.DUPLICATE, p));
          }
        }
      } else if (e instanceof LocalMessage l) {
        if (oldestLocal.get(l.node()) == p) {
          out.add(new Choice(Action.HAPPEN, p));
        }
      } else if (e instanceof TimerFired t) {
        if (earliestTimer.get(t.node()) == p.time) {
          out.add(new Choice(Action.HAPPEN, p));
        }
      } else if (e instanceof ClientRequest c) {
        if (firstClient.get(c.node()) == p) {
          out.add(new Choice(Action.HAPPEN, p));
        }
      } else if (p == firstScripted) {
        out.add(new Choice(Action.HAPPEN, p));
      }
    }
    return out;
  }
}
