package dev.parley.protocols.trace;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A trace as a ShiViz log (the GoVector format): per event, one line of event text, then a line
 * {@code NodeName {"NodeName":n, ...}} with the node's vector clock. Paste it into ShiViz
 * (https://bestchai.bitbucket.io/shiviz/) with the parser regular expression {@link #REGEX}.
 *
 * <p>An event's line names its protocol instance first, {@code [raft] send AppendEntries to n2}, so
 * it can never be read as a clock line. Header lines start with {@code #} and hold no brace, so
 * ShiViz skips them: they say what a cut left out ({@link ConsistentCut#summary()}). ShiViz accepts
 * the log only if the events are a valid trace, which {@link ShiVizCheck} checks.
 */
public final class ShiVizLog {

  /** The regular expression ShiViz needs to read this log. */
  public static final String REGEX = "(?<event>.*)\\n(?<host>\\S*) (?<clock>{.*})";

  private ShiVizLog() {}

  public static String of(List<StampedEvent> events) {
    return of(List.of(), events);
  }

  /** The log of {@code events} after the {@code header} lines. */
  public static String of(List<String> header, List<StampedEvent> events) {
    StringBuilder out = new StringBuilder();
    for (String line : header) {
      out.append("# ").append(oneLine(line).replace('{', '(').replace('}', ')')).append('\n');
    }
    for (StampedEvent e : events) {
      out.append(oneLine(e.describeWithInstance())).append('\n');
      out.append(e.node()).append(' ').append(clockJson(e)).append('\n');
    }
    return out.toString();
  }

  public static void write(List<StampedEvent> events, Path file) {
    write(List.of(), events, file);
  }

  public static void write(List<String> header, List<StampedEvent> events, Path file) {
    try {
      Files.writeString(file, of(header, events));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the ShiViz log to " + file, e);
    }
  }

  /** {@code text} with every line break (as Java and JavaScript regular expressions see them) a space. */
  private static String oneLine(String text) {
    return text.replaceAll("[\\r\\n\\u0085\\u2028\\u2029]", " ");
  }

  private static String clockJson(StampedEvent e) {
    return e.clock().entries().entrySet().stream()
        .map(en -> "\"" + en.getKey() + "\":" + en.getValue())
        .collect(Collectors.joining(", ", "{", "}"));
  }
}
