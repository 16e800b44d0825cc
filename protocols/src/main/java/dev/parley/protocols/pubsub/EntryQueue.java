package dev.parley.protocols.pubsub;

import dev.parley.protocols.pubsub.BrokerState.Entry;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;
import java.util.RandomAccess;
import org.pcollections.TreePVector;

/**
 * A subscription's queue of unacknowledged messages ({@link Entry}: number and offset), as the
 * {@link BrokerState} keeps it: immutable and structure-sharing, in runs.
 *
 * <p>Model: the broker appends what one write brought to a subscription as one run (consecutive
 * numbers, their offsets in an array that is never changed), and an acknowledgement drops a prefix.
 * Seen from outside it is a read-only {@code List<Entry>}, oldest first, so it travels (in
 * snapshots and over the wire) as the plain list of entries it always was; a list read back is
 * split into runs of consecutive numbers.
 *
 * <p>Cost: appending a run O(log r) for r runs, whatever its length (where a persistent vector of
 * entries costs O(log n) per entry); dropping a prefix O(log n + k log r) for k whole runs dropped;
 * {@code get} O(log r); memory one {@code long} per entry, plus the dropped head of the oldest run
 * until the rest of it is dropped.
 */
final class EntryQueue extends AbstractList<Entry> implements RandomAccess {

  /** Consecutive numbers from {@code firstN}; entry k is at queue position {@code base + k}. */
  private record Run(long base, long firstN, long[] offsets) {
    long end() {
      return base + offsets.length;
    }
  }

  static final EntryQueue EMPTY = new EntryQueue(TreePVector.empty(), 0, 0);

  private final TreePVector<Run> runs;
  /** The position of the first entry (positions count every entry ever appended). */
  private final long head;
  /** The position after the last entry. */
  private final long tail;

  private EntryQueue(TreePVector<Run> runs, long head, long tail) {
    this.runs = runs;
    this.head = head;
    this.tail = tail;
  }

  /** {@code entries} (oldest first) as a queue: taken as it is if it is one already. */
  static EntryQueue of(List<Entry> entries) {
    if (entries instanceof EntryQueue q) {
      return q;
    }
    EntryQueue q = EMPTY;
    int from = 0;
    for (int i = 1; i <= entries.size(); i++) {
      if (i == entries.size() || entries.get(i).n() != entries.get(i - 1).n() + 1) {
        long[] offsets = new long[i - from];
        for (int k = from; k < i; k++) {
          offsets[k - from] = entries.get(k).offset();
        }
        q = q.plusRun(entries.get(from).n(), offsets);
        from = i;
      }
    }
    return q;
  }

  /** This queue with a run appended: numbers {@code firstN}, {@code firstN + 1}, ... at {@code offsets}. */
  EntryQueue plusRun(long firstN, long[] offsets) {
    if (offsets.length == 0) {
      return this;
    }
    return new EntryQueue(runs.plus(new Run(tail, firstN, offsets)), head, tail + offsets.length);
  }

  /** This queue without its entries numbered up to {@code n}. */
  EntryQueue dropThrough(long n) {
    int k = BrokerDelivery.indexAfter(this, n);
    if (k == 0) {
      return this;
    }
    long newHead = head + k;
    TreePVector<Run> rest = runs;
    while (!rest.isEmpty() && rest.get(0).end() <= newHead) {
      rest = rest.minus(0);
    }
    return rest.isEmpty() ? EMPTY : new EntryQueue(rest, newHead, tail);
  }

  /** Receives entries: number and offset. */
  @FunctionalInterface
  interface EntryConsumer {
    void accept(long n, long offset);
  }

  /** Hands {@code to} up to {@code max} entries from index {@code from}, oldest first, run by run. */
  void forEach(int from, long max, EntryConsumer to) {
    if (from >= size() || max <= 0) {
      return;
    }
    long position = head + from;
    long end = Math.min(tail, position + max);
    int r = runIndex(position);
    while (position < end) {
      Run run = runs.get(r++);
      for (int k = (int) (position - run.base()); k < run.offsets().length && position < end; k++, position++) {
        to.accept(run.firstN() + k, run.offsets()[k]);
      }
    }
  }

  /** The index of the run holding queue position {@code position}. */
  private int runIndex(long position) {
    int lo = 0;
    int hi = runs.size() - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (runs.get(mid).base() <= position) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  @Override
  public Entry get(int index) {
    if (index < 0 || index >= size()) {
      throw new IndexOutOfBoundsException("entry " + index + " of a queue of " + size());
    }
    long position = head + index;
    Run run = runs.get(runIndex(position));
    int k = (int) (position - run.base());
    return new Entry(run.firstN() + k, run.offsets()[k]);
  }

  @Override
  public int size() {
    return (int) (tail - head);
  }

  /** The entries as a plain list (for specs and messages). */
  List<Entry> toList() {
    return new ArrayList<>(this);
  }
}
