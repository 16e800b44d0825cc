package dev.parley.testkit.report;

import dev.parley.protocols.history.History;
import dev.parley.protocols.history.Operation;
import java.util.Arrays;
import java.util.SortedMap;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * Time-stamped latencies of one series (one system, one setting), kept for pictures: when each
 * operation completed, relative to an origin, and how long it took (completion, not start, so that
 * a window's samples all fall inside it, as in HdrHistogram's own interval logs). The percentiles come from an
 * HdrHistogram of every sample (3 significant digits); the time series keeps the first
 * {@link #CAPACITY} samples (16 bytes each, so at most 32 MB) and counts the rest as left out.
 *
 * <p>Thread-safe: {@link #record} takes a lock, about as cheap as an uncontended
 * {@code ConcurrentHistogram} record on the 2-core machines the harnesses run on. All times are
 * {@link System#nanoTime} nanoseconds.
 */
public final class LatencySamples {

  /** Samples kept for the time series; the histogram counts every sample. */
  public static final int CAPACITY = 1 << 21;

  private final long originNanos;
  private final Histogram histogram = new Histogram(3);
  private long[] completedAt = new long[1024];
  private long[] latency = new long[1024];
  private int size;
  private long leftOut;

  /** Samples timed from {@code originNanos}, a {@link System#nanoTime} reading such as a window's start. */
  public LatencySamples(long originNanos) {
    this.originNanos = originNanos;
  }

  /** Samples timed from now. */
  public static LatencySamples startingNow() {
    return new LatencySamples(System.nanoTime());
  }

  /**
   * The completed (ok) operations of a history, one series per operation name (put, get, ...),
   * timed from {@code originNanos} on the history's clock.
   */
  public static SortedMap<String, LatencySamples> perOperation(History history, long originNanos) {
    SortedMap<String, LatencySamples> out = new TreeMap<>();
    for (Operation op : history.operations()) {
      if (op.isOk()) {
        out.computeIfAbsent(op.f(), f -> new LatencySamples(originNanos))
            .record(op.invocation().timeNanos(), op.completion().timeNanos());
      }
    }
    return out;
  }

  /** One operation that started at {@code startedNanos} and completed at {@code endedNanos}. */
  public synchronized void record(long startedNanos, long endedNanos) {
    long took = Math.max(0, endedNanos - startedNanos);
    histogram.recordValue(took);
    if (size == CAPACITY) {
      leftOut++;
      return;
    }
    if (size == completedAt.length) {
      completedAt = Arrays.copyOf(completedAt, size * 2);
      latency = Arrays.copyOf(latency, size * 2);
    }
    completedAt[size] = endedNanos - originNanos;
    latency[size] = took;
    size++;
  }

  /** A copy of the histogram of every sample's latency, in nanoseconds. */
  public synchronized Histogram histogram() {
    return histogram.copy();
  }

  /** Samples recorded in all. */
  public synchronized long count() {
    return histogram.getTotalCount();
  }

  /** Samples recorded beyond {@link #CAPACITY}: in the histogram, not in the time series. */
  public synchronized long leftOut() {
    return leftOut;
  }

  /** The kept samples' completion times, nanoseconds after the origin (negative: before it), in recording order. */
  public synchronized long[] completedAt() {
    return Arrays.copyOf(completedAt, size);
  }

  /** The kept samples' latencies in nanoseconds, in the order of {@link #completedAt()}. */
  public synchronized long[] latencies() {
    return Arrays.copyOf(latency, size);
  }
}
