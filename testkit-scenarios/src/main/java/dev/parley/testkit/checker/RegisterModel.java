package dev.parley.testkit.checker;

import dev.parley.protocols.history.Operation;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The sequential specification of a read/write/compare-and-set register, the model the {@link
 * LinearizabilityChecker} searches against by default. A state is the register's value (null: never
 * written).
 */
final class RegisterModel implements WglSearch.Spec {

  static final RegisterModel INSTANCE = new RegisterModel();

  enum Kind {
    PUT,
    GET,
    CAS
  }

  /**
   * A register operation: its kind; the value put, the value a get returned, or the value a cas
   * expects; and the value a cas writes (null otherwise).
   */
  record Step(Kind kind, Object first, Object second) {}

  private RegisterModel() {}

  /**
   * The call as the search sees it, or null when it cannot constrain the register: a FAIL (no effect)
   * or a get with unknown outcome (no effect, nothing returned).
   */
  static WglSearch.Call toCall(Operation op) {
    if (op.isFail()) {
      return null;
    }
    boolean definite = op.isOk();
    return switch (op.f()) {
      case "put" -> new WglSearch.Call(op, new Step(Kind.PUT, op.argument(), null), definite);
      case "get" -> definite ? new WglSearch.Call(op, new Step(Kind.GET, op.result(), null), true) : null;
      case "cas" -> {
        if (!(op.argument() instanceof List<?> pair) || pair.size() != 2) {
          throw new IllegalArgumentException(
              "op " + op.invocationIndex() + ": cas takes [expected, new], got " + op.argument());
        }
        yield new WglSearch.Call(op, new Step(Kind.CAS, pair.get(0), pair.get(1)), definite);
      }
      default -> throw new IllegalArgumentException(
          "op " + op.invocationIndex() + " is '" + op.f() + "': the linearizability checker models a"
              + " register with put, get and cas only");
    };
  }

  private static Step step(WglSearch.Call call) {
    return (Step) call.input();
  }

  @Override
  public Object step(Object state, WglSearch.Call call) {
    Step s = step(call);
    return switch (s.kind()) {
      case PUT -> s.first();
      case GET -> Objects.equals(state, s.first()) ? state : WglSearch.IMPOSSIBLE;
      case CAS -> Objects.equals(state, s.first()) ? s.second() : WglSearch.IMPOSSIBLE;
    };
  }

  @Override
  public boolean isRead(WglSearch.Call call) {
    return step(call).kind() == Kind.GET;
  }

  /**
   * False when {@code needed} needs a value (the one a get returned, or a cas expects) that the register
   * does not hold and that no call allowed before its return writes.
   */
  @Override
  public boolean reachable(WglSearch.Call needed, Object state, Iterable<WglSearch.Call> before) {
    Step n = step(needed);
    if (n.kind() == Kind.PUT || Objects.equals(state, n.first())) {
      return true;
    }
    for (WglSearch.Call c : before) {
      Step s = step(c);
      Object written = s.kind() == Kind.PUT ? s.first() : s.kind() == Kind.CAS ? s.second() : WglSearch.IMPOSSIBLE;
      if (written != WglSearch.IMPOSSIBLE && Objects.equals(written, n.first())) {
        return true;
      }
    }
    return false;
  }

  @Override
  public Object signature(WglSearch.Call call) {
    Step s = step(call);
    return Arrays.asList(s.kind(), s.first(), s.second());
  }
}
