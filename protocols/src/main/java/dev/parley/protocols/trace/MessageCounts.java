package dev.parley.protocols.trace;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.trace.StampedEvent.Kind;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * How many messages a run sent, by message type and by sending node: what a protocol costs, to set
 * beside the catalogue's figures (for example 2(N-1) per critical-section entry).
 *
 * @param byType sends per message type
 * @param byNode sends per sending node
 * @param total every send
 */
public record MessageCounts(SortedMap<String, Long> byType, SortedMap<NodeId, Long> byNode, long total) {

  public static MessageCounts of(List<StampedEvent> events) {
    SortedMap<String, Long> byType = new TreeMap<>();
    SortedMap<NodeId, Long> byNode = new TreeMap<>();
    long total = 0;
    for (StampedEvent e : events) {
      if (e.kind() == Kind.SEND) {
        byType.merge(e.type(), 1L, Long::sum);
        byNode.merge(e.node(), 1L, Long::sum);
        total++;
      }
    }
    return new MessageCounts(byType, byNode, total);
  }

  /** Messages per operation, for {@code operations} completed operations. */
  public double perOperation(long operations) {
    return operations == 0 ? 0 : (double) total / operations;
  }

  /** A small table a person reads at the end of a scenario. */
  public String table() {
    StringBuilder s = new StringBuilder("messages by type:\n");
    byType.forEach((t, n) -> s.append(String.format("  %-28s %,10d%n", t, n)));
    s.append("messages by sender:\n");
    byNode.forEach((node, n) -> s.append(String.format("  %-28s %,10d%n", node, n)));
    return s.append(String.format("  %-28s %,10d%n", "total", total)).toString();
  }
}
