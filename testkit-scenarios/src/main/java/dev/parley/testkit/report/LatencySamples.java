package dev.parley.testkit.report;

import java.util.Arrays;
import org.HdrHistogram.Histogram;

/**
 * Time-stamped latencies of one series (one system, one setting), kept for pictures: when each
 * operation started, relative to an origin, and how long it took. The percentiles come from an
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
  private long[] startedAt = new long[1024];
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

  /** One operation that started at {@code startedNanos} and completed at {@code endedNanos}. */
  public synchronized void record(long startedNanos, long endedNanos) {
    long took = Math.max(0, endedNanos - startedNanos);
    histogram.recordValue(took);
    if (size == CAPACITY) {
      leftOut++;
      return;
    }
    if (size == startedAt.length) {
      startedAt = Arrays.copyOf(startedAt, size * 2);
      latency = Arrays.copyOf(latency, size * 2);
    }
    startedAt[size] = startedNanos - originNanos;
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

  /** The kept samples' start times, nanoseconds after the origin (negative: before it), in recording order. */
  public synchronized long[] startedAt() {
    return Arrays.copyOf(startedAt, size);
  }

  /** The kept samples' latencies in nanoseconds, in the order of {@link #startedAt()}. */
  public synchronized long[] latencies() {
    return Arrays.copyOf(latency, size);
  }
}
