package dev.parley.protocols.clock;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.WireMessage;
import java.util.Comparator;

/**
 * A Lamport time paired with the node that stamped it: the total order (C, node id) that
 * Ricart-Agrawala, Lamport's mutex and total-order multicast use to break ties the same way on
 * every node.
 */
public record LamportTimestamp(long time, NodeId node)
    implements Comparable<LamportTimestamp>, WireMessage {

  private static final Comparator<LamportTimestamp> ORDER =
      Comparator.comparingLong(LamportTimestamp::time).thenComparing(LamportTimestamp::node);

  @Override
  public int compareTo(LamportTimestamp o) {
    return ORDER.compare(this, o);
  }

  public boolean before(LamportTimestamp o) {
    return compareTo(o) < 0;
  }

  @Override
  public String toString() {
    return time + "@" + node;
  }
}
