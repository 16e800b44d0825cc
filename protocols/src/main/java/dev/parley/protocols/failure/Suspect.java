package dev.parley.protocols.failure;

import dev.parley.protocols.core.NodeId;

/** Upcall: {@code node}'s detector now suspects that {@code suspect} has crashed. */
public record Suspect(NodeId node, NodeId suspect) implements FailureDetectorEvent {}
