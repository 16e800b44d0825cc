package dev.parley.protocols.replication;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.WireMessage;
import dev.parley.protocols.election.Role;

/**
 * A Raft key-value node's live state, for a status page ({@link RaftStatus} and the size of its store).
 *
 * @param node the node
 * @param role leader, follower (of a leader it knows) or electing
 * @param term its current term
 * @param votedFor whom it voted for in that term (null: nobody yet)
 * @param leader the leader it knows in that term (null: none)
 * @param commitIndex the highest log index it knows committed
 * @param lastApplied the highest log index applied to its store
 * @param firstIndex the first index its log keeps (the rest is in its snapshot)
 * @param lastIndex the index of its last entry
 * @param lastTerm the term of its last entry (what a vote compares)
 * @param snapshotIndex the last index its snapshot includes (0: none)
 * @param keys how many keys its store holds (for the partitioned log: how many partition logs)
 */
public record RaftKvStatus(NodeId node, Role role, long term, NodeId votedFor, NodeId leader, long commitIndex,
    long lastApplied, long firstIndex, long lastIndex, long lastTerm, long snapshotIndex, int keys) implements WireMessage {}
