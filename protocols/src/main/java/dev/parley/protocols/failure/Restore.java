package dev.parley.protocols.failure;

import dev.parley.protocols.core.NodeId;

/** Upcall: {@code node}'s detector heard from {@code peer} again and no longer suspects it. */
public record Restore(NodeId node, NodeId peer) implements FailureDetectorEvent {}
