package dev.parley.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;

/**
 * The log of a node started by {@code bin/parley} or {@link NodeProcesses}: the node's output,
 * appended at every start after a marker line, so the reasons of its last start can be told apart
 * from earlier ones. A node that stops on a bad option or setting says why in one line starting
 * {@code parley-node: } (see {@link ParleyNode}).
 */
final class NodeLog {

  /** How every start's part of a log begins (bin/parley writes the same line). */
  static final String START = "=== parley: starting ";

  /** The prefix of the node's own error lines. */
  static final String ERROR = "parley-node: ";

  private static final int LAST_LINES = 5;

  private NodeLog() {}

  /** Marks the start of node {@code node} in {@code log}. */
  static void markStart(Path log, String node) {
    try {
      Files.createDirectories(log.toAbsolutePath().getParent());
      Files.writeString(log, START + node + " at " + Instant.now() + System.lineSeparator(), StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write the node log " + log + ": " + e.getMessage(), e);
    }
  }

  /**
   * Why the node of {@code log} stopped, from its last start on: its own error lines ({@code
   * parley-node: ...}); if it wrote none, its last few lines that are not part of a stack trace.
   */
  static List<String> reasons(Path log) {
    List<String> lines;
    try {
      lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return List.of("(its log " + log + " cannot be read: " + e.getMessage() + ")");
    }
    int start = 0;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith(START)) {
        start = i + 1;
      }
    }
    List<String> run = lines.subList(start, lines.size());
    List<String> errors = run.stream().filter(l -> l.startsWith(ERROR)).toList();
    if (!errors.isEmpty()) {
      return errors;
    }
    List<String> plain = run.stream().filter(l -> !l.isBlank() && !isStackTrace(l)).toList();
    return plain.isEmpty() ? List.of("(it wrote nothing to " + log + ")")
        : plain.subList(Math.max(0, plain.size() - LAST_LINES), plain.size());
  }

  private static boolean isStackTrace(String line) {
    String l = line.strip();
    return l.startsWith("at ") || l.startsWith("Caused by:") || l.startsWith("Suppressed:")
        || l.matches("\\.\\.\\. \\d+ more");
  }
}
