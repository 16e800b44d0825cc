package dev.parley.testkit.sim;

import dev.parley.testkit.sim.ShrinkMask.Kept;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Shrinking a failing seed's run to a small run that fails the same way, by delta debugging
 * (Zeller's ddmin) over its choices ({@link RunFilter}): the scripted events (client requests,
 * nemesis actions, crashes), then the faulted messages, then the message delays, in passes until a
 * pass shrinks nothing. For each kind it tries dropping all of them, then ever smaller chunks, keeping a reduction whenever the run
 * still fails the same way: the same type of failure with the same first words of its message
 * (numbers aside). The run is the spec's own body, replayed with the seed and a {@link ShrinkMask}.
 *
 * <p>Cost: each attempt is one run of the body; the search stops after {@code parley.shrink.seconds}
 * (default 30) or 500 runs, keeping the smallest failing run found so far. {@code
 * -Dparley.shrink=false} turns it off. A run that passes when replayed with every choice kept is a
 * nondeterminism leak (the body depends on something besides its seed), and is reported as such.
 */
final class Shrinker {

  /** The property that turns shrinking off ({@code false}). */
  static final String PROPERTY = "parley.shrink";

  private static final int MAX_RUNS = 500;

  private final Simulations.SeedBody body;
  private final long seed;
  private final String signature;
  private final long deadline;
  private int runs;
  private RunFilter lastFailing;

  private Shrinker(Simulations.SeedBody body, long seed, Throwable failure) {
    this.body = body;
    this.seed = seed;
    this.signature = signature(failure);
    this.deadline = System.nanoTime() + Duration.ofSeconds(Long.getLong(PROPERTY + ".seconds", 30)).toNanos();
  }

  static boolean enabled() {
    return !"false".equalsIgnoreCase(System.getProperty(PROPERTY, "true").trim());
  }

  /** A report of shrinking the run of {@code seed}, which failed with {@code failure}. */
  static String shrink(Simulations.SeedBody body, long seed, Throwable failure) {
    return new Shrinker(body, seed, failure).run();
  }

  private String run() {
    long start = System.nanoTime();
    RunFilter original = new RunFilter(ShrinkMask.ALL, false);
    Throwable again = RunFilter.under(original, body, seed);
    runs++;
    if (again == null || !signature(again).equals(signature)) {
      return "not shrunk: replayed with the same seed, the run " + (again == null ? "passed" : "failed otherwise ("
          + SimulationFailure.describe(root(again)).lines().findFirst().orElse("") + ")")
          + ". The run is not deterministic: something besides its seed steers it (the wall clock, threads,"
          + " a HashMap over objects hashed by identity, state left by an earlier run); replay the seed alone"
          + " with -Dparley.seed=" + seed + " to see whether it fails";
    }
    lastFailing = original;
    ShrinkMask mask = ShrinkMask.ALL;
    String before;
    do { // passes until one shrinks nothing; each pass first retries fewer events with every fault and delay
      before = mask.encode();
      ShrinkMask loose = mask.withFaults(Kept.ALL).withDelays(Kept.ALL);
      if (!loose.encode().equals(mask.encode()) && fails(loose)) {
        mask = loose; // fewer events may need other faults than the ones the last pass kept
      }
      mask = mask.withEvents(minimise(mask, f -> f.events, ShrinkMask::events, ShrinkMask::withEvents));
      mask = mask.withFaults(minimise(mask, f -> f.faults, ShrinkMask::faults, ShrinkMask::withFaults));
      mask = mask.withDelays(minimise(mask, f -> f.delays, ShrinkMask::delays, ShrinkMask::withDelays));
    } while (!mask.encode().equals(before) && budgetLeft());
    RunFilter shrunk = new RunFilter(mask, true);
    Throwable last = RunFilter.under(shrunk, body, seed);
    runs++;
    String took = String.format(Locale.ROOT, "%.1f s", (System.nanoTime() - start) / 1e9);
    StringBuilder sb = new StringBuilder()
        .append("shrunk in ").append(runs).append(" runs (").append(took)
        .append(budgetLeft() ? "" : ", stopped by its budget").append("): scripted events ")
        .append(original.events).append(" -> ").append(mask.events().among(shrunk.events).size())
        .append(", faulted messages ").append(original.faults).append(" -> ")
        .append(mask.faults().among(shrunk.faults).size()).append(", delayed messages ")
        .append(original.delays).append(" -> ").append(mask.delays().among(shrunk.delays).size())
        .append("\nreplay the shrunk run: ").append(replayLine(mask));
    if (last != null && !(last instanceof SimulationFailure f && f.explorerPage().isPresent())
        && shrunk.lastSimulation != null && shrunk.lastSimulation.trace().isFull()) {
      Path page = FailurePages.write(shrunk.lastSimulation, seed, true, "the shrunk run of seed " + seed
          + " fails: " + SimulationFailure.describe(root(last)).lines().findFirst().orElse(""));
      if (page != null) {
        sb.append('\n').append(SimulationFailure.pageLine(page));
      }
    }
    if (last instanceof SimulationFailure) {
      sb.append("\nthe shrunk run, step by step:\n").append(last.getMessage());
    } else if (last != null) {
      sb.append("\nthe shrunk run, step by step: ").append(SimulationFailure.describe(root(last)).lines().findFirst()
          .orElse(""));
      if (shrunk.lastTrace != null) {
        shrunk.lastTrace.events().forEach(e -> sb.append("\n  ").append(e));
      }
    }
    return sb.toString();
  }

