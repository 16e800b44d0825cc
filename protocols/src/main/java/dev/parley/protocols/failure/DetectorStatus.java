package dev.parley.protocols.failure;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.WireMessage;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/** What a failure detector believes now: the peers {@code node} suspects, in id order. */
public record DetectorStatus(NodeId node, SortedSet<NodeId> suspects) implements WireMessage {

  public DetectorStatus {
    suspects = Collections.unmodifiableSortedSet(new TreeSet<>(suspects));
  }
}
