package dev.parley.cluster;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * What this node's protocol instances reported upward, newest last, the oldest forgotten past a
 * bound: what {@code /protocols/{name}/upcalls} and the instances' status show. (Answers reach the
 * requests waiting for them through the instance's {@link OperationHost}, by key, not through this log.)
 */
public final class UpcallLog {

  /** One upcall: the {@code index}-th of this node, from instance {@code protocol}. */
  public record Entry(long index, String protocol, long timeMillis, String type, Object upcall) {}

  private final int capacity;
  private final ArrayDeque<Entry> entries = new ArrayDeque<>();
  private long next;

  public UpcallLog(int capacity) {
    this.capacity = capacity;
  }

  public synchronized void record(String protocol, long timeMillis, Object upcall) {
    entries.addLast(new Entry(next++, protocol, timeMillis, upcall.getClass().getSimpleName(), upcall));
    if (entries.size() > capacity) {
      entries.removeFirst();
    }
  }

  /** The upcalls of {@code protocol} (all if null) with index at least {@code since}. */
  public synchronized List<Entry> since(String protocol, long since) {
    List<Entry> out = new ArrayList<>();
    for (Entry e : entries) {
      if (e.index() >= since && (protocol == null || e.protocol().equals(protocol))) {
        out.add(e);
      }
    }
    return out;
  }

  /** The latest upcall of {@code protocol} of type {@code type}, or null. */
  public synchronized <T> T latest(String protocol, Class<T> type) {
    for (Iterator<Entry> it = entries.descendingIterator(); it.hasNext(); ) {
      Entry e = it.next();
      if (e.protocol().equals(protocol) && type.isInstance(e.upcall())) {
        return type.cast(e.upcall());
      }
    }
    return null;
  }

  public synchronized long count(String protocol) {
    return entries.stream().filter(e -> e.protocol().equals(protocol)).count();
  }
}
