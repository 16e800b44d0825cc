package dev.parley.cluster;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One client operation of a kind, {@code POST /protocols/<instance>/<name>}: its name, the record
 * its JSON body maps onto (field by field, strictly: an unknown, missing or mistyped field is a 400
 * naming it and this shape), and what it does at the node asked, an {@link Invocation}. A body
 * component annotated {@code @JsonProperty(required = true)} must be given; the others may be left
 * out (null, or the default the record's constructor puts in). A record's constructor may refuse a
 * value with an {@link IllegalArgumentException} saying what it takes (a 400 too).
 *
 * <pre>{@code
 * record Lookup(@JsonProperty(required = true) String key) {}
 *
 * Operation.of("lookup", Lookup.class, (caller, body) -> {
 *   long id = ids.incrementAndGet();
 *   return Invocation.answeredBy(new Chord.Lookup(id, body.key()), Chord.Upcall.class, Chord::requestIdOf, id);
 * })
 * }</pre>
 *
 * @param name the operation's name in the URL
 * @param body the record its JSON body maps onto (an empty record for an operation without a body)
 * @param handler what it does at the node asked
 */
public record Operation<B extends Record>(String name, Class<B> body, Handler<B> handler) {

  /** The body of an operation that takes none: no body, or {@code {}}. */
  public record Empty() {}

  /** What an operation does at the node asked, with its body. */
  @FunctionalInterface
  public interface Handler<B> {
    /**
     * The invocation for {@code body} asked by {@code caller}; an {@link IllegalArgumentException}
     * (a 400) if this node cannot do it, saying where it can. Nothing is sent before this returns.
     */
    Invocation invoke(Caller caller, B body);
  }

  public static <B extends Record> Operation<B> of(String name, Class<B> body, Handler<B> handler) {
    return new Operation<>(name, body, handler);
  }

  /** {@link #handler} on a body already mapped onto {@link #body}. */
  public Invocation invoke(Caller caller, Object mapped) {
    return handler.invoke(caller, body.cast(mapped));
  }

  /** The body's JSON shape, such as {@code {"key": string, "value": string (optional)}}. */
  public String shape() {
    List<String> fields = new ArrayList<>();
    for (RecordComponent c : body.getRecordComponents()) {
      fields.add("\"" + c.getName() + "\": " + typeName(c.getType()) + (required(c) ? "" : " (optional)"));
    }
    return fields.isEmpty() ? "{} (or no body)" : "{" + String.join(", ", fields) + "}";
  }

  /** Whether body component {@code c} is {@code @JsonProperty(required = true)}. */
  public static boolean required(RecordComponent c) {
    JsonProperty p = c.getAccessor().getAnnotation(JsonProperty.class);
    return p != null && p.required();
  }

  /** What a JSON value of {@code type} is called in an error, such as "whole number". */
  public static String typeName(Class<?> type) {
    if (type == String.class) {
      return "string";
    }
    if (type == int.class || type == long.class || type == Integer.class || type == Long.class) {
      return "whole number";
    }
    if (type == double.class || type == Double.class || type == float.class || type == Float.class) {
      return "number";
    }
    if (type == boolean.class || type == Boolean.class) {
      return "true or false";
    }
    if (Map.class.isAssignableFrom(type)) {
      return "object";
    }
    if (List.class.isAssignableFrom(type)) {
      return "array";
    }
    return type.isRecord() ? "object" : type.getSimpleName();
  }
}
