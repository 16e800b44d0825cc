package dev.parley.testkit.sim;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A simulation run that failed: an invariant or a final check threw, a protocol threw, or the step
 * limit was reached. The message names the seed, says in one line how to replay exactly this run,
 * where its explorer page is (a traced run writes one, {@code target/parley-runs/<test>-seed-<n>.html})
 * and lists the last events of its trace; the original error is the cause.
 */
public final class SimulationFailure extends AssertionError {

  private final long seed;
  private final transient List<TraceEvent> lastEvents;
  private final transient Path explorerPage;

  SimulationFailure(String what, Throwable cause, long seed, List<TraceEvent> lastEvents, Path explorerPage) {
    super(message(what, cause, seed, lastEvents, explorerPage), cause);
    this.seed = seed;
    this.lastEvents = List.copyOf(lastEvents);
    this.explorerPage = explorerPage;
  }

  /** The explorer page of the failed run (written when the run was traced), if any. */
  public Optional<Path> explorerPage() {
    return Optional.ofNullable(explorerPage);
  }

  /** The seed that replays this run. */
  public long seed() {
    return seed;
  }

  /** The last events before the failure, oldest first. */
  public List<TraceEvent> lastEvents() {
    return lastEvents;
  }

  private static String message(
      String what, Throwable cause, long seed, List<TraceEvent> lastEvents, Path explorerPage) {
    StringBuilder sb = new StringBuilder();
    sb.append(what).append(": ").append(describe(cause)).append('\n');
    sb.append(replayLine(seed)).append('\n');
    if (explorerPage != null) {
      sb.append(pageLine(explorerPage)).append('\n');
    }
    sb.append("last ").append(lastEvents.size()).append(" events:");
    for (TraceEvent e : lastEvents) {
      sb.append("\n  ").append(e);
    }
    return sb.toString();
  }

  /** The cause in one line, its actor references without their uids, as in the trace. */
  static String describe(Throwable cause) {
    if (cause == null) {
      return "";
    }
    String m = cause.getMessage();
    return Trace.text(
        cause instanceof AssertionError && m != null
            ? m
            : cause.getClass().getSimpleName() + (m == null ? "" : ": " + m));
  }

  /** The line that says where a run's explorer page is. */
  static String pageLine(Path page) {
    return "see the run in the explorer: " + page;
  }

  /**
   * The one line that says how to replay the run of {@code seed}: the Maven property that {@link
   * Simulations#forSeeds} and {@link Simulations#seed} honour, with the running test when {@link
   * CurrentTest} knows it, and the builder call.
   */
  public static String replayLine(long seed) {
    return "replay exactly this run: " + replayCommand(seed);
  }

  /** The command that replays seed {@code seed} of the running test (the replay line without its words). */
  public static String replayCommand(long seed) {
    String test = CurrentTest.name();
    String mvn =
        test == null
            ? "-Dparley.seed=" + seed
            : "mvn test -Dtest='" + test + "' -Dparley.seed=" + seed;
    return mvn + "  (or Simulation.builder(...).seed(" + seed + "))";
  }
}
