package dev.parley.testkit.checker;

import dev.parley.protocols.history.Operation;
import java.util.List;
import java.util.Objects;

/**
 * The sequential specification of a read/write/compare-and-set register, the model the
 * {@link LinearizabilityChecker} searches against. A state is the register's value (null: never
 * written).
 */
final class RegisterModel {

  /** Returned by {@link #step} when the call cannot happen in the given state. */
  static final Object IMPOSSIBLE = new Object() {
    @Override
    public String toString() {
      return "impossible";
    }
  };

  enum Kind {
    PUT,
    GET,
    CAS
  }

  /**
   * One operation as the search sees it.
   *
   * @param operation the recorded operation (for reports)
   * @param kind put, get or cas
   * @param first the value put, the value a get returned, or the value a cas expects
   * @param second the value a cas writes; null otherwise
   * @param definite true when it completed OK; false when its outcome is unknown (it may be left out)
   */
  record Call(Operation operation, Kind kind, Object first, Object second, boolean definite) {}

  private RegisterModel() {}

  /**
   * The call as the search sees it, or null when it cannot constrain the register: a FAIL (no effect)
   * or a get with unknown outcome (no effect, nothing returned).
   */
  static Call toCall(Operation op) {
    if (op.isFail()) {
      return null;
    }
    boolean definite = op.isOk();
    return switch (op.f()) {
      case "put" -> new Call(op, Kind.PUT, op.argument(), null, definite);
      case "get" -> definite ? new Call(op, Kind.GET, op.result(), null, true) : null;
      case "cas" -> {
        if (!(op.argument() instanceof List<?> pair) || pair.size() != 2) {
          throw new IllegalArgumentException(
              "op " + op.invocationIndex() + ": cas takes [expected, new], got " + op.argument());
        }
        yield new Call(op, Kind.CAS, pair.get(0), pair.get(1), definite);
      }
      default -> throw new IllegalArgumentException(
          "op " + op.invocationIndex() + " is '" + op.f() + "': the linearizability checker models a"
              + " register with put, get and cas only");
    };
  }

  /** The state after {@code call} in {@code state}, or {@link #IMPOSSIBLE}. */
  static Object step(Object state, Call call) {
    return switch (call.kind()) {
      case PUT -> call.first();
      case GET -> Objects.equals(state, call.first()) ? state : IMPOSSIBLE;
      case CAS -> Objects.equals(state, call.first()) ? call.second() : IMPOSSIBLE;
    };
  }
}
