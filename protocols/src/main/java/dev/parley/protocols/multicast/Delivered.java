package dev.parley.protocols.multicast;

import dev.parley.protocols.core.Payload;
import dev.parley.protocols.core.WireMessage;

/**
 * The upcall every multicast protocol of this package raises: message {@code id} is delivered at
 * this node. One delivery-order checker serves them all.
 */
public record Delivered(MessageId id, @Payload Object payload) implements WireMessage {}
