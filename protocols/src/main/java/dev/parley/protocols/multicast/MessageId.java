package dev.parley.protocols.multicast;

import dev.parley.protocols.core.NodeId;

/** A multicast message's identity: its origin and the origin's count of its multicasts (1, 2, ...). */
public record MessageId(NodeId origin, long seq) implements Comparable<MessageId> {

  @Override
  public int compareTo(MessageId o) {
    int c = origin.compareTo(o.origin);
    return c != 0 ? c : Long.compare(seq, o.seq);
  }

  @Override
  public String toString() {
    return origin + "#" + seq;
  }
}
