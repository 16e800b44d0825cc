package dev.parley.testkit.sim;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Tells the simulation which JUnit 5 test is running, so that the line replaying a failed run names
 * it: {@code mvn test -Dtest='MySpec#myTest' -Dparley.seed=N}. Without it that line gives the seed
 * alone ({@code -Dparley.seed=N}), which replays the run just as well from the same test.
 *
 * <p>Register it on a spec with {@code @ExtendWith(CurrentTest.class)}, or for every spec at once
 * with JUnit's extension auto-detection: this jar declares it as a service, so {@code
 * junit.jupiter.extensions.autodetection.enabled = true} in {@code
 * src/test/resources/junit-platform.properties} is enough. The name is kept for the test's own
 * thread, from before its {@code @BeforeEach} methods to after its {@code @AfterEach} ones.
 *
 * <p>In the long mode ({@code -Dparley.seeds=N}) it also prints the table of every range of seeds
 * the run took, once, when the run ends.
 */
public final class CurrentTest implements BeforeEachCallback, AfterEachCallback {

  private static final ThreadLocal<String> NAME = new ThreadLocal<>();

  @Override
  public void beforeEach(ExtensionContext context) {
    if (Simulations.seedsOverride().isPresent()) {
      context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
          .getOrComputeIfAbsent(SeedSummary.class, k -> new SeedSummary(), SeedSummary.class);
    }
    NAME.set(
        context.getRequiredTestClass().getSimpleName()
            + "#"
            + context.getRequiredTestMethod().getName());
  }

  @Override
  public void afterEach(ExtensionContext context) {
    NAME.remove();
  }

  /** The running test as {@code Class#method}, or null when no test registered it on this thread. */
  static String name() {
    return NAME.get();
  }
}