  private String replayLine(ShrinkMask mask) {
    String command = SimulationFailure.replayCommand(seed);
    String shrunk = " -D" + ShrinkMask.PROPERTY + "='" + mask.encode() + "'";
    int at = command.indexOf("-Dparley.seed=" + seed) + ("-Dparley.seed=" + seed).length();
    return command.substring(0, at) + shrunk;
  }

  /**
   * The smallest set of one kind's choices (numbered by {@code count} in a run) that still fails,
   * by ddmin from what {@code mask} keeps now.
   */
  private Kept minimise(ShrinkMask mask, Function<RunFilter, Integer> count, Function<ShrinkMask, Kept> of,
      BiFunction<ShrinkMask, Kept, ShrinkMask> with) {
    List<Integer> kept = of.apply(mask).among(count.apply(lastFailing));
    if (kept.isEmpty() || fails(with.apply(mask, Kept.of(List.of())))) {
      return Kept.of(List.of());
    }
    int n = 2;
    while (kept.size() >= 2 && budgetLeft()) {
      int chunk = (kept.size() + n - 1) / n;
      boolean reduced = false;
      for (int from = 0; from < kept.size() && budgetLeft(); from += chunk) {
        List<Integer> complement = new ArrayList<>(kept.subList(0, from));
        complement.addAll(kept.subList(Math.min(kept.size(), from + chunk), kept.size()));
        if (fails(with.apply(mask, Kept.of(complement)))) {
          kept = complement;
          n = Math.max(n - 1, 2);
          reduced = true;
          break;
        }
      }
      if (!reduced) {
        if (n >= kept.size()) {
          break;
        }
        n = Math.min(n * 2, kept.size());
      }
    }
    return Kept.of(kept);
  }

  private boolean fails(ShrinkMask mask) {
    if (!budgetLeft()) {
      return false;
    }
    RunFilter filter = new RunFilter(mask, false);
    Throwable t = RunFilter.under(filter, body, seed);
    runs++;
    if (t != null && signature(t).equals(signature)) {
      lastFailing = filter;
      return true;
    }
    return false;
  }

  private boolean budgetLeft() {
    return runs < MAX_RUNS && System.nanoTime() < deadline;
  }

  private static Throwable root(Throwable t) {
    return t instanceof SimulationFailure && t.getCause() != null ? t.getCause() : t;
  }

  /** The failure's type and the first words of its message, numbers aside: what "fails the same way" means. */
  static String signature(Throwable t) {
    Throwable r = root(t);
    String m = r.getMessage() == null ? "" : r.getMessage().strip().lines().findFirst().orElse("");
    m = m.replaceAll("[0-9]+", "#");
    return r.getClass().getName() + ": " + (m.length() > 60 ? m.substring(0, 60) : m);
  }
}
