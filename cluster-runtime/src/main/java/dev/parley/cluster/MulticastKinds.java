package dev.parley.cluster;

import dev.parley.protocols.multicast.BasicMulticast;
import dev.parley.protocols.multicast.CausalMulticast;
import dev.parley.protocols.multicast.FifoMulticast;
import dev.parley.protocols.multicast.LamportMulticast;
import dev.parley.protocols.multicast.ReliableMulticast;
import dev.parley.protocols.multicast.SequencerMulticast;
import java.util.List;

/** Parley's multicasts ({@code protocols/multicast}) as kinds: none has settings. */
public final class MulticastKinds implements KindProvider {

  @Override
  public List<ProtocolKind> kinds() {
    return List.of(
        new MulticastKind("basic-multicast", "best-effort multicast: N-1 messages, no order",
            ctx -> BasicMulticast.create(ctx.typedPeers(), ctx.upcalls().narrow())),
        new MulticastKind("reliable-multicast", "eager reliable multicast: agreement despite a crashed sender",
            ctx -> ReliableMulticast.create(ctx.typedPeers(), ctx.upcalls().narrow())),
        new MulticastKind("fifo-multicast", "FIFO multicast: each sender's order kept",
            ctx -> FifoMulticast.create(ctx.typedPeers(), ctx.upcalls().narrow())),
        new MulticastKind("causal-multicast", "causal multicast with vector clocks",
            ctx -> CausalMulticast.create(ctx.typedPeers(), ctx.upcalls().narrow())),
        new MulticastKind("sequencer-multicast", "total-order multicast through a sequencer",
            ctx -> SequencerMulticast.create(ctx.typedPeers(), ctx.upcalls().narrow())),
        new MulticastKind("lamport-multicast", "total-order multicast with Lamport clocks (needs FIFO links)",
            ctx -> LamportMulticast.create(ctx.typedPeers(), ctx.upcalls().narrow())));
  }
}
