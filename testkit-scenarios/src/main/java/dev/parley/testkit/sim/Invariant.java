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
    return view -> {
      if (!holds.test(view)) {
        throw new AssertionError("invariant '" + name + "' violated");
      }
    };
  }
}
