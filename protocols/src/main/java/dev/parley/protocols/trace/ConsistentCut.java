package dev.parley.protocols.trace;

import dev.parley.protocols.clock.VectorClock;
import dev.parley.protocols.core.NodeId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The traces of a cluster's nodes, fetched one node at a time while the cluster runs, cut to one
 * valid trace: every event kept names (in its vector clock) only events that are kept too.
 *
 * <p>Model: each node records its own events, its own clock entry counting them 1, 2, 3, ...; a
 * node keeps only its latest events (a ring buffer), so what is fetched from it is a window
 * {@code [lo, hi]} of its numbering. (A node restarted mid-run takes up its old count on its first
 * receive; only the last unbroken run of its numbering is the window.) The nodes are fetched at
 * different moments, so a node fetched late names events of one fetched early that came after its
 * fetch; and a node whose buffer overflowed lost events that others still name.
 *
 * <p>The cut keeps, per node, the events numbered {@code [s, t]}:
 *
 * <ul>
 *   <li>the <b>upper cut</b> {@code t} is the greatest consistent cut below the fetched frontier:
 *       lowered, node by node, until no kept event names an event of another node above that
 *       node's {@code t} (a fixpoint; clocks grow along a node's events, so each node keeps a
 *       prefix);
 *   <li>the <b>lower cut</b> {@code s - 1} is the least consistent cut covering what the buffers
 *       lost: raised until no left-out event names a kept one. A left-out event's clock is known
 *       exactly when it was fetched; for an event a buffer lost, the clock of the node's first
 *       fetched event bounds it (conservatively: it may leave out one message more).
 * </ul>
 *
 * Between two consistent cuts every path of happened-before between kept events runs through kept
 * events, so the kept events with their clocks re-based (each node's entry minus {@code s - 1};
 * entries naming left-out events before the window become 0) are a trace in their own right, the
 * one ShiViz accepts ({@link ShiVizCheck}). Entries of nodes whose trace was not fetched are
 * dropped: a message to or from such a node shows without its other end.
 *
 * <p>Cost: O(E log E) for E events, plus O(N^2) per step of the fixpoints, which move each cut
 * monotonically.
 */
public final class ConsistentCut {

  /**
   * What was kept of one node's trace, in the node's own numbering of its events.
   *
   * @param node the node
   * @param fetched how many events were fetched from it
   * @param first its first event kept (after the lower cut)
   * @param last its last event kept (the upper cut); {@code last < first} if none is kept
   * @param newest its newest event fetched
   * @param beforeRestart fetched events of an earlier incarnation of its numbering (before a restart), left out
   */
  public record Window(NodeId node, long fetched, long first, long last, long newest, long beforeRestart) {

    public long kept() {
      return Math.max(0, last - first + 1);
    }

    /** Its events before the window: no longer in its buffer, or left out by the lower cut. */
    public long leftOutFirst() {
      return first - 1;
    }

    /** Its events fetched but recorded after the consistent cut. */
    public long leftOutNewest() {
      return Math.max(0, newest - Math.max(last, first - 1));
    }
  }

  private final List<StampedEvent> events;
  private final SortedMap<NodeId, Window> windows;
  private final SortedSet<NodeId> absent;

  private ConsistentCut(List<StampedEvent> events, SortedMap<NodeId, Window> windows, SortedSet<NodeId> absent) {
    this.events = events;
    this.windows = windows;
    this.absent = absent;
  }

  /**
   * Cuts the fetched {@code traces} (each node's own events) to one valid trace; {@code absent}
   * names the nodes asked for that did not answer.
   */
  public static ConsistentCut of(Map<NodeId, List<StampedEvent>> traces, Collection<NodeId> absent) {
    SortedMap<NodeId, Lane> lanes = new TreeMap<>();
    traces.forEach((node, events) -> lanes.put(node, Lane.of(node, events)));
    SortedSet<NodeId> missing = new TreeSet<>(absent);
    missing.removeAll(lanes.keySet());
    for (Lane lane : lanes.values()) {
      for (StampedEvent e : lane.events) {
        e.clock().entries().keySet().stream().filter(n -> !lanes.containsKey(n)).forEach(missing::add);
      }
    }
    upperCut(lanes);
    lowerCut(lanes);

    List<StampedEvent> kept = new ArrayList<>();
    SortedMap<NodeId, Window> windows = new TreeMap<>();
    for (Lane lane : lanes.values()) {
      for (long n = lane.first; n <= lane.last; n++) {
        StampedEvent e = lane.event(n);
        kept.add(e.at(e.index(), rebase(e.clock(), lanes)));
      }
      windows.put(lane.node, new Window(lane.node, lane.fetched, lane.first, lane.last, lane.hi, lane.beforeRestart));
    }
    return new ConsistentCut(Traces.merge(List.of(kept)), Collections.unmodifiableSortedMap(windows),
        Collections.unmodifiableSortedSet(missing));
  }

  /** The kept events, re-based, in an order consistent with happened-before. */
  public List<StampedEvent> events() {
    return events;
  }

  /** What was kept of each fetched node's trace. */
  public SortedMap<NodeId, Window> windows() {
    return windows;
  }

  /** The nodes whose trace is missing: they did not answer, or clocks name them but none was asked. */
  public SortedSet<NodeId> absent() {
    return absent;
  }

