package dev.parley.testkit.sim;

import java.util.List;

/**
 * A simulation run that failed: an invariant or a final check threw, a protocol threw, or the step
 * limit was reached. The message names the seed, says in one line how to replay exactly this run,
 * and lists the last events of its trace; the original error is the cause.
 */
public final class SimulationFailure extends AssertionError {

  private final long seed;
  private final transient List<TraceEvent> lastEvents;

  SimulationFailure(String what, Throwable cause, long seed, List<TraceEvent> lastEvents) {
    super(message(what, cause, seed, lastEvents), cause);
    this.seed = seed;
    this.lastEvents = List.copyOf(lastEvents);
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
      String what, Throwable cause, long seed, List<TraceEvent> lastEvents) {
    StringBuilder sb = new StringBuilder();
    sb.append(what).append(": ").append(describe(cause)).append('\n');
    sb.append(replayLine(seed)).append('\n');
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

  /**
   * The one line that says how to replay the run of {@code seed}: the Maven property that {@link
   * Simulations#forSeeds} and {@link Simulations#seed} honour, with the running test when {@link
   * CurrentTest} knows it, and the builder call.
   */
  public static String replayLine(long seed) {
    String test = CurrentTest.name();
    String mvn =
        test == null
            ? "-Dparley.seed=" + seed
            : "mvn test -Dtest='" + test + "' -Dparley.seed=" + seed;
    return "replay exactly this run: " + mvn + "  (or Simulation.builder(...).seed(" + seed + "))";
  }
}
