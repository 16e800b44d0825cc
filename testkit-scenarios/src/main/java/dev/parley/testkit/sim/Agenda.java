package dev.parley.testkit.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The events still to happen in a simulation. The seeded simulation takes them in virtual-time
 * order ({@link TimeOrderedAgenda}); exploration chooses among them ({@link ChoiceAgenda}).
 *
 * <p>It counts the pending events that are work (all but periodic timers) so that "quiescent" is
 * a constant-time question; a cancelled event stops counting at once.
 */
abstract class Agenda {

  private int work;
  private long nextSeq;
  private long horizon = Long.MAX_VALUE;

  final Pending schedule(long time, SimEvent event, boolean isWork) {
    Pending p = new Pending(time, tieBreak(), nextSeq++, event, isWork);
    if (isWork) {
      work++;
    }
    insert(p);
    return p;
  }

  /** Cancels {@code p} (a timer cancelled or replaced, a crashed node's own event). */
  final void cancel(Pending p) {
    if (!p.cancelled) {
      p.cancelled = true;
      if (p.work) {
        work--;
      }
      removed(p);
    }
  }

  /** Cancels every pending event that {@code which} selects. */
  final void cancelWhere(Predicate<Pending> which) {
    List<Pending> selected = new ArrayList<>();
    forEach(
        p -> {
          if (!p.cancelled && which.test(p)) {
            selected.add(p);
          }
        });
    selected.forEach(this::cancel);
  }

  /** Bookkeeping for an event that leaves the agenda to happen. */
  final void taken(Pending p) {
    if (p.work) {
      work--;
    }
  }

  /** How many pending events keep the simulation busy. */
  final int work() {
    return work;
  }

  /**
   * No event due after {@code t} is taken before the earliest one (a {@code runUntil(t)} is under
   * way; {@link Long#MAX_VALUE}: no horizon). Only a scheduler that takes events out of time order
   * needs it.
   */
  final void horizon(long t) {
    horizon = t;
  }

  final long horizon() {
    return horizon;
  }

  abstract long tieBreak();

  abstract void insert(Pending p);

  abstract void removed(Pending p);

  abstract void forEach(Consumer<Pending> action);

  /** The next event in virtual-time order, removed, or null when none is left. */
  abstract Pending next();

  /** The next event in virtual-time order, left in place, or null when none is left. */
  abstract Pending peek();

}
