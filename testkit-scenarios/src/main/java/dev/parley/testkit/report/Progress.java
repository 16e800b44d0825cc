package dev.parley.testkit.report;

import java.io.PrintStream;
import java.util.function.Supplier;

/**
 * A line on standard error every few seconds of a long run (many seeds, an exploration), so a
 * person sees it move. Quiet for runs shorter than the interval. The interval is {@code
 * -Dparley.progress=<seconds>} (default 10; 0 turns progress off). It reads the wall clock only to
 * decide when to print, never to decide anything about the run.
 */
public final class Progress {

  /** The system property holding the interval in seconds. */
  public static final String PROPERTY = "parley.progress";

  private final String what;
  private final long intervalNanos;
  private final PrintStream out;
  private final long start = System.nanoTime();
  private long next;

  private Progress(String what, long intervalNanos, PrintStream out) {
    this.what = what;
    this.intervalNanos = intervalNanos;
    this.out = out;
    this.next = start + intervalNanos;
  }

  /** Progress of {@code what}, at the interval the system property gives. */
  public static Progress of(String what) {
    String value = System.getProperty(PROPERTY, "10");
    double seconds;
    try {
      seconds = Double.parseDouble(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "-D" + PROPERTY + " must be a number of seconds (0 for none), got '" + value + "'");
    }
    return new Progress(what, seconds <= 0 ? Long.MAX_VALUE : (long) (seconds * 1e9), System.err);
  }

  /** Prints {@code status} if the interval has passed since the last line. Cheap to call often. */
  public void tick(Supplier<String> status) {
    if (intervalNanos == Long.MAX_VALUE) {
      return;
    }
    long now = System.nanoTime();
    if (now >= next) {
      next = now + intervalNanos;
      out.printf("[parley] %s: %s (%.0f s)%n", what, status.get(), (now - start) / 1e9);
    }
  }
}
