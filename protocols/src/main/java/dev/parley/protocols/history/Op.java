package dev.parley.protocols.history;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * One entry of a history (Jepsen style): an invocation or a completion of an operation by one process.
 *
 * @param index position in the history (strictly increasing along a history; a sub-history keeps the
 *     indexes of the whole one, so ops can be named by their index in reports)
 * @param process who ran it: a client such as {@code c3} or a node name
 * @param type invocation, or how it completed
 * @param f operation name: {@code put}, {@code get}, {@code cas}, {@code acquire}, ...
 * @param key what it was applied to; null when the operation has no key
 * @param value argument (on invocations) or result (on completions): null, a String, a Long, a Boolean
 *     or a list of such values; for {@code cas} it is {@code [expected, new]}. Integer, Short and Byte
 *     are widened to Long so that equal numbers compare equal, in memory and after a JSON round trip.
 * @param timeNanos when it happened, in nanoseconds relative to an arbitrary origin (real or virtual)
 * @param error why a FAIL or INFO completion happened (an error or a timeout); null otherwise
 */
public record Op(
    long index,
    String process,
    OpType type,
    String f,
    String key,
    Object value,
    long timeNanos,
    String error) {

  public Op {
    if (index < 0) {
      throw new IllegalArgumentException("op index must not be negative, was " + index);
    }
    if (process == null || process.isBlank()) {
      throw new IllegalArgumentException("op " + index + " has no process");
    }
    Objects.requireNonNull(type, () -> "op " + index + " has no type");
    if (f == null || f.isBlank()) {
      throw new IllegalArgumentException("op " + index + " has no operation name (f)");
    }
    value = normalize(value, "op " + index);
  }

  /** An invocation, without error. */
  public static Op invoke(long index, String process, String f, String key, Object value, long timeNanos) {
    return new Op(index, process, OpType.INVOKE, f, key, value, timeNanos, null);
  }

  public boolean isInvoke() {
    return type == OpType.INVOKE;
  }

  /**
   * The value converted to the forms an {@code Op} holds: null, String, Long, Boolean, or an
   * unmodifiable list of those (lists may nest). Anything else is rejected, naming where it was found.
   */
  public static Object normalize(Object value, String where) {
    if (value == null || value instanceof String || value instanceof Long || value instanceof Boolean) {
      return value;
    }
    if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return ((Number) value).longValue();
    }
    if (value instanceof List<?> list) {
      List<Object> copy = new ArrayList<>(list.size());
      for (Object element : list) {
        copy.add(normalize(element, where));
      }
      return Collections.unmodifiableList(copy);
    }
    throw new IllegalArgumentException(
        where + ": value " + value + " is a " + value.getClass().getSimpleName()
            + "; a history value is null, a String, an integer (Long), a Boolean or a List of those");
  }

  /** Short human form, for example {@code 12 c3 ok put k1 5}. */
  @Override
  public String toString() {
    StringBuilder s = new StringBuilder();
    s.append(index).append(' ').append(process).append(' ').append(type.jsonName()).append(' ').append(f);
    if (key != null) {
      s.append(' ').append(key);
    }
    if (value != null) {
      s.append(' ').append(value);
    }
    if (error != null) {
      s.append(" (").append(error).append(')');
    }
    return s.toString();
  }
}
