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
 */
public final class ShiVizLog {

  /** The regular expression ShiViz needs to read this log. */
  public static final String REGEX = "(?<event>.*)\\n(?<host>\\S*) (?<clock>{.*})";

  private ShiVizLog() {}

  public static String of(List<StampedEvent> events) {
    StringBuilder out = new StringBuilder();
    for (StampedEvent e : events) {
      out.append(e.describe().replace('\n', ' ')).append('\n');
      out.append(e.node()).append(' ').append(clockJson(e)).append('\n');
    }
    return out.toString();
  }

  public static void write(List<StampedEvent> events, Path file) {
    try {
      Files.writeString(file, of(events));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the ShiViz log to " + file, e);
    }
  }

  private static String clockJson(StampedEvent e) {
    return e.clock().entries().entrySet().stream()
        .map(en -> "\"" + en.getKey() + "\":" + en.getValue())
        .collect(Collectors.joining(", ", "{", "}"));
  }
}
