package dev.parley.protocols.mutex;

import dev.parley.protocols.core.NodeId;

/**
 * Upcall: {@code node} has left the critical section, because it released it or because its lease
 * ended ({@link LeaseExpired} comes first then).
 */
public record Released(NodeId node) implements MutexUpcall {}
