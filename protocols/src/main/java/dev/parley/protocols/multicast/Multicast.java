package dev.parley.protocols.multicast;

import dev.parley.protocols.core.Payload;

/**
 * The downcall every multicast protocol of this package accepts: multicast {@code payload} to the
 * group. Each node then raises {@link Delivered} to its listener when the protocol's order allows.
 */
public record Multicast(@Payload Object payload)
    implements BasicMulticast.Command,
        ReliableMulticast.Command,
        FifoMulticast.Command,
        CausalMulticast.Command,
        SequencerMulticast.Command,
        LamportMulticast.Command {}
