package dev.parley.protocols.clock;

import java.time.Clock;
import java.time.Instant;

/**
 * A node's physical clock: true time (the simulation's virtual time, or the host's clock) seen
 * through an offset and a constant drift rate, as a quartz clock that started wrong and runs fast or
 * slow.
 *
 * <p>Reading at true time t: {@code t + offset + drift * (t - epoch)}, with drift in parts per
 * million. All times are nanoseconds since the Unix epoch. A node reads only its local clock; the
 * true time is used only to compute that reading. Immutable: {@link #adjustedBy} gives the clock
 * after a step correction (Cristian, Berkeley), keeping the drift.
 *
 * @param offsetNanos how far ahead of true time the clock reads at {@code epochNanos}
 * @param driftPpm how fast it gains (positive) or loses (negative), in parts per million
 * @param epochNanos the true time from which the drift accumulates
 */
public record DriftingClock(long offsetNanos, double driftPpm, long epochNanos) {

  public DriftingClock {
    if (!(Math.abs(driftPpm) < 1_000_000.0)) {
      throw new IllegalArgumentException(
          "drift must be within (-1e6, 1e6) ppm, or the clock would stop or run backwards, got "
              + driftPpm);
    }
  }

  /** A perfect clock: no offset, no drift. */
  public static final DriftingClock PERFECT = new DriftingClock(0, 0.0, 0);

  /** True time in nanoseconds since the epoch. */
  public static long nanos(Instant instant) {
    return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
  }

  /** The reading of this clock when the true time is {@code trueNanos}. */
  public long readingAt(long trueNanos) {
    return trueNanos + offsetNanos + Math.round(driftPpm * 1e-6 * (trueNanos - epochNanos));
  }

  /** The reading of this clock now, true time taken from {@code trueClock} (e.g. {@code env.clock()}). */
  public long read(Clock trueClock) {
    return readingAt(nanos(trueClock.instant()));
  }

  /** How far this clock is ahead of true time at {@code trueNanos}. */
  public long errorAt(long trueNanos) {
    return readingAt(trueNanos) - trueNanos;
  }

  /** This clock stepped by {@code deltaNanos} (positive: forward), drift unchanged. */
  public DriftingClock adjustedBy(long deltaNanos) {
    return new DriftingClock(offsetNanos + deltaNanos, driftPpm, epochNanos);
  }

  /** This clock set to read {@code readingNanos} at true time {@code trueNanos}, drift unchanged. */
  public DriftingClock setTo(long readingNanos, long trueNanos) {
    return adjustedBy(readingNanos - readingAt(trueNanos));
  }
}
