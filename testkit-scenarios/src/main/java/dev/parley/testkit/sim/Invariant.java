package dev.parley.testkit.sim;

import java.util.function.Predicate;

/**
 * A property checked after every step of a simulation (and at every state of an exploration): it
 * throws an {@link AssertionError} (AssertJ's {@code assertThat} does) when the state violates it.
 *
 * <p>An invariant that keeps incremental state between calls must be given per run, through {@code
 * Simulation.Builder.freshInvariant(Supplier)}, so each seed and each exploration replay starts it
 * anew.
 */
@FunctionalInterface
public interface Invariant {

  void check(SimView view);

  /** The invariant named {@code name} that holds when {@code holds} is true. */
  static Invariant that(String name, Predicate<SimView> holds) {
    return new Invariant() {
      @Override
      public void check(SimView view) {
        if (!holds.test(view)) {
          throw new AssertionError("invariant '" + name + "' violated");
        }
      }

      @Override
      public String toString() {
        return "'" + name + "'";
      }
    };
  }

  /** How a report names {@code invariant}: its own {@code toString}, its class, or where its lambda is. */
  static String describe(Invariant invariant) {
    String name = invariant.getClass().getName();
    if (name.contains("$$Lambda")) {
      return "defined by a lambda in " + name.substring(0, name.indexOf("$$Lambda"));
    }
    String text = invariant.toString();
    return text.startsWith(name + "@") ? name : text;
  }
}
