package dev.parley.protocols.pubsub;

import dev.parley.protocols.core.WireMessage;
import java.util.ArrayList;
import java.util.List;

/**
 * One log of the {@link LogStore}: the records from offset {@code start} (inclusive) to {@code next}
 * (exclusive), immutable, kept in chunks of at most {@link #CHUNK} records so an append copies one
 * chunk and the list of chunks, not the whole log. Every chunk but the first and the last is full;
 * the first loses records from its front as retention deletes them.
 *
 * @param start the first offset still held (every offset before it was deleted by retention)
 * @param next the offset the next append gets
 * @param bytes the held records' value bytes
 * @param lastTimestamp the stamp of the last record appended (0 before any)
 * @param trimmedBefore the age cutoff of the last retention applied ({@link Long#MIN_VALUE} before any)
 * @param chunks the held records in offset order
 */
public record StoredLog(long start, long next, long bytes, long lastTimestamp, long trimmedBefore,
    List<List<LogRecord>> chunks) implements WireMessage {

  public static final int CHUNK = 256;

  public static final StoredLog EMPTY = new StoredLog(0, 0, 0, 0, Long.MIN_VALUE, List.of());

  public StoredLog {
    chunks = List.copyOf(chunks);
  }

  public long size() {
    return next - start;
  }

  /** The log after appending {@code key}/{@code value} stamped no earlier than the last record. */
  public StoredLog append(String key, String value, long timestamp) {
    LogRecord record = new LogRecord(next, Math.max(timestamp, lastTimestamp), key, value);
    List<List<LogRecord>> nextChunks = new ArrayList<>(chunks);
    List<LogRecord> last = chunks.isEmpty() ? null : chunks.get(chunks.size() - 1);
    if (last == null || last.size() >= CHUNK) {
      nextChunks.add(List.of(record));
    } else {
      List<LogRecord> grown = new ArrayList<>(last.size() + 1);
      grown.addAll(last);
      grown.add(record);
      nextChunks.set(nextChunks.size() - 1, List.copyOf(grown));
    }
    return new StoredLog(start, next + 1, bytes + record.bytes(), record.timestamp(), trimmedBefore, nextChunks);
  }

  /** The record at {@code offset}, which must be held. */
  public LogRecord get(long offset) {
    if (offset < start || offset >= next) {
      throw new IndexOutOfBoundsException("offset " + offset + " not in [" + start + ", " + next + ")");
    }
    List<LogRecord> first = chunks.get(0);
    long i = offset - start;
    if (i < first.size()) {
      return first.get((int) i);
    }
    i -= first.size();
    return chunks.get(1 + (int) (i / CHUNK)).get((int) (i % CHUNK));
  }

  /** At most {@code max} records from {@code from} on (from {@code start} if it was deleted). */
  public List<LogRecord> read(long from, int max) {
    List<LogRecord> out = new ArrayList<>();
    for (long o = Math.max(from, start); o < next && out.size() < max; o++) {
      out.add(get(o));
    }
    return out;
  }

  /** Retention: see {@link LogRequest.Trim}. Deletes from the start only, so offsets never move. */
  public StoredLog trim(long olderThan, long maxRecords, long maxBytes) {
    long newStart = start;
    long newBytes = bytes;
    while (newStart < next) {
      LogRecord r = get(newStart);
      if (r.timestamp() >= olderThan && next - newStart <= maxRecords && newBytes <= maxBytes) {
        break;
      }
      newStart++;
      newBytes -= r.bytes();
    }
    long cutoff = Math.max(trimmedBefore, olderThan);
    if (newStart == start) {
      return new StoredLog(start, next, bytes, lastTimestamp, cutoff, chunks);
    }
    List<List<LogRecord>> kept = new ArrayList<>();
    if (newStart < next) {
      long firstChunkEnd = start + chunks.get(0).size();
      int skip;
      long rest;
      if (newStart < firstChunkEnd) {
        skip = 0;
        rest = newStart - start;
      } else {
        long i = newStart - firstChunkEnd;
        skip = 1 + (int) (i / CHUNK);
        rest = i % CHUNK;
      }
      List<LogRecord> head = chunks.get(skip);
      kept.add(List.copyOf(head.subList((int) rest, head.size())));
      kept.addAll(chunks.subList(skip + 1, chunks.size()));
    }
    return new StoredLog(newStart, next, newBytes, lastTimestamp, cutoff, kept);
  }
}
