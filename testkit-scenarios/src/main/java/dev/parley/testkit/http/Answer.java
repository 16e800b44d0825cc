package dev.parley.testkit.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;

/**
 * What one HTTP request got: an answer (status, JSON body if any, text), or no answer and why. Only
 * a refused connection, or one not made in time, says the request was never sent; a timeout
 * waiting for the answer or a connection lost leaves its outcome unknown.
 *
 * @param status the HTTP status, 0 when no answer came
 * @param failure why no answer came; {@link Failure#NONE} when one did
 * @param body the body as JSON, null if empty or not JSON
 * @param text the body as text, or what went wrong when no answer came
 * @param servedBy host:port of the node that answered, after any redirect; null when none did
 */
public record Answer(int status, Failure failure, JsonNode body, String text, String servedBy) {

  /** Why no answer came. */
  public enum Failure {
    /** An answer came. */
    NONE,
    /** The connection was refused or not made in time: nothing was sent. */
    REFUSED,
    /** The answer did not come in time: the request may have taken effect. */
    TIMEOUT,
    /** The connection broke: the request may have taken effect. */
    LOST
  }

  public static Answer of(int status, JsonNode body, String text, String servedBy) {
    return new Answer(status, Failure.NONE, body, text, servedBy);
  }

  public static Answer none(Failure failure, String why) {
    return new Answer(0, failure, null, why, null);
  }

  public boolean answered() {
    return failure == Failure.NONE;
  }

  public boolean is(int code) {
    return status == code;
  }

  public boolean success() {
    return status / 100 == 2;
  }

  /** The body's {@code conflict} (such as {@code cas-failed}), or null. */
  public String conflict() {
    return text("conflict");
  }

  /** The body's {@code error}, else the text. */
  public String error() {
    String e = text("error");
    return e != null ? e : text;
  }

  /** A 503 that says the node does not serve the request: it had no effect. */
  public boolean doesNotServe() {
    return status == 503 && error() != null && error().contains("does not serve");
  }

  /** The body's field {@code name} as text; null if absent or JSON null. */
  public String text(String name) {
    JsonNode v = body == null ? null : body.get(name);
    return v == null || v.isNull() ? null : v.asText();
  }

  /** Whether the body has the field {@code name} (JSON null counts). */
  public boolean has(String name) {
    return body != null && body.has(name);
  }

  /** What the answer is, as counted in a summary: {@code 200}, {@code 409 cas-failed}, {@code refused}. */
  public String label() {
    if (!answered()) {
      return failure.name().toLowerCase(Locale.ROOT);
    }
    String conflict = status == 409 ? conflict() : null;
    return conflict == null ? Integer.toString(status) : status + " " + conflict;
  }

  /** Short human form for counterexamples. */
  public String show() {
    if (!answered()) {
      return label() + " (" + text + ")";
    }
    String t = text == null ? "" : text.length() > 160 ? text.substring(0, 160) + "..." : text;
    return status + " " + t;
  }
}
