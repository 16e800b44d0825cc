package dev.parley.testkit.sim;

import dev.parley.protocols.core.NodeId;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Message counts of a simulation: what was sent, lost, delivered, duplicated, per message type
 * (class simple name) and per node, plus timers and steps. Counting is a few array increments per
 * event; the maps are built when asked.
 */
public final class SimStats {

  private final List<NodeId> nodes;
  private final long[] sentBy;
  private final long[] deliveredTo;
  private final Map<Class<?>, long[]> byType = new HashMap<>();
  private Class<?> lastType;
  private long[] lastCounts;
  long steps;
  long sent;
  long delivered;
  long lost;
  long droppedOnArrival;
  long duplicated;
  long corrupted;
  long localMessages;
  long timersFired;
  long clientRequests;
  long upcalls;

  SimStats(List<NodeId> nodes) {
    this.nodes = List.copyOf(nodes);
    this.sentBy = new long[nodes.size()];
    this.deliveredTo = new long[nodes.size()];
  }

  void sent(int from, Object message) {
    sent++;
    sentBy[from]++;
    counts(message)[0]++;
  }

  void delivered(int to, Object message) {
    delivered++;
    deliveredTo[to]++;
    counts(message)[1]++;
  }

  private long[] counts(Object message) {
    Class<?> type = message.getClass();
    if (type != lastType) {
      long[] c = byType.get(type);
      if (c == null) {
        c = new long[2];
        byType.put(type, c);
      }
      lastType = type;
      lastCounts = c;
    }
    return lastCounts;
  }

  /** Events the simulation took. */
  public long steps() {
    return steps;
  }

  /** Messages nodes sent over links (each copy the network made counts once, as one send). */
  public long sent() {
    return sent;
  }

  /** Messages that arrived at a live node and were handled. */
  public long delivered() {
    return delivered;
  }

  /** Messages the links lost (drop, partition, garbled). */
  public long lost() {
    return lost;
  }

  /** Messages that arrived at a crashed node or over a link cut while they were in flight. */
  public long droppedOnArrival() {
    return droppedOnArrival;
  }

  /** Extra copies the links made. */
  public long duplicated() {
    return duplicated;
  }

  /** Copies the links garbled and delivered (Corruptible messages). */
  public long corrupted() {
    return corrupted;
  }

  public long localMessages() {
    return localMessages;
  }

  public long timersFired() {
    return timersFired;
  }

  public long clientRequests() {
    return clientRequests;
  }

  public long upcalls() {
    return upcalls;
  }

  /** Messages sent, per message type (class simple name), by name. */
  public Map<String, Long> sentByType() {
    return byType(0);
  }

  /** Messages delivered, per message type (class simple name), by name. */
  public Map<String, Long> deliveredByType() {
    return byType(1);
  }

  /** Messages sent by each node, in node order. */
  public Map<NodeId, Long> sentByNode() {
    return byNode(sentBy);
  }

  /** Messages delivered to each node, in node order. */
  public Map<NodeId, Long> deliveredByNode() {
    return byNode(deliveredTo);
  }

  private Map<String, Long> byType(int column) {
    TreeMap<String, Long> out = new TreeMap<>();
    byType.forEach(
        (type, c) -> {
          if (c[column] > 0) {
            out.merge(type.getSimpleName(), c[column], Long::sum);
          }
        });
    return Collections.unmodifiableMap(out);
  }

  private Map<NodeId, Long> byNode(long[] counts) {
    Map<NodeId, Long> out = new LinkedHashMap<>();
    for (int i = 0; i < nodes.size(); i++) {
      out.put(nodes.get(i), counts[i]);
    }
    return Collections.unmodifiableMap(out);
  }

  @Override
  public String toString() {
    return "steps="
        + steps
        + " sent="
        + sent
        + " delivered="
        + delivered
        + " lost="
        + lost
        + " droppedOnArrival="
        + droppedOnArrival
        + " duplicated="
        + duplicated
        + " corrupted="
        + corrupted
        + " local="
        + localMessages
        + " timers="
        + timersFired
        + " client="
        + clientRequests
        + " upcalls="
        + upcalls
        + " sentByType="
        + sentByType()
        + " sentByNode="
        + sentByNode();
  }
}
