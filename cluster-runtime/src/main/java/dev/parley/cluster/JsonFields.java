package dev.parley.cluster;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The fields of an operation's JSON body, read strictly: a number must be a number of the right kind
 * within its range (never a string read as 0, never a large number narrowed silently), and the error
 * names the field, its range and what was given. What kinds use to turn a body into a downcall.
 */
public final class JsonFields {

  private JsonFields() {}

  /** The whole number {@code field} of {@code body}, from {@code min} to {@code max}; absent or null: {@code otherwise}. */
  public static long whole(JsonNode body, String field, long min, long max, long otherwise) {
    JsonNode v = body == null ? null : body.get(field);
    if (v == null || v.isNull()) {
      return otherwise;
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
      throw new IllegalArgumentException("\"" + field + "\" must be a whole number from " + min + " to " + max
          + ", got " + v);
    }
    return v.asLong();
  }

  /** The number {@code field} of {@code body}, from {@code min} to {@code max}; absent or null: {@code otherwise}. */
  public static double number(JsonNode body, String field, double min, double max, double otherwise) {
    JsonNode v = body == null ? null : body.get(field);
    if (v == null || v.isNull()) {
      return otherwise;
    }
    if (!v.isNumber() || !(v.asDouble() >= min && v.asDouble() <= max)) {
      throw new IllegalArgumentException("\"" + field + "\" must be a number from " + min + " to " + max + ", got " + v);
    }
    return v.asDouble();
  }

  /** The string {@code field} of {@code body}; absent, null or not a string: an error naming it. */
  public static String text(JsonNode body, String field) {
    JsonNode v = body == null ? null : body.get(field);
    if (v == null || v.isNull()) {
      throw new IllegalArgumentException("the JSON body needs \"" + field + "\", a string, got " + body);
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException("\"" + field + "\" must be a string, got " + v);
    }
    return v.asText();
  }
}
