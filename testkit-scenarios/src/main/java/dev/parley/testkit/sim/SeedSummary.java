package dev.parley.testkit.sim;

import dev.parley.testkit.report.TextTable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The long mode's summary ({@code -Dparley.seeds=N}): one row per {@link Simulations#forSeeds} call
 * of the test run (the test, the seeds, how many passed and failed, the first failing seed, the wall
 * time), printed once when the JUnit run ends. {@link CurrentTest} registers it with the run.
 */
final class SeedSummary implements ExtensionContext.Store.CloseableResource {

  private record Row(String test, long first, int count, int failed, Long firstFailure, Duration wall) {}

  private static final List<Row> ROWS = new ArrayList<>();

  /** The long mode's N, as given when the run began. */
  private final String seeds = System.getProperty(Simulations.SEEDS_PROPERTY);

  static synchronized void record(long first, int count, int failed, Long firstFailure, Duration wall) {
    String test = CurrentTest.name();
    ROWS.add(new Row(test == null ? "(unnamed)" : test, first, count, failed, firstFailure, wall));
  }

  /** The table of every range of seeds run so far. */
  static synchronized List<String> table() {
    TextTable t = new TextTable("test", "seeds", "passed", "failed", "first failing", "wall", "seeds/s");
    long seeds = 0;
    long failed = 0;
    Duration wall = Duration.ZERO;
    for (Row r : ROWS) {
      t.row(r.test(), r.first() + ".." + (r.first() + r.count() - 1), r.count() - r.failed(), r.failed(),
          r.firstFailure() == null ? "" : r.firstFailure(), seconds(r.wall()),
          String.format(Locale.ROOT, "%.1f", r.count() / Math.max(r.wall().toNanos() / 1e9, 1e-9)));
      seeds += r.count();
      failed += r.failed();
      wall = wall.plus(r.wall());
    }
    List<String> lines = new ArrayList<>(t.lines());
    lines.add(String.format(Locale.ROOT, "%d ranges, %d seeds, %d failed, %s", ROWS.size(), seeds, failed,
        seconds(wall)));
    return lines;
  }

  private static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.1f s", d.toNanos() / 1e9);
  }

  @Override
  public void close() {
    List<String> lines = table();
    System.out.println("\nseeds summary (-D" + Simulations.SEEDS_PROPERTY + "=" + seeds + "):");
    lines.forEach(l -> System.out.println("  " + l));
  }
}
