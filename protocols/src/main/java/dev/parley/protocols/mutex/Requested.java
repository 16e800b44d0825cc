package dev.parley.protocols.mutex;

import dev.parley.protocols.core.NodeId;

/**
 * Upcall: {@code node} asked for the critical section. Raised by the requester itself, except for
 * the lock server, which raises it when it queues the request (the arbiter's time is what FIFO is
 * judged by).
 *
 * @param node the requester
 * @param priority the order the algorithm promises to serve requests in, lower first, ties broken by
 *     node id: the request's Lamport time (Ricart-Agrawala, Lamport, Maekawa), the lock server's
 *     arrival number; 0 where no order of entry is promised (token ring, voting)
 */
public record Requested(NodeId node, long priority) implements MutexUpcall {}
