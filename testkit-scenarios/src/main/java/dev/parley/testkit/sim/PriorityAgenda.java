package dev.parley.testkit.sim;

import dev.parley.protocols.core.NodeId;
import dev.parley.testkit.sim.SimEvent.Crash;
import dev.parley.testkit.sim.SimEvent.Delivery;
import dev.parley.testkit.sim.SimEvent.Nemesis;
import dev.parley.testkit.sim.SimEvent.Restart;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/**
 * The priority-based scheduler of {@link Scheduler#priorities} (PCT over virtual time).
 *
 * <p>Every node has a priority: at the start a random permutation of {@code depth … depth+n-1}; at
 * the i-th change point (i = 1 … depth-1, each a step number drawn uniformly from {@code 1 … steps}),
 * the node that takes that step gets priority {@code depth - i}, below every other. An event belongs
 * to the node that takes it (a delivery to its receiver). The next event is chosen thus, where
 * {@code e0} is the earliest pending event:
 *
 * <ol>
 *   <li>a scripted event (crash, restart, nemesis) is never late: if it is {@code e0} it is taken,
 *       and no event due after it is taken before it;
 *   <li>if {@code e0} is already {@code maxLateness} late it is taken (lateness is bounded: no node
 *       is starved, a slow node is not a dead one);
 *   <li>otherwise, among the events due no later than {@code e0}'s time plus {@code maxLateness}
 *       (and no later than the horizon of a {@code runUntil}), the highest-priority node's earliest.
 * </ol>
 *
 * A node's own events keep their time order, so the scheduler reorders only across nodes, as PCT
 * reorders threads. Virtual time never goes back: an event taken late happens at the current time.
 * Cost: a scan of the pending events per step (linear in how many are pending).
 */
final class PriorityAgenda extends Agenda {

  private final List<Pending> pending = new ArrayList<>();
  private final Map<NodeId, Integer> priority = new HashMap<>();
  private final long[] changeAt;
  private final long lateness;
  private final Random random;
  private int changes;
  private long taken;
  private long now;

  PriorityAgenda(List<NodeId> nodes, Scheduler.Priorities schedule, Random random) {
    this.random = random;
    this.lateness = schedule.maxLateness().toNanos();
    List<Integer> ranks = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      ranks.add(schedule.depth() + i);
    }
    Collections.shuffle(ranks, random);
    for (int i = 0; i < nodes.size(); i++) {
      priority.put(nodes.get(i), ranks.get(i));
    }
    changeAt = new long[schedule.depth() - 1];
    for (int i = 0; i < changeAt.length; i++) {
      changeAt[i] = 1 + Math.floorMod(random.nextLong(), schedule.steps());
    }
    Arrays.sort(changeAt);
  }

  @Override
  long tieBreak() {
    return random.nextLong();
  }

  @Override
  void insert(Pending p) {
    pending.add(p);
  }

  @Override
  void removed(Pending p) {
    // dropped from the list at the next scan
  }

  @Override
  void forEach(Consumer<Pending> action) {
    pending.forEach(action);
  }

  @Override
  Pending next() {
    int chosen = choose();
    if (chosen < 0) {
      return null;
    }
    Pending p = pending.get(chosen);
    pending.set(chosen, pending.get(pending.size() - 1));
    pending.remove(pending.size() - 1);
    taken(p);
    taken++;
    now = Math.max(now, p.time);
    while (changes < changeAt.length && changeAt[changes] <= taken) {
      NodeId owner = p.event.node();
      changes++;
      if (owner != null && !scripted(p.event)) {
        priority.put(owner, changeAt.length + 1 - changes);
      }
    }
    return p;
  }

  @Override
  Pending peek() {
    int first = earliest();
    return first < 0 ? null : pending.get(first);
  }

  /** The index of the next event by the rules above, or -1 if none is pending. */
  private int choose() {
    int first = earliest();
    if (first < 0) {
      return -1;
    }
    Pending e0 = pending.get(first);
    if (scripted(e0.event) || now - e0.time >= lateness) {
      return first;
    }
    long windowEnd = Math.min(e0.time + lateness, horizon());
    for (Pending p : pending) {
      if (scripted(p.event)) {
        windowEnd = Math.min(windowEnd, p.time - 1);
      }
    }
    windowEnd = Math.max(windowEnd, e0.time);
    int best = first;
    int bestPriority = priorityOf(e0);
    for (int i = 0; i < pending.size(); i++) {
      Pending p = pending.get(i);
      if (p.time > windowEnd) {
        continue;
      }
      int prio = priorityOf(p);
      Pending b = pending.get(best);
      if (prio > bestPriority || (prio == bestPriority && earlier(p, b))) {
        best = i;
        bestPriority = prio;
      }
    }
    return best;
  }

  /** The index of the earliest live event (cancelled ones are dropped on the way), or -1. */
  private int earliest() {
    int first = -1;
    for (int i = 0; i < pending.size(); ) {
      Pending p = pending.get(i);
      if (p.cancelled) {
        pending.set(i, pending.get(pending.size() - 1));
        pending.remove(pending.size() - 1);
        continue;
      }
      if (first < 0 || earlier(p, pending.get(first))) {
        first = i;
      }
      i++;
    }
    return first;
  }

  private int priorityOf(Pending p) {
    NodeId owner = p.event instanceof Delivery d ? d.to() : p.event.node();
    return owner == null ? Integer.MAX_VALUE : priority.getOrDefault(owner, 0);
  }

  private static boolean scripted(SimEvent e) {
    return e instanceof Crash || e instanceof Restart || e instanceof Nemesis;
  }

  private static boolean earlier(Pending a, Pending b) {
    if (a.time != b.time) {
      return a.time < b.time;
    }
    if (a.tieBreak != b.tieBreak) {
      return a.tieBreak < b.tieBreak;
    }
    return a.seq < b.seq;
  }
}
