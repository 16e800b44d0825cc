package dev.parley.bench;

import org.HdrHistogram.Histogram;

/**
 * What one lock benchmark measured: completed critical-section entries (acquire-release cycles)
 * per second, and the latency from asking for the lock to holding it.
 */
record LockFigures(long entries, double seconds, Histogram acquireNanos) {

  double perSecond() {
    return entries / seconds;
  }

  String p50() {
    return millis(acquireNanos.getValueAtPercentile(50));
  }

  String p99() {
    return millis(acquireNanos.getValueAtPercentile(99));
  }

  private static String millis(long nanos) {
    return String.format("%.2f ms", nanos / 1e6);
  }
}
