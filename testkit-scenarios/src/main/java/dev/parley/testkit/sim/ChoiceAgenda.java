package dev.parley.testkit.sim;

import dev.parley.protocols.core.NodeId;
import dev.parley.testkit.sim.SimEvent.ClientRequest;
import dev.parley.testkit.sim.SimEvent.Delivery;
import dev.parley.testkit.sim.SimEvent.LocalMessage;
import dev.parley.testkit.sim.SimEvent.TimerFired;
import java.util.ArrayList;
import java.util.List;
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
    return choices(fifoLinks, drops, duplicates, Integer.MAX_VALUE);
  }

  /** The first {@code atMost} enabled branches (all of them if there are fewer), as {@link #choices} orders them. */
  List<Choice> choices(boolean fifoLinks, boolean drops, boolean duplicates, int atMost) {
    Firsts firsts = new Firsts(pending);
    List<Choice> out = new ArrayList<>();
    List<Delivery> earlier = new ArrayList<>();
    for (Pending p : pending) {
      if (out.size() >= atMost) {
        return out.subList(0, atMost);
      }
      SimEvent e = p.event;
      if (e instanceof Delivery d) {
        boolean enabled = fifoLinks ? !sameLink(earlier, d) : p.duplicated || !containsEqual(earlier, d);
        earlier.add(d);
        if (enabled) {
          out.add(new Choice(Action.HAPPEN, p));
          if (drops) {
            out.add(new Choice(Action.DROP, p));
          }
          if (duplicates && !p.duplicated) {
            out.add(new Choice(Action.DUPLICATE, p));
          }
        }
      } else if (firsts.enabled(p)) {
        out.add(new Choice(Action.HAPPEN, p));
      }
    }
    return out.size() > atMost ? out.subList(0, atMost) : out;
  }

  private static boolean sameLink(List<Delivery> earlier, Delivery d) {
    for (Delivery o : earlier) {
      if (o.from().equals(d.from()) && o.to().equals(d.to())) {
        return true;
      }
    }
    return false;
  }

  /** Whether an equal copy is in flight before {@code d} (compared link first: most are not). */
  private static boolean containsEqual(List<Delivery> earlier, Delivery d) {
    for (Delivery o : earlier) {
      if (o.from().equals(d.from()) && o.to().equals(d.to()) && o.message().equals(d.message())) {
        return true;
      }
    }
    return false;
  }

  /**
   * The events other than deliveries that are enabled: per node its oldest self-message, its timers
   * with the earliest deadline and its earliest client request; the earliest scripted event. A
   * group has a handful of nodes, so they are found by scanning small lists.
   */
  private static final class Firsts {
    private final List<Pending> oldestLocal = new ArrayList<>();
    private final List<Pending> earliestTimer = new ArrayList<>();
    private final List<Pending> firstClient = new ArrayList<>();
    private Pending firstScripted;

    Firsts(List<Pending> pending) {
      for (Pending p : pending) {
        SimEvent e = p.event;
        if (e instanceof LocalMessage) {
          if (find(oldestLocal, e.node()) < 0) {
            oldestLocal.add(p);
          }
        } else if (e instanceof TimerFired) {
          keepEarliest(earliestTimer, p);
        } else if (e instanceof ClientRequest) {
          keepEarliest(firstClient, p);
        } else if (!(e instanceof Delivery) && (firstScripted == null || p.time < firstScripted.time)) {
          firstScripted = p;
        }
      }
    }

    boolean enabled(Pending p) {
      SimEvent e = p.event;
      if (e instanceof LocalMessage) {
        return oldestLocal.get(find(oldestLocal, e.node())) == p;
      } else if (e instanceof TimerFired) {
        return earliestTimer.get(find(earliestTimer, e.node())).time == p.time;
      } else if (e instanceof ClientRequest) {
        return firstClient.get(find(firstClient, e.node())) == p;
      }
      return p == firstScripted;
    }

    private static void keepEarliest(List<Pending> firsts, Pending p) {
      int i = find(firsts, p.event.node());
      if (i < 0) {
        firsts.add(p);
      } else if (p.time < firsts.get(i).time) {
        firsts.set(i, p);
      }
    }

    private static int find(List<Pending> firsts, NodeId node) {
      for (int i = 0; i < firsts.size(); i++) {
        if (firsts.get(i).event.node().equals(node)) {
          return i;
        }
      }
      return -1;
    }
  }
}
