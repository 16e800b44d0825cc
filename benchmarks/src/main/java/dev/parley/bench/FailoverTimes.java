package dev.parley.bench;

import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * The failover times of one system under one setting: each run's time from the leader's kill to
 * agreement on a new leader, with the median and the 99th percentile (HdrHistogram, microseconds).
 */
final class FailoverTimes {

  final String system;
  final String setting;
  final int nodes;
  private final List<Long> micros = new ArrayList<>();
  private final Histogram histogram = new Histogram(3_600_000_000L, 3);

  FailoverTimes(String system, String setting, int nodes) {
    this.system = system;
    this.setting = setting;
    this.nodes = nodes;
  }

  void add(long nanos) {
    long us = Math.max(1, nanos / 1000);
    micros.add(us);
    histogram.recordValue(us);
  }

  int runs() {
    return micros.size();
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
