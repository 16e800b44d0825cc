package dev.parley.protocols.trace;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether ShiViz accepts a log, checked by the rules its parser and graph builder apply (ShiViz's
 * {@code parser.js}, {@code vectorTimestamp.js} and {@code modelGraph.js}), so a spec or a person
 * can check a log without a browser.
 *
 * <p>The rules: the text is read with {@link ShiVizLog#REGEX}, match after match; every clock is a
 * JSON object of positive whole numbers that has an entry for its own host; each host's own entries,
 * in order, are exactly 1, 2, 3, ...; every entry for another host names a host that has events and
 * is at most that host's number of events. One rule is stricter than ShiViz, which would draw such a
 * log wrongly rather than reject it: a host's clock never goes back from one of its events to its
 * next. Text outside the matches must be blank or {@code #} header lines (ShiViz skips it silently,
 * which would lose events without a word).
 *
 * <p>Cost: linear in the log's length, plus sorting each host's events.
 */
public final class ShiVizCheck {

  /** {@link ShiVizLog#REGEX} as Java reads it (a brace escaped). */
  private static final Pattern EVENT = Pattern.compile("(?<event>.*)\\n(?<host>\\S*) (?<clock>\\{.*\\})");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_PROBLEMS = 20;

  /**
   * What the check found.
   *
   * @param eventsPerHost how many events each host has
   * @param problems why ShiViz would reject the log (at most {@value #MAX_PROBLEMS}); none if it accepts it
   */
  public record Report(SortedMap<String, Integer> eventsPerHost, List<String> problems) {

    public boolean valid() {
      return problems.isEmpty();
    }

    public int events() {
      return eventsPerHost.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** One line: valid with its counts, or the first problems. */
    public String summary() {
      return valid()
          ? "valid ShiViz log: " + events() + " events, per host " + eventsPerHost
          : "not a valid ShiViz log:\n  " + String.join("\n  ", problems);
    }
  }

  private record Event(int line, String host, Map<String, Long> clock) {
    long own() {
      return clock.get(host);
    }
  }

  private ShiVizCheck() {}

  public static Report check(String log) {
    String text = log.strip();
    List<String> problems = new ArrayList<>();
    List<Event> events = new ArrayList<>();
    Matcher m = EVENT.matcher(text);
    Lines lines = new Lines(text);
    int consumed = 0;
    while (m.find()) {
      unparsed(text.substring(consumed, m.start()), lines.at(consumed), problems);
      consumed = m.end();
      parse(lines.at(m.start("host")), m.group("host"), m.group("clock"), problems).ifPresent(events::add);
    }
    unparsed(text.substring(consumed), lines.at(consumed), problems);
    if (events.isEmpty() && problems.isEmpty()) {
      problems.add("no events: no line pair matches " + ShiVizLog.REGEX);
    }

    Map<String, List<Event>> byHost = new LinkedHashMap<>();
    events.forEach(e -> byHost.computeIfAbsent(e.host(), h -> new ArrayList<>()).add(e));
    SortedMap<String, Integer> counts = new TreeMap<>();
    byHost.forEach((host, list) -> counts.put(host, list.size()));
    byHost.forEach((host, list) -> checkHost(host, list, counts, problems));
    return new Report(counts, List.copyOf(problems.subList(0, Math.min(MAX_PROBLEMS, problems.size()))));
  }

  private static Optional<Event> parse(int line, String host, String clockText, List<String> problems) {
    JsonNode clock;
    try {
      clock = JSON.readTree(clockText);
    } catch (IOException e) {
      problems.add("line " + line + ": the clock is not JSON: " + clockText);
      return Optional.empty();
    }
    if (!clock.isObject()) {
      problems.add("line " + line + ": the clock is not a JSON object: " + clockText);
      return Optional.empty();
    }
    Map<String, Long> entries = new HashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = clock.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> en = it.next();
      if (!en.getValue().canConvertToLong() || !en.getValue().isIntegralNumber() || en.getValue().asLong() < 0) {
        problems.add("line " + line + ": the entry of " + en.getKey() + " is not a whole number: " + en.getValue());
      } else if (en.getValue().asLong() > 0) {
        entries.put(en.getKey(), en.getValue().asLong()); // ShiViz drops zero entries
      }
    }
    if (!entries.containsKey(host)) {
      problems.add("line " + line + ": the clock of host " + host + " has no entry for " + host);
      return Optional.empty();
    }
    return Optional.of(new Event(line, host, entries));
  }

  private static void checkHost(String host, List<Event> list, Map<String, Integer> counts, List<String> problems) {
    list.sort((a, b) -> Long.compare(a.own(), b.own()));
    Map<String, Long> previous = Map.of();
    for (int i = 0; i < list.size(); i++) {
      Event e = list.get(i);
      if (e.own() != i + 1) {
        problems.add("line " + e.line() + ": host " + host + "'s clock "
            + (i == 0 ? "starts at " + e.own() + ", not 1" : "goes from " + list.get(i - 1).own() + " to " + e.own()));
        return;
      }
      for (Map.Entry<String, Long> en : e.clock().entrySet()) {
        String other = en.getKey();
        if (other.equals(host)) {
          continue;
        }
        Integer logged = counts.get(other);
        if (logged == null) {
          problems.add("line " + e.line() + ": the clock names host " + other + ", which has no events");
        } else if (en.getValue() > logged) {
          problems.add("line " + e.line() + ": invalid clock value " + en.getValue() + " for host " + other
              + " (it logged " + logged + " events)");
        }
        if (en.getValue() < previous.getOrDefault(other, 0L)) {
          problems.add("line " + e.line() + ": host " + host + "'s entry for " + other + " goes back from "
              + previous.get(other) + " to " + en.getValue());
        }
      }
      previous = e.clock();
    }
  }

  /** Text between matches: ShiViz skips it; here it must be blank or header lines. */
  private static void unparsed(String between, int firstLine, List<String> problems) {
    String[] lines = between.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String l = lines[i].strip();
      if (!l.isEmpty() && !l.startsWith("#")) {
        problems.add("line " + (firstLine + i) + ": not part of any event: " + abbreviate(l));
      }
    }
  }

  /** Line numbers of offsets asked for in increasing order, counted once over the text. */
  private static final class Lines {
    private final String text;
    private int offset;
    private int line = 1;

    Lines(String text) {
      this.text = text;
    }

    int at(int target) {
      for (; offset < target; offset++) {
        if (text.charAt(offset) == '\n') {
          line++;
        }
      }
      return line;
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 77) + "...";
  }
}
