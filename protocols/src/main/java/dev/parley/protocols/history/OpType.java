package dev.parley.protocols.history;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What an entry of a history records, as in Jepsen: a client {@link #INVOKE}s an operation, which later
 * completes {@link #OK} (it took effect, with this result), {@link #FAIL} (it certainly did not take
 * effect) or {@link #INFO} (the outcome is unknown, for example a timeout: it may take effect at any
 * later time, or never).
 */
public enum OpType {
  INVOKE,
  OK,
  FAIL,
  INFO;

  /** True for the three kinds that end an invocation. */
  public boolean isCompletion() {
    return this != INVOKE;
  }

  /** The name used in JSON lines: {@code invoke}, {@code ok}, {@code fail} or {@code info}. */
  public String jsonName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a type name in any letter case; an unknown name is rejected with the names allowed. */
  public static OpType parse(String name) {
    for (OpType t : values()) {
      if (t.name().equalsIgnoreCase(name)) {
        return t;
      }
    }
    throw new IllegalArgumentException(
        "unknown op type '" + name + "': expected one of "
            + Arrays.stream(values()).map(OpType::jsonName).collect(Collectors.joining(", ")));
  }
}
