package dev.parley.protocols.election;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.WireMessage;
import java.util.Collections;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A node's election state, for a status page: its role, the leader it follows (null while it knows
 * none), the epoch or term, and the peers it currently believes down.
 */
public record ElectionStatus(NodeId node, Role role, NodeId leader, long epoch, SortedSet<NodeId> suspects)
    implements WireMessage {

  public ElectionStatus {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(role, "role");
    suspects = Collections.unmodifiableSortedSet(new TreeSet<>(suspects));
  }

  public Optional<NodeId> knownLeader() {
    return Optional.ofNullable(leader);
  }
}
