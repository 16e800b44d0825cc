package dev.parley.bench;

import dev.parley.testkit.report.LatencySamples;

/**
 * What one lock benchmark measured: completed critical-section entries (acquire-release cycles)
 * per second, and the latency from asking for the lock to holding it, time-stamped.
 */
record LockFigures(long entries, double seconds, LatencySamples acquire) {

  double perSecond() {
    return entries / seconds;
  }

  String p50() {
    return millis(acquire.histogram().getValueAtPercentile(50));
  }

  String p99() {
    return millis(acquire.histogram().getValueAtPercentile(99));
  }

  private static String millis(long nanos) {
    return String.format("%.2f ms", nanos / 1e6);
  }
}
