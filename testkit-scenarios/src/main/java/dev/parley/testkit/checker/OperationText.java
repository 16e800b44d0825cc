package dev.parley.testkit.checker;

import dev.parley.protocols.history.Operation;
import java.util.ArrayList;
import java.util.List;

/** How the register checkers show an operation in a counterexample: {@code put(x, 1)} and its result. */
final class OperationText {

  private OperationText() {}

  /** The call with its arguments: {@code get(x)}, {@code put(x, 1)}, {@code cas(x, [1, 2])}. */
  static String call(Operation o) {
    List<String> args = new ArrayList<>();
    if (o.key() != null) {
      args.add(o.key());
    }
    if (!o.f().equals("get") && o.argument() != null) {
      args.add(String.valueOf(o.argument()));
    }
    return o.f() + "(" + String.join(", ", args) + ")";
  }

  /** What a reader needs: the value a get returned, only "ok" for a put or cas that took effect. */
  static String result(Operation o) {
    if (o.isOk()) {
      return o.f().equals("get") ? String.valueOf(o.result()) : "ok";
    }
    return o.outcome();
  }
}
