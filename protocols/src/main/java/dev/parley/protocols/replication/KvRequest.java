package dev.parley.protocols.replication;

import dev.parley.protocols.core.WireMessage;

/**
 * The replicated key-value interface every algorithm of this package offers, as downcalls ({@link
 * Put}, {@link Get}, {@link Cas}); each is answered by a {@link KvReply} upcall carrying its {@link
 * RequestId}, at the node the request was given to. One workload, one nemesis and one
 * linearizability checker serve every algorithm.
 */
public interface KvRequest extends WireMessage {

  RequestId id();

  String key();
}
