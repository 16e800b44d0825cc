package dev.parley.testkit.checker;

import dev.parley.protocols.history.Operation;
import java.util.Optional;

/**
 * The sequential specification of an object other than a register, for {@link
 * LinearizabilityChecker#forModel}: a user's replicated state machine checked from its clients'
 * history. A state must be an immutable value with {@code equals} (the search memoizes states).
 *
 * @param <S> the state
 */
public interface Model<S> {

  /** The state before any operation. */
  S initialState();

  /**
   * The state after {@code op} in {@code state}, or empty if {@code op} cannot happen there. {@code
   * definite}: it completed OK, and its result ({@link Operation#result}) must be the one the object
   * gives in {@code state}; otherwise its outcome is unknown (it took effect, with whatever result, or
   * the search leaves it out).
   */
  Optional<S> step(S state, Operation op, boolean definite);

  /** Whether {@code op} never changes the state (a read): lets the search take it at once when legal. */
  default boolean isRead(Operation op) {
    return false;
  }
}
