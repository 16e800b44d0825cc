package dev.parley.protocols.history;

import java.util.Objects;

/**
 * An invocation paired with its completion. The completion is null when the history ends while the
 * operation is still in flight, which checkers treat like {@link OpType#INFO}: it may have taken effect
 * or not.
 */
public record Operation(Op invocation, Op completion) {

  public Operation {
    Objects.requireNonNull(invocation, "invocation");
    if (!invocation.isInvoke()) {
      throw new IllegalArgumentException("op " + invocation.index() + " is not an invocation: " + invocation);
    }
  }

  public String process() {
    return invocation.process();
  }

  public String f() {
    return invocation.f();
  }

  public String key() {
    return invocation.key();
  }

  /** The argument given at invocation. */
  public Object argument() {
    return invocation.value();
  }

  /** The value returned by an OK completion; null otherwise. */
  public Object result() {
    return isOk() ? completion.value() : null;
  }

  public boolean isOk() {
    return completion != null && completion.type() == OpType.OK;
  }

  public boolean isFail() {
    return completion != null && completion.type() == OpType.FAIL;
  }

  /** True when the outcome is unknown: completed INFO, or never completed. */
  public boolean isIndeterminate() {
    return completion == null || completion.type() == OpType.INFO;
  }

  /** Index of the completion, or {@link Long#MAX_VALUE} when it is indeterminate (it stays open). */
  public long completionIndex() {
    return isIndeterminate() ? Long.MAX_VALUE : completion.index();
  }

  public long invocationIndex() {
    return invocation.index();
  }

  /** How the operation ended: {@code ok <result>}, {@code fail (error)}, {@code info (why)} or {@code open}. */
  public String outcome() {
    if (completion == null) {
      return "open";
    }
    String base = completion.type().jsonName();
    if (isOk()) {
      return completion.value() == null ? base : base + " " + completion.value();
    }
    return completion.error() == null ? base : base + " (" + completion.error() + ")";
  }

  @Override
  public String toString() {
    return process() + " " + f() + (key() == null ? "" : " " + key())
        + (argument() == null ? "" : " " + argument()) + " -> " + outcome();
  }
}
