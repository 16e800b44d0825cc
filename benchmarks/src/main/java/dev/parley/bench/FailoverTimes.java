package dev.parley.bench;

import dev.parley.testkit.report.LatencySamples;
import org.HdrHistogram.Histogram;

/**
 * The failover times of one system under one setting: each run's time from the leader's kill to
 * agreement on a new leader, with the median and the 99th percentile (HdrHistogram, microseconds),
 * and each run time-stamped from the first for the pictures.
 */
final class FailoverTimes {

  final String system;
  final String setting;
  final int nodes;
  private final LatencySamples samples = LatencySamples.startingNow();
  private final Histogram histogram = new Histogram(3_600_000_000L, 3);

  FailoverTimes(String system, String setting, int nodes) {
    this.system = system;
    this.setting = setting;
    this.nodes = nodes;
  }

  /** One run that took {@code nanos} and ended just now. */
  void add(long nanos) {
    long now = System.nanoTime();
    samples.record(now - nanos, now);
    histogram.recordValue(Math.max(1, nanos / 1000));
  }

  int runs() {
    return (int) samples.count();
  }

  LatencySamples samples() {
    return samples;
  }

  double medianMillis() {
    return histogram.getValueAtPercentile(50) / 1000.0;
  }

  double p99Millis() {
    return histogram.getValueAtPercentile(99) / 1000.0;
  }

  static String millis(double ms) {
    return ms >= 10_000 ? String.format("%,.1f s", ms / 1000) : String.format("%,.0f ms", ms);
  }
}
