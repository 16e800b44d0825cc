package dev.parley.protocols.election;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.WireMessage;

/**
 * The upcall every election of this package raises: {@code node} now takes {@code leader} to be the
 * leader, chosen in {@code epoch} (a bully or ring election number, a ZooKeeper epoch, a Raft term).
 * Raised once per change of belief, by the leader about itself too. One election checker serves
 * every algorithm.
 */
public record LeaderElected(NodeId node, NodeId leader, long epoch) implements WireMessage {}
