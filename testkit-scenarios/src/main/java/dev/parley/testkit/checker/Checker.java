package dev.parley.testkit.checker;

/**
 * Decides whether a recorded run has a property (linearizability, mutual exclusion, ...), and when it
 * has not, says why with a small counterexample.
 *
 * @param <T> what the checker reads: a history, an event log, final replica states
 */
public interface Checker<T> {

  /** The property checked, as shown in verdicts, for example {@code linearizability}. */
  String name();

  Verdict check(T observed);
}
