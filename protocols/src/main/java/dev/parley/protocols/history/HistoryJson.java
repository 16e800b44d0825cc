package dev.parley.protocols.history;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Histories as JSON lines: one op per line, an object with the fields {@code index}, {@code process},
 * {@code type} ({@code invoke|ok|fail|info}), {@code f}, {@code key}, {@code value}, {@code timeNanos} and
 * {@code error} (null fields are left out). Reading gives back exactly the history written: integers come
 * back as Long, lists as lists. A line that cannot be read fails with a {@link HistoryFormatException}
 * naming the line and what was wrong with it; blank lines are skipped.
 *
 * <pre>{@code
 * HistoryJson.write(history, Path.of("target/history.jsonl"));
 * History again = HistoryJson.read(Path.of("target/history.jsonl"));
 * }</pre>
 */
public final class HistoryJson {

  private static final ObjectMapper MAPPER =
      new ObjectMapper()
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final List<String> FIELDS =
      List.of("index", "process", "type", "f", "key", "value", "timeNanos", "error");

  private HistoryJson() {}

  /** One op as one line of JSON (without the line break). */
  public static String toJson(Op op) {
    ObjectNode node = NODES.objectNode();
    node.put("index", op.index());
    node.put("process", op.process());
    node.put("type", op.type().jsonName());
    node.put("f", op.f());
    if (op.key() != null) {
      node.put("key", op.key());
    }
    if (op.value() != null) {
      node.set("value", toNode(op.value()));
    }
    node.put("timeNanos", op.timeNanos());
    if (op.error() != null) {
      node.put("error", op.error());
    }
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write op " + op.index() + " as JSON", e);
    }
  }

  public static void write(History history, Writer out) throws IOException {
    for (Op op : history) {
      out.write(toJson(op));
      out.write('\n');
    }
    out.flush();
  }

  public static void write(History history, Path file) throws IOException {
    try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      write(history, out);
    }
  }

  /** The whole history as a JSON-lines string. */
  public static String toJsonLines(History history) {
    StringWriter out = new StringWriter();
    try {
      write(history, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  public static History read(Reader in) throws IOException {
    BufferedReader lines = in instanceof BufferedReader b ? b : new BufferedReader(in);
    History.Builder builder = History.builder();
    long lineNumber = 0;
    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
      lineNumber++;
      if (line.isBlank()) {
        continue;
      }
      Op op = parseLine(line, lineNumber);
      try {
        builder.add(op);
      } catch (IllegalArgumentException e) {
        throw new HistoryFormatException(lineNumber, e.getMessage());
      }
    }
    return builder.build();
  }

  public static History read(Path file) throws IOException {
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return read(in);
    }
  }

  public static History parse(String jsonLines) throws HistoryFormatException {
    try {
      return read(new StringReader(jsonLines));
    } catch (HistoryFormatException e) {
      throw e;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads one line; {@code lineNumber} is only used in error messages. */
  public static Op parseLine(String line, long lineNumber) throws HistoryFormatException {
    JsonNode node;
    try {
      node = MAPPER.readTree(line);
    } catch (JsonProcessingException e) {
      throw new HistoryFormatException(lineNumber, "not valid JSON: " + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      throw new HistoryFormatException(lineNumber, "expected a JSON object, found " + line.strip());
    }
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!FIELDS.contains(name)) {
        throw new HistoryFormatException(
            lineNumber, "unknown field '" + name + "'; the fields are " + String.join(", ", FIELDS));
      }
    }
    long index = requiredLong(node, "index", lineNumber);
    String process = requiredText(node, "process", lineNumber);
    String typeName = requiredText(node, "type", lineNumber);
    String f = requiredText(node, "f", lineNumber);
    long time = requiredLong(node, "timeNanos", lineNumber);
    String key = optionalText(node, "key", lineNumber);
    String error = optionalText(node, "error", lineNumber);
    Object value = fromNode(node.get("value"), "value", lineNumber);
    try {
      return new Op(index, process, OpType.parse(typeName), f, key, value, time, error);
    } catch (IllegalArgumentException e) {
      throw new HistoryFormatException(lineNumber, e.getMessage());
    }
  }

  private static long requiredLong(JsonNode node, String field, long lineNumber) throws HistoryFormatException {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      throw new HistoryFormatException(lineNumber, "missing field '" + field + "'");
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new HistoryFormatException(lineNumber, "field '" + field + "' must be an integer, found " + v);
    }
    return v.longValue();
  }

  private static String requiredText(JsonNode node, String field, long lineNumber) throws HistoryFormatException {
    String text = optionalText(node, field, lineNumber);
    if (text == null) {
      throw new HistoryFormatException(lineNumber, "missing field '" + field + "'");
    }
    return text;
  }

  private static String optionalText(JsonNode node, String field, long lineNumber) throws HistoryFormatException {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw new HistoryFormatException(lineNumber, "field '" + field + "' must be a string, found " + v);
    }
    return v.textValue();
  }

  private static JsonNode toNode(Object value) {
    if (value == null) {
      return NODES.nullNode();
    }
    if (value instanceof String s) {
      return NODES.textNode(s);
    }
    if (value instanceof Long l) {
      return NODES.numberNode(l);
    }
    if (value instanceof Boolean b) {
      return NODES.booleanNode(b);
    }
    if (value instanceof List<?> list) {
      ArrayNode array = NODES.arrayNode(list.size());
      list.forEach(element -> array.add(toNode(element)));
      return array;
    }
    throw new IllegalArgumentException("not a history value: " + value);
  }

  private static Object fromNode(JsonNode v, String where, long lineNumber) throws HistoryFormatException {
    if (v == null || v.isNull()) {
      return null;
    }
    if (v.isTextual()) {
      return v.textValue();
    }
    if (v.isBoolean()) {
      return v.booleanValue();
    }
    if (v.isIntegralNumber()) {
      if (!v.canConvertToLong()) {
        throw new HistoryFormatException(lineNumber, where + " " + v + " does not fit in a 64-bit integer");
      }
      return v.longValue();
    }
    if (v.isArray()) {
      List<Object> list = new ArrayList<>(v.size());
      for (int i = 0; i < v.size(); i++) {
        list.add(fromNode(v.get(i), where + "[" + i + "]", lineNumber));
      }
      return list;
    }
    throw new HistoryFormatException(
        lineNumber, where + " " + v + " is not allowed: a value is null, a string, an integer,"
            + " a boolean or a list of those");
  }
}
