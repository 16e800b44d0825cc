package dev.parley.protocols.replication;

import dev.parley.protocols.core.Payload;
import dev.parley.protocols.core.WireMessage;
import dev.parley.protocols.election.LogPosition;
import java.util.AbstractList;
import java.util.List;
import java.util.Objects;
import java.util.RandomAccess;

/**
 * A Raft log after compaction: the snapshot that replaced its prefix (the state machine's snapshot
 * {@code state} after applying every entry up to {@code snapshot}, the last included index and term)
 * and the entries that follow it, indexes {@code snapshot.index() + 1 .. lastIndex()}.
 *
 * <p>An immutable value, so it can be an event-sourced state and a snapshot; appending is amortised
 * O(1) all the same: versions share one array, and a version appends in place only when nothing
 * was written after its end (otherwise it copies). Dropping the prefix or the suffix is O(1).
 *
 * @param snapshot the last index and term the snapshot includes ({@link LogPosition#EMPTY}: none)
 * @param state the state machine's snapshot at {@code snapshot} ({@link StateMachine#takeSnapshot}; null:
 *     no snapshot, the machine's initial state)
 * @param entries the entries after the snapshot, in index order
 */
public record RaftLog(LogPosition snapshot, @Payload Object state, List<LogEntry> entries) implements WireMessage {

  public static final RaftLog EMPTY = new RaftLog(LogPosition.EMPTY, null, List.of());

  public RaftLog {
    Objects.requireNonNull(snapshot, "snapshot");
    if (entries instanceof Entries) { // its entries were placed one after another by append
      requirePlaced(entries, 0, snapshot);
      requirePlaced(entries, entries.size() - 1, snapshot);
    } else {
      entries = Entries.of(entries);
      for (int i = 0; i < entries.size(); i++) {
        requirePlaced(entries, i, snapshot);
      }
    }
  }

  private static void requirePlaced(List<LogEntry> entries, int i, LogPosition snapshot) {
    if (i >= 0 && i < entries.size() && entries.get(i).index() != snapshot.index() + 1 + i) {
      throw new IllegalArgumentException("entry " + entries.get(i) + " out of place after " + snapshot);
    }
  }

  /** The index of the first entry kept (the snapshot's next). */
  public long firstIndex() {
    return snapshot.index() + 1;
  }

  public long lastIndex() {
    return snapshot.index() + entries.size();
  }

  /** The position of the last entry, or the snapshot's when no entry follows it. */
  public LogPosition last() {
    return entries.isEmpty() ? snapshot : position(entries.get(entries.size() - 1));
  }

  /** The term of the entry at {@code index}: the snapshot's at its index, -1 if compacted away or absent. */
  public long termAt(long index) {
    if (index == snapshot.index()) {
      return snapshot.term();
    }
    return index < firstIndex() || index > lastIndex() ? -1 : entry(index).term();
  }

  /** Whether the log holds an entry at {@code position} (or its snapshot ends there). */
  public boolean contains(LogPosition position) {
    return termAt(position.index()) == position.term();
  }

  /** The entry at {@code index}, which must be in {@code firstIndex() .. lastIndex()}. */
  public LogEntry entry(long index) {
    if (index < firstIndex() || index > lastIndex()) {
      throw new IndexOutOfBoundsException("no entry " + index + " in log " + firstIndex() + ".." + lastIndex());
    }
    return entries.get((int) (index - firstIndex()));
  }

  /** At most {@code max} entries from {@code from} (at least {@code firstIndex()}) on. */
  public List<LogEntry> slice(long from, int max) {
    int start = (int) (from - firstIndex());
    if (start < 0) {
      throw new IndexOutOfBoundsException("entry " + from + " is compacted into the snapshot at " + snapshot);
    }
    int end = (int) Math.min(entries.size(), (long) start + max); // max may be Integer.MAX_VALUE: all of them
    return start >= end ? List.of() : ((Entries) entries).range(start, end);
  }

  /** This log with {@code more} after its last entry. */
  public RaftLog append(List<LogEntry> more) {
    for (int i = 0; i < more.size(); i++) {
      if (more.get(i).index() != lastIndex() + 1 + i) {
        throw new IllegalArgumentException("entry " + more.get(i) + " does not follow the log's last " + last());
      }
    }
    return new RaftLog(snapshot, state, ((Entries) entries).plus(more));
  }

  /** This log without the entries from {@code index} on (a follower's conflicting suffix). */
  public RaftLog truncateFrom(long index) {
    if (index <= snapshot.index()) {
      throw new IllegalArgumentException("entry " + index + " is in the snapshot at " + snapshot);
    }
    int keep = (int) Math.min(entries.size(), index - firstIndex());
    return new RaftLog(snapshot, state, ((Entries) entries).range(0, keep));
  }

  /**
   * This log with its prefix up to {@code last} replaced by the snapshot {@code at}: the entries after
   * it are kept if the log holds {@code last}, else (a follower installing its leader's snapshot)
   * they are discarded with the rest.
   */
  public RaftLog compact(LogPosition last, Object at) {
    if (last.index() <= snapshot.index()) {
      throw new IllegalArgumentException("snapshot at " + last + " is not after the log's snapshot at " + snapshot);
    }
    Entries kept = (Entries) entries;
    kept = contains(last) ? kept.range((int) (last.index() - snapshot.index()), kept.size()) : Entries.EMPTY;
    return new RaftLog(last, at, kept);
  }

  private static LogPosition position(LogEntry e) {
    return new LogPosition(e.index(), e.term());
  }

  /**
   * An immutable window {@code [from, from + size)} of an array that several windows share. Only
   * the window ending where the array's written part ends appends in place; the others copy.
   */
  private static final class Entries extends AbstractList<LogEntry> implements RandomAccess {

    static final Entries EMPTY = new Entries(new LogEntry[0], new int[1], 0, 0);

    private final LogEntry[] array;
    private final int[] written;
    private final int from;
    private final int size;

    private Entries(LogEntry[] array, int[] written, int from, int size) {
      this.array = array;
      this.written = written;
      this.from = from;
      this.size = size;
    }

    static Entries of(List<LogEntry> list) {
      return list instanceof Entries e ? e : EMPTY.plus(list);
    }

    @Override
    public LogEntry get(int i) {
      Objects.checkIndex(i, size);
      return array[from + i];
    }

    @Override
    public int size() {
      return size;
    }

    Entries range(int start, int end) {
      Objects.checkFromToIndex(start, end, size);
      return new Entries(array, written, from + start, end - start);
    }

    Entries plus(List<LogEntry> more) {
      int end = from + size;
      int n = more.size();
      if (n == 0) {
        return this;
      }
      if (written[0] == end && end + n <= array.length) {
        for (int i = 0; i < n; i++) {
          array[end + i] = Objects.requireNonNull(more.get(i), "entry");
        }
        written[0] = end + n;
        return new Entries(array, written, from, size + n);
      }
      LogEntry[] grown = new LogEntry[Math.max(16, 2 * (size + n))];
      System.arraycopy(array, from, grown, 0, size);
      for (int i = 0; i < n; i++) {
        grown[size + i] = Objects.requireNonNull(more.get(i), "entry");
      }
      return new Entries(grown, new int[] {size + n}, 0, size + n);
    }
  }
}
