package dev.parley.testkit.checker;

import dev.parley.protocols.history.Operation;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The Wing-Gong-Lowe search for a linearization of one key's sub-history (G. Lowe, "Testing for
 * linearizability", 2017), by a sequential specification ({@link Spec}: a register's, or a user's
 * {@link Model}). Calls and returns sit in one list in history order (or in an order the caller
 * gives: the {@link SequentialConsistencyChecker} puts every call before every return); the search
 * repeatedly linearizes a call that precedes the first remaining return and is legal in the current state,
 * lifting it (and its return) out of the list; when it meets a return instead, it backtracks. Visited
 * configurations (set of linearized calls, state) are memoized, which bounds the work by the
 * number of distinct configurations instead of the number of interleavings.
 *
 * <p>The set of linearized calls is remembered as a 128-bit Zobrist fingerprint (random keys XORed in
 * and out as calls are linearized and undone), so a configuration costs the same 16 bytes whatever the
 * length of the history ({@link ConfigurationSet}), as model checkers such as TLC do with 64 bits.
 * States are numbered as they are first met and the number folded into the fingerprint. Two different
 * configurations sharing a fingerprint has a probability below 10^-20 for ten million configurations;
 * it could only make the search skip a configuration, that is report a violation that is not one,
 * never hide a real one.
 *
 * <p>Calls of unknown outcome (INFO, or never completed) have no return: they may be linearized at any
 * point after their invocation or never. They wait in a list of their own, so that the scans for the
 * definite calls before the first return do not walk past them; they are tried only after the
 * definite calls at each step, and the search succeeds as soon as no return is left.
 *
 * <p>Three prunings keep the search small without losing completeness: a read that is legal now is
 * linearized at once without branching; for a register, a configuration whose first pending return needs a value that
 * nothing pending can write is abandoned at once; of identical calls of unknown outcome, only the first
 * is tried.
 *
 * <p>When there is no linearization, {@link #statesBefore} runs the same search over the calls invoked
 * before the return it could not get past, without stopping at the first success, to collect every
 * state the object could be in there.
 */
final class WglSearch {

  sealed interface Result permits Linearizable, NotLinearizable, GaveUp {}

  /** Returned by {@link Spec#step} when the call cannot happen in the given state. */
  static final Object IMPOSSIBLE = new Object() {
    @Override
    public String toString() {
      return "impossible";
    }
  };

  /**
   * One operation as the search sees it.
   *
   * @param operation the recorded operation (for reports)
   * @param input what the specification made of it (a register's put, get or cas; a user's operation)
   * @param definite true when it completed OK; false when its outcome is unknown (it may be left out)
   * @param invokedAt where its call sits in the search's list
   * @param returnedAt where its return sits (ignored when it is not definite)
   */
  record Call(Operation operation, Object input, boolean definite, long invokedAt, long returnedAt) {

    /** A call placed where the history has it: at its invocation and its completion. */
    Call(Operation operation, Object input, boolean definite) {
      this(operation, input, definite, operation.invocationIndex(), operation.completionIndex());
    }
  }

  /** The sequential specification searched against. */
  interface Spec {
    /** The state after {@code call} in {@code state}, or {@link #IMPOSSIBLE}. */
    Object step(Object state, Call call);

    /** Whether {@code call} never changes the state (a read): taken at once when legal, without branching. */
    boolean isRead(Call call);

    /**
     * False when {@code needed} (the first pending return) can never be linearized from {@code state}
     * given the calls that may still come before it; true when unsure.
     */
    default boolean reachable(Call needed, Object state, Iterable<Call> before) {
      return true;
    }

    /** What makes two calls of unknown outcome interchangeable. */
    default Object signature(Call call) {
      return Arrays.asList(call.operation().f(), call.operation().key(), call.operation().argument());
    }
  }

  record Linearizable(long configurations) implements Result {}

  /**
   * @param stuck the call whose return was the furthest the search could get to without linearizing it
   * @param statesBefore states in which the search reached that return (a few at most)
   */
  record NotLinearizable(Call stuck, List<Object> statesBefore, long configurations)
      implements Result {}

  record GaveUp(long configurations) implements Result {}

  private static final int STATES_REPORTED = 5;
  private static final long FINGERPRINT_SEED = 0x5DEECE66DL;

  private static final class Entry {
    final int id;
    final Call call;
    final long position;
    final boolean isReturn;
    /** For a call of unknown outcome, the number of its signature ({@link Spec#signature}); else -1. */
    final int signature;
    Entry match;
    Entry prev;
    Entry next;

    Entry(int id, Call call, long position, boolean isReturn, int signature) {
      this.id = id;
      this.call = call;
      this.position = position;
      this.isReturn = isReturn;
      this.signature = signature;
    }
  }

  private record Frame(Entry call, Object stateBefore, boolean infoPhase, boolean forced) {}

  private static final Entry DEAD = new Entry(-2, null, Long.MIN_VALUE, false, -1);

  /** The definite calls and their returns in order; {@link #tail} stands for "no return left". */
  private final Entry head = new Entry(-1, null, Long.MIN_VALUE, false, -1);
  private final Entry tail = new Entry(-1, null, Long.MAX_VALUE, true, -1);
  /** The calls of unknown outcome in order of invocation, kept apart so that the definite ones are found fast. */
  private final Entry infoHead = new Entry(-1, null, Long.MIN_VALUE, false, -1);
  private final Entry infoTail = new Entry(-1, null, Long.MAX_VALUE, false, -1);
  private final long[] lowKeys;
  private final long[] highKeys;
  private long low;
  private long high;
  private final ConfigurationSet visited;
  private final Map<Object, Integer> stateNumbers = new HashMap<>();
  private Object lastState;
  private int lastStateNumber = -1;
  private final Deque<Frame> stack;
  /** Signature number to the round of the info phase that tried it; a new round forgets them all. */
  private final int[] triedInRound;
  private int round;
  private final Spec spec;
  private final long budget;
  private Entry furthestStuck;
  private final Set<Object> statesAtFurthest = new LinkedHashSet<>();
  /** When collecting: the position past which every return counts as reached, and the states there. */
  private final long collectBefore;
  private final Set<Object> collected = new LinkedHashSet<>();

  private WglSearch(List<Call> calls, Spec spec, long budget, long collectBefore) {
    this.budget = budget;
    this.spec = spec;
    this.collectBefore = collectBefore;
    this.stack = new ArrayDeque<>(calls.size() + 1);
    this.visited = new ConfigurationSet(2 * calls.size());
    SplittableRandom random = new SplittableRandom(FINGERPRINT_SEED);
    this.lowKeys = random.longs(calls.size()).toArray();
    this.highKeys = random.longs(calls.size()).toArray();
    Map<Object, Integer> signatures = new HashMap<>();
    List<Entry> definite = new ArrayList<>(calls.size() * 2);
    List<Entry> unknown = new ArrayList<>();
    for (int id = 0; id < calls.size(); id++) {
      Call c = calls.get(id);
      if (c.definite()) {
        Entry call = new Entry(id, c, c.invokedAt(), false, -1);
        Entry ret = new Entry(id, c, c.returnedAt(), true, -1);
        call.match = ret;
        ret.match = call;
        definite.add(call);
        definite.add(ret);
      } else {
        int signature = signatures.computeIfAbsent(spec.signature(c), k -> signatures.size());
        unknown.add(new Entry(id, c, c.invokedAt(), false, signature));
      }
    }
    this.triedInRound = new int[signatures.size()];
    link(head, definite, tail);
    link(infoHead, unknown, infoTail);
  }

  private static void link(Entry first, List<Entry> entries, Entry last) {
    entries.sort((a, b) -> Long.compare(a.position, b.position));
    Entry previous = first;
    for (Entry e : entries) {
      previous.next = e;
      e.prev = previous;
      previous = e;
    }
    previous.next = last;
    last.prev = previous;
  }

  /**
   * Searches for a linearization of {@code calls} by {@code spec} from {@code initialState}, giving up
   * after {@code budget} distinct configurations.
   */
  static Result search(List<Call> calls, Spec spec, Object initialState, long budget) {
    return new WglSearch(calls, spec, budget, Long.MIN_VALUE).run(initialState);
  }

  /**
   * Every state the object can be in just before {@code stuck} returns: the states after every
   * order, respecting real time, of the other calls invoked before that return, in which each call that
   * returned before it is linearized (the others, still running or of unknown outcome, may be or not).
   * {@code stuck} is left out; so when the search could get no further than its return, none of these
   * states explains its result. The states are in the order the search met them; a null state is {@link
   * NullState#INSTANCE}.
   */
  static ReachableStates statesBefore(List<Call> calls, Call stuck, Spec spec, Object initialState, long budget) {
    List<Call> before = calls.stream().filter(c -> c != stuck && c.invokedAt() < stuck.returnedAt()).toList();
    WglSearch search = new WglSearch(before, spec, budget, stuck.returnedAt());
    boolean complete = !(search.run(initialState) instanceof GaveUp);
    return new ReachableStates(List.copyOf(search.collected), complete);
  }

  /**
   * @param states the states found
   * @param complete false when the search ran out of budget first: there may be more
   */
  record ReachableStates(List<Object> states, boolean complete) {}

  private boolean collecting() {
    return collectBefore != Long.MIN_VALUE;
  }

  /**
   * The search: at a new configuration, a legal read is taken at once; otherwise each definite call
   * before the first pending return is tried in turn, then each call of unknown outcome invoked before
   * it (the info phase); when none is left to try, the search backtracks to the newest choice and tries
   * the next call after it.
   */
  private Result run(Object initialState) {
    Object state = initialState;
    Entry barrier = firstReturn();
    Entry entry = null;
    boolean infoPhase = false;
    boolean fresh = true;
    while (true) {
      if (fresh) {
        fresh = false;
        barrier = firstReturn();
        if (collecting() && barrier.position > collectBefore) {
          collected.add(state == null ? NullState.INSTANCE : state);
          entry = head.next;
          infoPhase = false;
          continue;
        }
        if (barrier == tail) {
          return new Linearizable(visited.size());
        }
        Entry read = reachable(barrier, state) ? legalRead(barrier, state) : DEAD;
        if (read == null) {
          entry = head.next;
          infoPhase = false;
          continue;
        }
        if (read != DEAD) {
          Object after = spec.step(state, read.call);
          if (linearize(read, state, after, true, false)) {
            state = after;
            fresh = true;
            continue;
          }
        }
        noteStuck(barrier, state);
      } else if (entry != null && (infoPhase ? entry.position < barrier.position : !entry.isReturn)) {
        if (!infoPhase || firstOfItsKind(entry)) {
          Object next = spec.step(state, entry.call);
          if (next != IMPOSSIBLE && linearize(entry, state, next, false, infoPhase)) {
            state = next;
            fresh = true;
            continue;
          }
        }
        entry = entry.next;
        continue;
      } else if (!infoPhase && entry != null) {
        infoPhase = true;
        round++;
        entry = infoHead.next;
        continue;
      } else if (entry != null) {
        noteStuck(barrier, state);
      }
      if (visited.size() > budget) {
        return new GaveUp(visited.size());
      }
      Frame frame = backtrack();
      if (frame == null) {
        return new NotLinearizable(furthestStuck == null ? null : furthestStuck.call,
            List.copyOf(statesAtFurthest), visited.size());
      }
      state = frame.stateBefore();
      infoPhase = frame.infoPhase();
      entry = frame.call().next;
      barrier = firstReturn();
      if (infoPhase) {
        round++;
        for (Entry e = infoHead.next; e != entry; e = e.next) {
          triedInRound[e.signature] = round;
        }
      }
    }
  }

  /**
   * Symmetry reduction: calls of unknown outcome with the same operation and arguments are
   * interchangeable (whichever was invoked first may stand for any later one), so of those not yet
   * linearized only the first in the list is tried.
   */
  private boolean firstOfItsKind(Entry info) {
    if (triedInRound[info.signature] == round) {
      return false;
    }
    triedInRound[info.signature] = round;
    return true;
  }

  /**
   * Linearizes {@code call} (state before and after given) unless that configuration was seen before;
   * a forced call is one that a complete search need not branch on, so backtracking skips past it.
   */
  private boolean linearize(Entry call, Object before, Object after, boolean forced, boolean infoPhase) {
    toggle(call.id);
    if (!visited.add(low, high, stateNumber(after))) {
      toggle(call.id);
      return false;
    }
    stack.push(new Frame(call, before, infoPhase, forced));
    lift(call);
    return true;
  }

  /**
   * States are numbered as they are first met, so that a configuration holds a number, not a state.
   * Consecutive configurations often share the very same state object, which skips the lookup.
   */
  private int stateNumber(Object state) {
    if (state != lastState || lastStateNumber < 0) {
      lastStateNumber = stateNumbers.computeIfAbsent(state, s -> stateNumbers.size());
      lastState = state;
    }
    return lastStateNumber;
  }

  /** Undoes frames up to and including the newest one that was a real choice; null when none is left. */
  private Frame backtrack() {
    while (!stack.isEmpty()) {
      Frame frame = stack.pop();
      toggle(frame.call().id);
      unlift(frame.call());
      if (!frame.forced()) {
        return frame;
      }
    }
    return null;
  }

  /** The first return left, or {@link #tail} when none is. */
  private Entry firstReturn() {
    Entry e = head.next;
    while (!e.isReturn) {
      e = e.next;
    }
    return e;
  }

  /**
   * A read that may be linearized now (it returns what the state holds). Taking it at once loses
   * nothing: in any linearization from here it could be moved to the front, since it does not change
   * the object and everything that had to precede it is already linearized. So the search does not
   * branch on it. (A specification may still give it a new state, as the sequential-consistency
   * check's does to count each process's operations; the state after it is the one its step gives.)
   */
  private Entry legalRead(Entry firstReturn, Object state) {
    for (Entry e = head.next; e != firstReturn; e = e.next) {
      if (spec.isRead(e.call) && spec.step(state, e.call) != IMPOSSIBLE) {
        return e;
      }
    }
    return null;
  }

  /**
   * False when the operation of the first pending return can never be linearized from here: the
   * specification is shown the definite calls before that return, then the calls of unknown outcome
   * invoked before it.
   */
  private boolean reachable(Entry firstReturn, Object state) {
    Iterable<Call> before = () -> new Iterator<>() {
      private Entry next = from(head.next);

      /** {@code e}, unless the definite calls end there (then the first of unknown outcome) or all do. */
      private Entry from(Entry e) {
        Entry candidate = e == firstReturn ? infoHead.next : e;
        return candidate.position < firstReturn.position ? candidate : null;
      }

      @Override
      public boolean hasNext() {
        return next != null;
      }

      @Override
      public Call next() {
        Call c = next.call;
        next = from(next.next);
        return c;
      }
    };
    return spec.reachable(firstReturn.call, state, before);
  }

  private void noteStuck(Entry ret, Object state) {
    if (ret == tail) {
      return;
    }
    if (furthestStuck == null || ret.position > furthestStuck.position) {
      furthestStuck = ret;
      statesAtFurthest.clear();
    }
    if (ret == furthestStuck && statesAtFurthest.size() < STATES_REPORTED) {
      statesAtFurthest.add(state == null ? NullState.INSTANCE : state);
    }
  }

  /** Stands for "never written" in the reported states, since the report list holds no nulls. */
  enum NullState {
    INSTANCE;

    @Override
    public String toString() {
      return "nothing (never written)";
    }
  }

  /** Adds a call to, or removes it from, the fingerprint of the linearized set (Zobrist hashing). */
  private void toggle(int id) {
    low ^= lowKeys[id];
    high ^= highKeys[id];
  }

  private static void lift(Entry call) {
    remove(call);
    if (call.match != null) {
      remove(call.match);
    }
  }

  private static void unlift(Entry call) {
    if (call.match != null) {
      restore(call.match);
    }
    restore(call);
  }

  private static void remove(Entry e) {
    e.prev.next = e.next;
    e.next.prev = e.prev;
  }

  private static void restore(Entry e) {
    e.prev.next = e;
    e.next.prev = e;
  }
}
