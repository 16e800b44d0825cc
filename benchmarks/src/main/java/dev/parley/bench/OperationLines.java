package dev.parley.bench;

import dev.parley.protocols.history.History;
import dev.parley.protocols.history.Operation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A history as one JSON object per operation and line, the shape other linearizability checkers
 * (Porcupine's {@code Operation}) take: the client as a number from 0 (and its process name), the
 * input (operation, key, argument; a compare-and-set's argument is {@code [expected, new]}), the
 * outcome ({@code ok}, {@code fail}, {@code info} or {@code open}) with the value an OK returned, and
 * when it was called and returned. Times are the positions of the invocation and the completion in
 * the history, the order the checkers go by; {@code return} is null when the outcome is unknown.
 *
 * <pre>{"client":0,"process":"c0","op":"cas","key":"k3","value":[1,4],"status":"ok","output":[1,4],"call":7,"return":12}</pre>
 */
final class OperationLines {

  private OperationLines() {}

  /** Writes {@code history} to {@code file}, one operation per line in invocation order. */
  static void write(History history, Path file) {
    Map<String, Integer> clients = new HashMap<>();
    List<String> lines = new ArrayList<>();
    for (Operation o : history.operations()) {
      int client = clients.computeIfAbsent(o.process(), p -> clients.size());
      String status = o.completion() == null ? "open" : o.completion().type().jsonName();
      lines.add("{\"client\":" + client + ",\"process\":" + json(o.process()) + ",\"op\":" + json(o.f())
          + ",\"key\":" + json(o.key()) + ",\"value\":" + json(o.argument()) + ",\"status\":" + json(status)
          + ",\"output\":" + json(o.result()) + ",\"call\":" + o.invocationIndex()
          + ",\"return\":" + (o.isIndeterminate() ? "null" : o.completionIndex()) + "}");
    }
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.write(file, lines);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** A history value (null, a String, a Long, a Boolean or a list of them) as JSON. */
  private static String json(Object value) {
    if (value instanceof String s) {
      return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
    if (value instanceof List<?> list) {
      return list.stream().map(OperationLines::json).collect(Collectors.joining(",", "[", "]"));
    }
    return String.valueOf(value);
  }
}
