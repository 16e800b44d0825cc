package dev.parley.testkit.sim;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Set;

/**
 * A simulation run that failed: an invariant or a final check threw, a protocol threw, or the step
 * limit was reached. The message names the seed, says in one line how to replay exactly this run,
 * and lists the last events of its trace; the original error is the cause.
 */
public final class SimulationFailure extends AssertionError {

  private static final Set<String> TEST_ANNOTATIONS =
      Set.of("Test", "RepeatedTest", "ParameterizedTest", "TestTemplate", "TestFactory", "Property",
          "Example");

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

  static String describe(Throwable cause) {
    if (cause == null) {
      return "";
    }
    String m = cause.getMessage();
    return cause instanceof AssertionError && m != null
        ? m
        : cause.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }

  /**
   * The one line that says how to replay the run of {@code seed}: the Maven property that {@link
   * Simulations#forSeeds} and {@link Simulations#seed} honour, with the calling test when it can be
   * found, or the builder call.
   */
  public static String replayLine(long seed) {
    String test = callingTest();
    String mvn =
        test == null
            ? "-Dparley.seed=" + seed
            : "mvn test -Dtest='" + test + "' -Dparley.seed=" + seed;
    return "replay exactly this run: " + mvn + "  (or Simulation.builder(...).seed(" + seed + "))";
  }

  private static String callingTest() {
    return StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE)
        .walk(
            frames ->
                frames
                    .filter(SimulationFailure::isTestMethod)
                    .map(f -> f.getDeclaringClass().getSimpleName() + "#" + f.getMethodName())
                    .findFirst()
                    .orElse(null));
  }

  private static boolean isTestMethod(StackWalker.StackFrame frame) {
    try {
      Method m =
          frame
              .getDeclaringClass()
              .getDeclaredMethod(frame.getMethodName(), frame.getMethodType().parameterArray());
      for (Annotation a : m.getAnnotations()) {
        Class<? extends Annotation> type = a.annotationType();
        if (type.getName().startsWith("org.junit.") || type.getName().startsWith("net.jqwik.")) {
          if (TEST_ANNOTATIONS.contains(type.getSimpleName())) {
            return true;
          }
        }
      }
      return false;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return false;
    }
  }
}