  /** Every event fetched but not kept. */
  public long leftOut() {
    return windows.values().stream().mapToLong(w -> w.fetched() - w.kept()).sum();
  }

  /** What the cut kept and left out, a line per node and one per absent node, for a log's header. */
  public List<String> summary() {
    List<String> out = new ArrayList<>();
    boolean rebased = windows.values().stream().anyMatch(w -> w.leftOutFirst() > 0);
    out.add(String.format("a consistent cut of %d nodes' traces: %,d events kept, %,d fetched events left out%s",
        windows.size(), events.size(), leftOut(),
        rebased ? "; each node's clock re-based to count from 1 at its first kept event" : ""));
    for (Window w : windows.values()) {
      StringBuilder s = new StringBuilder(String.format("%s: %,d events kept", w.node(), w.kept()));
      if (w.kept() > 0) {
        s.append(String.format(" (its events %,d to %,d)", w.first(), w.last()));
      }
      if (w.leftOutFirst() > 0) {
        s.append(String.format("; its first %,d left out (no longer held: dropped from its ring buffer or lost"
            + " in a restart; or before events another node no longer holds)", w.leftOutFirst()));
      }
      if (w.leftOutNewest() > 0) {
        s.append(String.format("; its newest %,d left out (after the cut: they name events missing from the"
            + " traces of nodes read before it)", w.leftOutNewest()));
      }
      if (w.beforeRestart() > 0) {
        s.append(String.format("; %,d events from before a restart left out", w.beforeRestart()));
      }
      out.add(s.toString());
    }
    for (NodeId n : absent) {
      out.add(n + ": no trace (it did not answer, or was not asked); its lane is absent and messages to or from it show"
          + " without their other end");
    }
    return out;
  }

  private static void upperCut(SortedMap<NodeId, Lane> lanes) {
    boolean moved = true;
    while (moved) {
      moved = false;
      for (Lane lane : lanes.values()) {
        while (lane.last >= lane.lo && !covered(lane.event(lane.last), lane.node, lanes)) {
          lane.last--;
          moved = true;
        }
      }
    }
  }

  /** Whether every event {@code e} names (of a fetched node) is at or below that node's upper cut. */
  private static boolean covered(StampedEvent e, NodeId own, SortedMap<NodeId, Lane> lanes) {
    for (Map.Entry<NodeId, Long> en : e.clock().entries().entrySet()) {
      Lane other = lanes.get(en.getKey());
      if (!en.getKey().equals(own) && other != null && en.getValue() > other.last) {
        return false;
      }
    }
    return true;
  }

  private static void lowerCut(SortedMap<NodeId, Lane> lanes) {
    boolean moved = true;
    while (moved) {
      moved = false;
      for (Lane lane : lanes.values()) {
        VectorClock horizon = lane.horizon();
        for (Lane other : lanes.values()) {
          long needed = Math.min(horizon.get(other.node) + 1, other.hi + 1);
          if (other != lane && needed > other.first) {
            other.first = needed;
            moved = true;
          }
        }
      }
    }
  }

  private static VectorClock rebase(VectorClock clock, SortedMap<NodeId, Lane> lanes) {
    SortedMap<NodeId, Long> out = new TreeMap<>();
    clock.entries().forEach((node, value) -> {
      Lane lane = lanes.get(node);
      if (lane != null && value >= lane.first) {
        out.put(node, value - (lane.first - 1));
      }
    });
    return VectorClock.of(out);
  }

  /** One node's fetched events and its cuts, in its own numbering. */
  private static final class Lane {
    final NodeId node;
    final long fetched;
    final List<StampedEvent> events; // the window: numbered lo, lo + 1, ..., hi
    final long lo;
    final long hi;
    final long beforeRestart;
    long first;
    long last;

    private Lane(NodeId node, long fetched, List<StampedEvent> events, long beforeRestart) {
      this.node = node;
      this.fetched = fetched;
      this.events = events;
      this.lo = events.isEmpty() ? 1 : events.get(0).clock().get(node);
      this.hi = lo + events.size() - 1;
      this.beforeRestart = beforeRestart;
      this.first = lo;
      this.last = hi;
    }

    static Lane of(NodeId node, List<StampedEvent> fetched) {
      List<StampedEvent> own = new ArrayList<>(fetched.stream().filter(e -> e.node().equals(node)).toList());
      own.sort(Comparator.comparingLong(e -> e.clock().get(node)));
      int start = own.size() - 1;
      while (start > 0 && own.get(start - 1).clock().get(node) == own.get(start).clock().get(node) - 1) {
        start--;
      }
      start = Math.max(start, 0);
      return new Lane(node, own.size(), List.copyOf(own.subList(start, own.size())), start);
    }

    StampedEvent event(long number) {
      return events.get((int) (number - lo));
    }

    /**
     * A bound on what the events before {@code first} know: the clock of event {@code first - 1}
     * if fetched; else, when the buffer lost it, that of the first event fetched.
     */
    VectorClock horizon() {
      if (first <= 1 || events.isEmpty()) {
        return VectorClock.EMPTY;
      }
      return event(Math.max(lo, Math.min(first - 1, hi))).clock();
    }
  }
}
