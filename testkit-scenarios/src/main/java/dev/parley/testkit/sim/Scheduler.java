package dev.parley.testkit.sim;

import java.time.Duration;
import java.util.Objects;

/**
 * How a seeded {@link Simulation} chooses its next event ({@link Simulation.Builder#scheduler}).
 *
 * <ul>
 *   <li>{@link #timeOrder()} (the default): the earliest event first, ties in a seeded random order.
 *       Messages are reordered only by the random delays of the links' fault plan, so every link is
 *       equally slow on average: the uniform scheduler.
 *   <li>{@link #priorities}: a priority-based scheduler in the spirit of PCT (Burckhardt et al.,
 *       "A randomized scheduler with probabilistic guarantees of finding bugs", ASPLOS 2010), carried
 *       over to message passing over virtual time. Each node gets a random distinct priority; at each
 *       step the event of the highest-priority node among those due within {@code maxLateness} of the
 *       earliest one is taken, so low-priority nodes run late (their messages, timers and journal
 *       writes) while high-priority ones race ahead; and at {@code depth - 1} steps drawn at random
 *       from the first {@code steps}, the node that takes the step drops below every other. That is
 *       how the hard schedules come about: a leader that suddenly becomes the slowest node while the
 *       others time out and elect, then recovers and races ahead again.
 * </ul>
 *
 * PCT finds a bug that needs {@code d} ordering constraints among {@code n} threads and {@code k}
 * steps with probability at least {@code 1 / (n * k^(d-1))} per run; with virtual time and lateness
 * bounded by {@code maxLateness} that bound is not a theorem here, but the shape of the search is
 * the same: few, deep deviations from the fair schedule instead of many shallow ones.
 */
public sealed interface Scheduler {

  /** The uniform scheduler: earliest event first. */
  static Scheduler timeOrder() {
    return TimeOrder.INSTANCE;
  }

  /**
   * The priority-based scheduler: {@code depth - 1} priority changes within the first {@code steps}
   * steps, events of low-priority nodes late by at most {@code maxLateness}.
   *
   * @param depth the bug depth aimed at (PCT's d), at least 1 (1: fixed priorities, no change)
   * @param maxLateness how late an event may be taken behind the earliest one; choose it around the
   *     protocol's timeouts (a lateness far below them never makes a node look dead, far above them
   *     makes every node look dead)
   * @param steps how many steps the change points are drawn from (about the length of a run)
   */
  static Scheduler priorities(int depth, Duration maxLateness, long steps) {
    return new Priorities(depth, maxLateness, steps);
  }

  /** Earliest event first; the default. */
  enum TimeOrder implements Scheduler {
    INSTANCE;

    @Override
    public String toString() {
      return "time order";
    }
  }

  /** See {@link Scheduler#priorities}. */
  record Priorities(int depth, Duration maxLateness, long steps) implements Scheduler {

    public Priorities {
      Objects.requireNonNull(maxLateness, "maxLateness");
      if (depth < 1) {
        throw new IllegalArgumentException("the depth of a priority schedule is at least 1 (no priority"
            + " change), got " + depth);
      }
      if (maxLateness.isNegative() || maxLateness.isZero()) {
        throw new IllegalArgumentException("maxLateness must be positive (zero would be the time-order"
            + " scheduler: use Scheduler.timeOrder()), got " + maxLateness);
      }
      if (steps < depth) {
        throw new IllegalArgumentException("the " + (depth - 1) + " priority changes are drawn from the first"
            + " steps of a run: steps must be at least the depth " + depth + ", got " + steps);
      }
    }

    @Override
    public String toString() {
      return "priorities (depth " + depth + ", lateness up to " + maxLateness.toMillis() + " ms, changes"
          + " within " + steps + " steps)";
    }
  }
}
