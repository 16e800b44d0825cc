package dev.parley.protocols.replication;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.WireMessage;
import dev.parley.protocols.election.Role;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A Raft replica's live state, for a status page.
 *
 * @param node the node
 * @param role leader, follower (of a leader it knows) or electing
 * @param term its current term
 * @param votedFor whom it voted for in that term (null: nobody yet)
 * @param leader the leader it knows in that term (null: none)
 * @param commitIndex the highest log index it knows committed
 * @param lastApplied the highest log index applied to its state machine
 * @param firstIndex the first index its log keeps (the rest is in its snapshot)
 * @param lastIndex the index of its last entry
 * @param lastTerm the term of its last entry (what a vote compares)
 * @param snapshotIndex the last index its snapshot includes (0: none)
 * @param silent for a leader, the followers it has not heard from within the longest election timeout
 */
public record RaftStatus(NodeId node, Role role, long term, NodeId votedFor, NodeId leader, long commitIndex,
    long lastApplied, long firstIndex, long lastIndex, long lastTerm, long snapshotIndex, SortedSet<NodeId> silent)
    implements WireMessage {

  public RaftStatus {
    silent = Collections.unmodifiableSortedSet(new TreeSet<>(silent));
  }
}
