package dev.parley.bench;

import dev.parley.testkit.report.LatencySamples;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;

/**
 * Closed-loop clients: each runs one operation at a time and starts the next as soon as the last
 * completes, for a warm-up and then a measured window, counting completions and their latency:
 * time-stamped from the window's start for the pictures, and in HdrHistogram for the percentiles.
 */
final class ClosedLoop {

  /** What a window measured; {@code latency} is the histogram of {@code samples}, in nanoseconds. */
  record Figures(long operations, double seconds, Histogram latency, long failures, LatencySamples samples,
      Map<String, Long> failedWith) {
    double perSecond() {
      return operations / seconds;
    }

    String p50() {
      return millis(latency.getValueAtPercentile(50));
    }

    String p99() {
      return millis(latency.getValueAtPercentile(99));
    }

    private static String millis(long nanos) {
      return String.format("%.2f ms", nanos / 1e6);
    }

    /** The commonest reasons of the window's failures, most frequent first, one line each; empty if none. */
    String failureLines(int most) {
      return failedWith.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(most)
          .map(e -> "  (" + e.getValue() + " failed with: " + e.getKey() + ")\n").collect(Collectors.joining());
    }
  }

  private volatile boolean running = true;
  private volatile boolean measuring;
  private final LongAdder done = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final Map<String, LongAdder> failedWith = new ConcurrentHashMap<>();
  private volatile LatencySamples samples;

  private ClosedLoop() {}

  /**
   * Runs {@code clients} clients; client i's next operation is {@code operation.apply(i)}, started
   * when called and complete when its stage completes (exceptionally: a failure, not counted).
   */
  static Figures run(int clients, IntFunction<CompletionStage<?>> operation, Duration warmup, Duration measure) {
    return run(clients, operation, warmup, measure, () -> {}, () -> {});
  }

  /**
   * As {@link #run(int, IntFunction, Duration, Duration)}, calling {@code atStart} just before the
   * measured window opens and {@code atEnd} just after it closes (to read counters around it).
   */
  static Figures run(int clients, IntFunction<CompletionStage<?>> operation, Duration warmup, Duration measure,
      Runnable atStart, Runnable atEnd) {
    ClosedLoop loop = new ClosedLoop();
    for (int i = 0; i < clients; i++) {
      loop.next(i, operation);
    }
    sleep(warmup);
    atStart.run();
    long start = System.nanoTime();
    loop.samples = new LatencySamples(start);
    loop.measuring = true;
    sleep(measure);
    loop.measuring = false;
    double seconds = (System.nanoTime() - start) / 1e9;
    atEnd.run();
    loop.running = false;
    Map<String, Long> reasons = new HashMap<>();
    loop.failedWith.forEach((reason, count) -> reasons.put(reason, count.sum()));
    return new Figures(loop.done.sum(), seconds, loop.samples.histogram(), loop.failed.sum(), loop.samples, reasons);
  }

  private void next(int client, IntFunction<CompletionStage<?>> operation) {
    if (!running) {
      return;
    }
    long started = System.nanoTime();
    operation.apply(client).whenComplete((result, error) -> {
      if (measuring) {
        if (error == null) {
          done.increment();
          samples.record(started, System.nanoTime());
        } else {
          failed.increment();
          failedWith.computeIfAbsent(reason(error), r -> new LongAdder()).increment();
        }
      }
      next(client, operation);
    });
  }

  /**
   * A failure's reason, grouped: the innermost cause's class and message, its numbers masked (ids,
   * sequence numbers, times) and cut to 160 characters.
   */
  private static String reason(Throwable error) {
    Throwable cause = error;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    String text = cause.getClass().getSimpleName() + ": " + String.valueOf(cause.getMessage()).replaceAll("[0-9]+", "N");
    return text.length() <= 160 ? text : text.substring(0, 160) + "...";
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while measuring", e);
    }
  }
}
