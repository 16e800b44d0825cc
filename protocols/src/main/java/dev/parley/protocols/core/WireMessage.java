package dev.parley.protocols.core;

/**
 * Marker for every message that may cross a node boundary.
 *
 * <p>It is bound to Akka's Jackson CBOR serializer ({@code akka.actor.serialization-bindings} in this
 * module's {@code reference.conf} and in the node's {@code application.conf}), so a protocol's wire
 * messages travel between JVMs without Java serialization. A protocol's {@code Command} interface
 * extends it when its messages go to peers; commands that only a local client sends need it too when
 * they are journaled or tested with the persistence testkit. Values that may travel on their own, as
 * a message or as a {@link Payload} ({@link NodeId}, the clocks, fault plans, nemesis commands),
 * implement it too.
 */
public interface WireMessage {}
