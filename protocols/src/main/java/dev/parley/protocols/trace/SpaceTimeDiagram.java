package dev.parley.protocols.trace;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.trace.StampedEvent.Kind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * A trace as a self-contained HTML page: one vertical line per node, time flowing down, an arrow
 * from every send to its receive labelled with the message's protocol instance and type, each
 * event's vector clock on hover. No script, no network: it opens in any browser from the file.
 * Notes (what a cut left out, a node that did not answer) are shown above the diagram.
 */
public final class SpaceTimeDiagram {

  /** Traces longer than this are cut, so the page stays readable; the page says so. */
  public static final int MAX_EVENTS = 3000;

  private static final int COLUMN = 150;
  private static final int ROW = 18;
  private static final int TOP = 60;
  private static final int LEFT = 80;

  private SpaceTimeDiagram() {}

  public static String html(String title, List<StampedEvent> all) {
    return html(title, List.of(), all);
  }

  /** The page, with {@code notes} (one paragraph each) above the diagram. */
  public static String html(String title, List<String> notes, List<StampedEvent> all) {
    List<StampedEvent> events = all.size() > MAX_EVENTS ? all.subList(0, MAX_EVENTS) : all;
    TreeSet<NodeId> nodes = new TreeSet<>();
    events.forEach(e -> nodes.add(e.node()));
    Map<NodeId, Integer> column = new HashMap<>();
    for (NodeId n : nodes) {
      column.put(n, column.size());
    }
    Map<StampedEvent, Integer> row = new HashMap<>();
    for (StampedEvent e : events) {
      row.put(e, TOP + row.size() * ROW);
    }
    int width = LEFT + Math.max(1, nodes.size() - 1) * COLUMN + 300; // room for the last labels
    int height = TOP + events.size() * ROW + 40;

    StringBuilder svg = new StringBuilder();
    svg.append("<svg xmlns='http://www.w3.org/2000/svg' width='").append(width)
        .append("' height='").append(height).append("'>\n");
    svg.append("<defs><marker id='arrow' markerWidth='8' markerHeight='8' refX='7' refY='3' orient='auto'>")
        .append("<path d='M0,0 L7,3 L0,6 z' fill='#555'/></marker></defs>\n");
    for (NodeId n : nodes) {
      int x = x(column, n);
      svg.append("<text x='").append(x).append("' y='30' text-anchor='middle' font-weight='bold'>")
          .append(escape(n.name())).append("</text>\n");
      svg.append("<line x1='").append(x).append("' y1='40' x2='").append(x).append("' y2='")
          .append(height - 20).append("' stroke='#bbb'/>\n");
    }
    // a message is known by its sender and the sender's id for it (each node numbers its own)
    Map<String, StampedEvent> sends = new HashMap<>();
    for (StampedEvent e : events) {
      if (e.kind() == Kind.SEND) {
        sends.put(e.node() + "#" + e.messageId(), e);
      }
    }
    for (StampedEvent e : events) {
      StampedEvent s = e.kind() == Kind.RECEIVE ? sends.get(e.peer() + "#" + e.messageId()) : null;
      if (s != null) {
        svg.append("<line x1='").append(x(column, s.node())).append("' y1='").append(row.get(s))
            .append("' x2='").append(x(column, e.node())).append("' y2='").append(row.get(e))
            .append("' stroke='#555' marker-end='url(#arrow)'><title>")
            .append(escape(e.describeWithInstance())).append("</title></line>\n");
        svg.append("<text x='").append(x(column, e.node()) + 8).append("' y='").append(row.get(e) + 4)
            .append("' font-size='10' fill='#2ca02c'>").append(escape(e.instance() + " " + e.type()))
            .append("</text>\n");
      }
    }
    for (StampedEvent e : events) {
      String colour = switch (e.kind()) {
        case SEND -> "#1f77b4";
        case RECEIVE -> "#2ca02c";
        case LOCAL -> "#d62728";
      };
      svg.append("<circle cx='").append(x(column, e.node())).append("' cy='").append(row.get(e))
          .append("' r='4' fill='").append(colour).append("'><title>")
          .append(escape(e.node() + ": " + e.describeWithInstance() + "  vector clock " + e.clock()))
          .append("</title></circle>\n");
      if (e.kind() == Kind.LOCAL) {
        svg.append("<text x='").append(x(column, e.node()) + 8).append("' y='").append(row.get(e) + 4)
            .append("' font-size='10' fill='#d62728'>").append(escape(e.instance() + " " + e.label()))
            .append("</text>\n");
      }
    }
    svg.append("</svg>\n");

    return "<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>" + escape(title) + "</title>"
        + "<style>body{font-family:sans-serif;margin:20px} .note{color:#666} .cut{margin:2px 0;padding:2px 6px;font-size:90%;background:#fff3cd}</style></head><body>\n"
        + "<h1>" + escape(title) + "</h1>\n"
        + notes.stream().map(n -> "<p class='cut'>" + escape(n) + "</p>\n").collect(Collectors.joining())
        + "<p class='note'>" + all.size() + " events; time flows down; blue: send, green: receive,"
        + " red: local event (upcall); each labelled with its protocol instance. Hover over an event for its"
        + " vector clock."
        + (all.size() > events.size() ? " Only the first " + events.size() + " events are drawn." : "")
        + "</p>\n" + svg + "</body></html>\n";
  }

  public static void write(String title, List<StampedEvent> events, Path file) {
    write(title, List.of(), events, file);
  }

  public static void write(String title, List<String> notes, List<StampedEvent> events, Path file) {
    try {
      Files.writeString(file, html(title, notes, events));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the diagram to " + file, e);
    }
  }

  private static int x(Map<NodeId, Integer> column, NodeId node) {
    return LEFT + column.get(node) * COLUMN;
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;");
  }
}
