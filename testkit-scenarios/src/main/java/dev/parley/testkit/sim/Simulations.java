package dev.parley.testkit.sim;

import dev.parley.testkit.report.Progress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Running a simulation under many seeds, and replaying one.
 *
 * <pre>{@code
 * Simulations.forSeeds(1, 100, seed -> {
 *   Simulation<CausalMulticast.Command> sim = builder.seed(seed).build();
 *   workload(sim, seed);
 *   sim.runUntilQuiescent().check(v -> assertEveryoneDeliveredEverything(v));
 * });
 * }</pre>
 *
 * The seeds run in order on the caller's thread; the first that fails stops the loop with an
 * {@link AssertionError} naming it and the line that replays it. With {@code -Dparley.seed=N}
 * (Maven passes it to the tests) only seed N runs, whatever the range.
 *
 * <p>A failing seed's run is then shrunk ({@code Shrinker}): replayed with fewer scripted events,
 * fewer faulted messages and fewer delays while it still fails the same way; the report gives the
 * sizes before and after, the line that replays the shrunk run ({@code -Dparley.seed=N
 * -Dparley.shrunk=...}) and that run step by step. {@code -Dparley.shrink=false} skips it;
 * {@code -Dparley.shrink.seconds=S} bounds it (default 30).
 *
 * <p>A failing seed's run is written as an explorer page ({@code target/parley-runs/<test>-seed-<n>.html},
 * replayed traced, with node states if the builder has a state query) and the report gives its path.
 *
 * <p>The long mode, {@code -Dparley.seeds=N}, runs N seeds in every range whatever its count, goes on
 * past a failing seed to count the failures, and prints one table of every range when the test run
 * ends (with {@link CurrentTest} registered, as Parley's own specs have it).
 */
public final class Simulations {

  /** The system property that picks the one seed to run. */
  public static final String SEED_PROPERTY = "parley.seed";

  /** The system property of the long mode: every range runs this many seeds. */
  public static final String SEEDS_PROPERTY = "parley.seeds";

  private Simulations() {}

  /** The body of one seeded run; throw (an assertion) to fail it. */
  @FunctionalInterface
  public interface SeedBody {
    void run(long seed) throws Exception;
  }

  /** What a range of seeds did: how many ran and passed, and how long it took on the wall clock. */
  public record SeedReport(long first, int count, int passed, Duration wallTime) {}

  /** The seed given with {@code -Dparley.seed=N}, if any; a value that is not a number is an error. */
  public static OptionalLong seedOverride() {
    String value = System.getProperty(SEED_PROPERTY);
    if (value == null || value.isBlank()) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Long.parseLong(value.trim()));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "-D" + SEED_PROPERTY + " must be a whole number (a seed to replay), got '" + value + "'");
    }
  }

  /** The number of seeds of the long mode, {@code -Dparley.seeds=N}, if given; anything but N >= 1 is an error. */
  public static OptionalInt seedsOverride() {
    String value = System.getProperty(SEEDS_PROPERTY);
    if (value == null || value.isBlank()) {
      return OptionalInt.empty();
    }
    try {
      int n = Integer.parseInt(value.trim());
      if (n >= 1) {
        return OptionalInt.of(n);
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw new IllegalArgumentException("-D" + SEEDS_PROPERTY + " is how many seeds every range runs (the long"
        + " mode), a whole number of at least 1, got '" + value + "'");
  }

  /** The seed to use in a single-run test: {@code -Dparley.seed=N} if given, else {@code dflt}. */
  public static long seed(long dflt) {
    return seedOverride().orElse(dflt);
  }

  /**
   * Runs {@code body} for seeds {@code first .. first+count-1} in order (or only the seed of {@code
   * -Dparley.seed=N}) and fails at the first seed that fails, naming it and how to replay it.
   */
  public static SeedReport forSeeds(long first, int count, SeedBody body) {
    if (count < 1) {
      throw new IllegalArgumentException("run at least one seed, got " + count);
    }
    OptionalLong only = seedOverride();
    OptionalInt seeds = seedsOverride();
    ShrinkMask replaying = only.isPresent() ? ShrinkMask.fromProperty() : ShrinkMask.ALL;
    long from = only.isPresent() ? only.getAsLong() : first;
    int n = only.isPresent() ? 1 : seeds.orElse(count);
    boolean longMode = seeds.isPresent() && only.isEmpty();
    long start = System.nanoTime();
    Progress progress = Progress.of("seeds " + from + ".." + (from + n - 1));
    AssertionError firstFailure = null;
    Long firstFailing = null;
    int failed = 0;
    for (int i = 0; i < n; i++) {
      long seed = from + i;
      int done = i - failed;
      progress.tick(() -> done + " of " + n + " passed");
      boolean shrunkReplay = !replaying.equals(ShrinkMask.ALL);
      RunFilter filter = new RunFilter(replaying, shrunkReplay);
      Throwable t = RunFilter.under(filter, body, seed);
      if (t == null) {
        continue;
      }
      failed++;
      if (firstFailure == null) {
        firstFailing = seed;
        String range =
            only.isPresent()
                ? "the seed given with -D" + SEED_PROPERTY
                : "seeds " + from + ".." + (from + n - 1) + ", " + i + " passed before it";
        StringBuilder detail = new StringBuilder(t instanceof SimulationFailure
            ? t.getMessage()
            : SimulationFailure.describe(t) + "\n" + SimulationFailure.replayLine(seed));
        if (shrunkReplay && !(t instanceof SimulationFailure) && filter.lastTrace != null) {
          detail.append("\nthe run, step by step:");
          filter.lastTrace.events().forEach(e -> detail.append("\n  ").append(e));
        }
        Path page = filter.lastSimulation == null ? null : explorerPage(body, seed, replaying, t);
        if (page != null) {
          detail.append('\n').append(SimulationFailure.pageLine(page));
        }
        String shrunk = shrunkReplay || !Shrinker.enabled() ? "" : "\n" + Shrinker.shrink(body, seed, t);
        String notes = filter.notes.isEmpty() ? "" : "\n" + String.join("\n", filter.notes);
        firstFailure = new AssertionError("seed " + seed + " failed (" + range + ")" + notes + "\n" + detail + shrunk, t);
      }
      if (!longMode) {
        break;
      }
    }
    Duration wall = Duration.ofNanos(System.nanoTime() - start);
    int ran = longMode || firstFailure == null ? n : (int) (firstFailing - from + 1);
    SeedSummary.record(from, ran, failed, firstFailing, wall);
    if (firstFailure != null) {
      if (longMode && failed > 1) {
        firstFailure.addSuppressed(new AssertionError(failed + " of " + n + " seeds failed"));
      }
      throw firstFailure;
    }
    return new SeedReport(from, n, n, wall);
  }

  /**
   * The explorer page of the failing run of {@code seed}: the failure's own if its run was traced,
   * else the page of the run replayed traced (with node states if the builder has a state query), at
   * {@code target/parley-runs/<test>-seed-<n>.html}. Null if the replay built no simulation or the
   * page could not be written. Runs only on a failure of a body that built a simulation, so passing
   * seeds cost nothing.
   */
  private static Path explorerPage(SeedBody body, long seed, ShrinkMask replaying, Throwable failure) {
    if (failure instanceof SimulationFailure f && f.explorerPage().isPresent()) {
      return f.explorerPage().get();
    }
    RunFilter traced = new RunFilter(replaying, true);
    Throwable again = RunFilter.under(traced, body, seed);
    if (again instanceof SimulationFailure f && f.explorerPage().isPresent()) {
      return f.explorerPage().get();
    }
    Simulation<?> sim = traced.lastSimulation;
    if (sim == null || !sim.trace().isFull()) {
      return null;
    }
    String failed = "seed " + seed + " failed: " + SimulationFailure.describe(failure).lines().findFirst().orElse("");
    return again != null ? FailurePages.write(sim, seed, !replaying.equals(ShrinkMask.ALL), failed)
        : FailurePages.write(sim, seed, !replaying.equals(ShrinkMask.ALL), failed, "replayed with the same seed for"
            + " this page, the run passed: something besides the seed steers it, so this is not the run that failed");
  }
}
