package dev.parley.testkit.report;

import dev.parley.protocols.history.History;
import dev.parley.protocols.history.Operation;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Latency percentiles of a history's completed operations (invocation to ok), per operation name,
 * with HdrHistogram (microsecond resolution, 3 significant digits).
 *
 * @param byOperation one histogram of latencies in microseconds per operation name (put, get, ...)
 */
public record LatencyReport(SortedMap<String, Histogram> byOperation) {

  public static LatencyReport of(History history) {
    SortedMap<String, Histogram> out = new TreeMap<>();
    for (Operation op : history.operations()) {
      if (op.isOk()) {
        long micros = TimeUnit.NANOSECONDS.toMicros(
            op.completion().timeNanos() - op.invocation().timeNanos());
        out.computeIfAbsent(op.f(), f -> new Histogram(3)).recordValue(Math.max(0, micros));
      }
    }
    return new LatencyReport(out);
  }

  /** Completed operations in all. */
  public long count() {
    return byOperation.values().stream().mapToLong(Histogram::getTotalCount).sum();
  }

  /** One row per operation: count, p50, p90, p99 and max, in milliseconds. */
  public String table() {
    StringBuilder s = new StringBuilder(String.format("%-12s %8s %10s %10s %10s %10s%n",
        "operation", "ok", "p50 ms", "p90 ms", "p99 ms", "max ms"));
    byOperation.forEach((f, h) -> s.append(String.format("%-12s %8d %10.3f %10.3f %10.3f %10.3f%n",
        f, h.getTotalCount(), ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(90)),
        ms(h.getValueAtPercentile(99)), ms(h.getMaxValue()))));
    return s.toString();
  }

  private static double ms(long micros) {
    return micros / 1000.0;
  }
}
