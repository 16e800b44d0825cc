package dev.parley.protocols.mutex;

import dev.parley.protocols.core.NodeId;

/**
 * Upcall: {@code node}'s lease ended before it released, so it no longer holds the critical section
 * ({@link Released} follows). Whatever it still does with the resource must carry {@code
 * fencingToken}, which a {@link GuardedResource} now refuses once a newer holder has used it.
 */
public record LeaseExpired(NodeId node, long fencingToken) implements MutexUpcall {}
