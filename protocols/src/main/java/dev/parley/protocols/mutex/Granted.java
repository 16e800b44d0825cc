package dev.parley.protocols.mutex;

import dev.parley.protocols.core.NodeId;

/**
 * Upcall: {@code node} enters the critical section.
 *
 * @param node the new holder
 * @param fencingToken a number that strictly increases from grant to grant, to show a guarded
 *     resource ({@link GuardedResource}) with every use so it can refuse an older holder's: the lock
 *     server's token, the token ring's hop count; 0 when the algorithm has none
 */
public record Granted(NodeId node, long fencingToken) implements MutexUpcall {}
