package dev.parley.testkit.sim;

import dev.parley.protocols.core.NodeId;
import dev.parley.testkit.sim.ChoiceAgenda.Action;
import dev.parley.testkit.sim.ChoiceAgenda.Choice;
import dev.parley.testkit.sim.SimEvent.ClientRequest;
import dev.parley.testkit.sim.SimEvent.Delivery;
import dev.parley.testkit.sim.SimEvent.LocalMessage;
import dev.parley.testkit.sim.SimEvent.TimerFired;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The partial-order reduction of an {@link Exploration}: sleep sets, stateful (Godefroid,
 * "Partial-Order Methods for the Verification of Concurrent Systems", LNCS 1032, 1996, chapter 5).
 *
 * <p><b>Independence.</b> Two transitions enabled at a state are independent when taking them in
 * either order leads to the same state and neither disables the other. Here that holds for two
 * events at different nodes that both leave virtual time where it is: a delivery (or a duplicate
 * copy of one), a self-message, a timer already due, a client request already due. Such an event
 * runs one node's behavior on one input; it changes that node, adds events (messages to others,
 * which never displace an enabled one: every message in flight is enabled, or with FIFO links the
 * oldest of its link, and a link has one sender), and removes events of its own node only (its
 * self-messages and timers; all of them, if its behavior stops). The fingerprint mixes the two
 * nodes' input histories separately and the pending events as a multiset, so it is equal for both
 * orders too. Everything else is dependent on everything: an event that moves virtual time (every
 * later event sees the new time), a loss against another loss (both extend the network's history),
 * a crash, a restart, a scripted nemesis action. Once a nemesis action has happened in a schedule,
 * so are all events after it, since links may then draw faults from the network's one seeded random
 * in the order messages are sent.
 *
 * <p><b>Sleep sets.</b> The sleep set of a state holds transitions that need not be taken there: t
 * sleeps at s when an ancestor u of s took t in an earlier branch and every transition from u to s
 * is independent of t. Then s·t is the state u·t·(the same transitions), reached by a schedule of
 * the same length, below the branch that took t. A state's children inherit the sleepers, and the
 * siblings taken before them, that are independent of the transition leading to them. Over states
 * the rule needs care: a state explored with a large sleep set, reached again with a smaller one,
 * would rely on branches that rely on it. So each visited state keeps the transitions it has not
 * taken yet, and a later visit with sleep set Z takes those not in Z and keeps the intersection
 * (Godefroid's stateful search with sleep sets). The state graph is acyclic (every event extends a
 * history) and a state's depth is part of it (every schedule reaching it has the same length), so
 * a transition taken on an earlier visit had exactly as much of the depth bound left.
 *
 * <p><b>Guarantee.</b> Sleep sets prune transitions, never states: every state that a schedule
 * within the depth bound reaches is visited (Godefroid's theorem for the stateful search; a
 * commuted schedule has the same length, so the bound cuts both alike, and a state at the bound
 * takes nothing whatever its sleep set). So every invariant is checked on the same states as
 * without the reduction; {@code ExplorationReductionSpec} compares the sets of fingerprints. What
 * the reduction saves is the transitions (each a replay or a step) that would only reach a visited
 * state again. Its own cost is a set of transitions per visited state, mostly empty.
 */
final class SleepSets {

  /**
   * A choice by value, so that it is recognised in another replay and at another state: what is
   * done ({@code action}) to which event, whether that message was duplicated already, and when the
   * event is due (not for a delivery: equal copies in flight on one link are one choice, whenever
   * each was sent). Its hash is computed once, since a message may be costly to hash.
   */
  static final class Transition {
    private final Action action;
    private final SimEvent event;
    private final boolean duplicated;
    private final long due;
    private final int hash;

    private Transition(Action action, SimEvent event, boolean duplicated, long due) {
      this.action = action;
      this.event = event;
      this.duplicated = duplicated;
      this.due = due;
      this.hash = Objects.hash(action, event, duplicated, due);
    }

    static Transition of(Choice c) {
      Pending p = c.pending();
      return new Transition(c.action(), p.event, p.duplicated, p.event instanceof Delivery ? 0 : p.time);
    }

    /** The one node this transition touches at virtual time {@code now}, or null if it may touch anything. */
    NodeId site(long now) {
      boolean local =
          event instanceof Delivery
              || ((event instanceof LocalMessage || event instanceof TimerFired || event instanceof ClientRequest)
                  && due <= now);
      return local && action != Action.INJECT ? event.node() : null;
    }

    boolean independentOf(Transition other, long now) {
      NodeId here = site(now);
      NodeId there = other.site(now);
      return here != null
          && there != null
          && !here.equals(there)
          && !(action == Action.DROP && other.action == Action.DROP);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Transition t
          && hash == t.hash
          && action == t.action
          && duplicated == t.duplicated
          && due == t.due
          && event.equals(t.event);
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public String toString() {
      return new Choice(action, new Pending(due, 0, -1, event, false)).toString();
    }
  }

  /** What a visit of a state takes: its choices (and the same as transitions), and whether the state is new. */
  record Visit(boolean first, List<Choice> take, List<Transition> transitions) {}

  private final boolean on;
  /** For every state visited: the transitions not taken from it so far. */
  private final Map<Long, Set<Transition>> untaken = new HashMap<>();

  /** With {@code on} false, every transition is dependent on every other: a plain stateful search. */
  SleepSets(boolean on) {
    this.on = on;
  }

  /** The fingerprints of the states visited. */
  Set<Long> visited() {
    return untaken.keySet();
  }

  /**
   * Visits the state {@code fingerprint}, reached with sleep set {@code sleep}, where {@code
   * enabled} are the choices (none when the depth bound is reached): on a first visit, the enabled
   * choices that do not sleep; on a later one, those not taken before that do not sleep now.
   */
  Visit visit(long fingerprint, List<Choice> enabled, Set<Transition> sleep) {
    Set<Transition> before = untaken.get(fingerprint);
    boolean first = before == null;
    List<Choice> take = new ArrayList<>();
    List<Transition> transitions = new ArrayList<>();
    Set<Transition> notTaken = new HashSet<>();
    for (Choice c : enabled) {
      Transition t = Transition.of(c);
      if (!first && !before.contains(t)) {
        continue; // taken on an earlier visit, with at least as much of the depth bound left
      }
      if (sleep.contains(t)) {
        notTaken.add(t);
      } else {
        take.add(c);
        transitions.add(t);
      }
    }
    untaken.put(fingerprint, notTaken.isEmpty() ? Set.of() : notTaken);
    return new Visit(first, take, transitions);
  }

  /**
   * The sleep set of the child reached by the {@code index}-th choice {@code visit} takes, at
   * virtual time {@code now}: the sleepers ({@code sleep}) and the visit's earlier choices that are
   * independent of it. {@code independent} is false once the schedule makes every event dependent
   * (a nemesis action has happened).
   */
  Set<Transition> childSleep(Set<Transition> sleep, Visit visit, int index, long now, boolean independent) {
    if (!on || !independent) {
      return Set.of();
    }
    Transition taken = visit.transitions().get(index);
    if (taken.site(now) == null) {
      return Set.of();
    }
    Set<Transition> child = new HashSet<>();
    for (Transition t : sleep) {
      if (t.independentOf(taken, now)) {
        child.add(t);
      }
    }
    for (Transition t : visit.transitions().subList(0, index)) {
      if (t.independentOf(taken, now)) {
        child.add(t);
      }
    }
    return child.isEmpty() ? Set.of() : child;
  }
}
