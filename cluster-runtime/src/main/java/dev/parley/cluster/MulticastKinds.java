package dev.parley.cluster;

import akka.actor.typed.Behavior;
import dev.parley.protocols.multicast.BasicMulticast;
import dev.parley.protocols.multicast.CausalMulticast;
import dev.parley.protocols.multicast.FifoMulticast;
import dev.parley.protocols.multicast.LamportMulticast;
import dev.parley.protocols.multicast.MulticastProtocol;
import dev.parley.protocols.multicast.ReliableMulticast;
import dev.parley.protocols.multicast.SequencerMulticast;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Parley's multicasts ({@code protocols/multicast}) as kinds: none has settings. {@link #of} makes
 * the kind of a multicast of one's own, for one's own {@link KindProvider}.
 */
public final class MulticastKinds implements KindProvider {

  /**
   * The kind {@code name} of a member of the multicast family: {@code factory} makes the instance
   * on a node (it reports {@code Delivered} to {@code context.upcalls()}), {@code multicast} makes
   * its multicast downcall for {@code POST /protocols/<instance>/multicast}.
   */
  public static ProtocolKind of(String name, String description, Function<KindContext, Behavior<?>> factory,
      MulticastProtocol<?> multicast) {
    Objects.requireNonNull(multicast, () -> "the kind " + name + " needs its multicast's MulticastProtocol (how "
        + "to make its multicast downcall), such as CausalMulticast.MULTICAST");
    return new MulticastKind(Objects.requireNonNull(name, "name"), Objects.requireNonNull(description, "description"),
        Objects.requireNonNull(factory, "factory"), multicast);
  }

  @Override
  public List<ProtocolKind> kinds() {
    return List.of(
        of("basic-multicast", "best-effort multicast: N-1 messages, no order",
            ctx -> BasicMulticast.create(ctx.typedPeers(), ctx.upcalls().narrow()), BasicMulticast.MULTICAST),
        of("reliable-multicast", "eager reliable multicast: agreement despite a crashed sender",
            ctx -> ReliableMulticast.create(ctx.typedPeers(), ctx.upcalls().narrow()), ReliableMulticast.MULTICAST),
        of("fifo-multicast", "FIFO multicast: each sender's order kept",
            ctx -> FifoMulticast.create(ctx.typedPeers(), ctx.upcalls().narrow()), FifoMulticast.MULTICAST),
        of("causal-multicast", "causal multicast with vector clocks",
            ctx -> CausalMulticast.create(ctx.typedPeers(), ctx.upcalls().narrow()), CausalMulticast.MULTICAST),
        of("sequencer-multicast", "total-order multicast through a sequencer",
            ctx -> SequencerMulticast.create(ctx.typedPeers(), ctx.upcalls().narrow()), SequencerMulticast.MULTICAST),
        of("lamport-multicast", "total-order multicast with Lamport clocks (needs FIFO links)",
            ctx -> LamportMulticast.create(ctx.typedPeers(), ctx.upcalls().narrow()), LamportMulticast.MULTICAST));
  }
}
