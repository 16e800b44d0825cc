package dev.parley.protocols.multicast;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import dev.parley.protocols.core.DeliveredSet;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Payload;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Total-order multicast through a sequencer.
 *
 * <p>Model: closed group, reliable links (they may delay, reorder, duplicate), a sequencer that
 * does not crash (the lowest node id unless given). A sender submits its message to the sequencer,
 * which numbers every message it receives 1, 2, 3, ... and multicasts it with its number; every
 * member delivers in number order, holding back gaps. Guarantees: every member delivers the same
 * messages in the same order (total order), each once; a sender's messages keep their order when
 * its submissions do (FIFO links). Cost: N messages per multicast (1 to the sequencer, N-1 from it).
 */
public final class SequencerMulticast extends AbstractBehavior<SequencerMulticast.Command> {

  public sealed interface Command extends WireMessage permits Multicast, Submit, Ordered {}

  /**
   * Downcall: multicast {@code payload} to the group; each node raises {@link Delivered} to its
   * listener when this protocol's order allows.
   */
  public record Multicast(@Payload Object payload) implements Command {}

  /** How the multicast family drives this protocol ({@link MulticastProtocol}). */
  public static final MulticastProtocol<Command> MULTICAST = Multicast::new;

  /** A sender hands message {@code id} to the sequencer. */
  public record Submit(MessageId id, @Payload Object payload) implements Command {}

  /** The sequencer's {@code order}-th message. */
  public record Ordered(long order, MessageId id, @Payload Object payload) implements Command {}

  private final Peers<Command> peers;
  private final NodeId sequencer;
  private final ActorRef<Delivered> listener;
  private final TreeMap<Long, Ordered> holdBack = new TreeMap<>();
  private final Map<NodeId, DeliveredSet> submitted = new HashMap<>();
  private long sent;
  private long lastOrder;
  private long nextToDeliver = 1;

  /** The group's sequencer is its lowest node id. */
  public static Behavior<Command> create(Peers<Command> peers, ActorRef<Delivered> listener) {
    return create(peers, peers.members().first(), listener);
  }

  public static Behavior<Command> create(
      Peers<Command> peers, NodeId sequencer, ActorRef<Delivered> listener) {
    if (!peers.contains(sequencer)) {
      throw new IllegalArgumentException(
          "sequencer " + sequencer + " is not a member of " + peers.members());
    }
    return Behaviors.setup(ctx -> new SequencerMulticast(ctx, peers, sequencer, listener));
  }

  private SequencerMulticast(
      ActorContext<Command> ctx,
      Peers<Command> peers,
      NodeId sequencer,
      ActorRef<Delivered> listener) {
    super(ctx);
    this.peers = peers;
    this.sequencer = sequencer;
    this.listener = listener;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Multicast.class, this::onMulticast)
        .onMessage(Submit.class, this::onSubmit)
        .onMessage(Ordered.class, this::onOrdered)
        .build();
  }

  private boolean isSequencer() {
    return peers.self().equals(sequencer);
  }

  private Behavior<Command> onMulticast(Multicast m) {
    Submit submit = new Submit(new MessageId(peers.self(), ++sent), m.payload());
    if (isSequencer()) {
      onSubmit(submit);
    } else {
      peers.tell(sequencer, submit);
    }
    return this;
  }

  private Behavior<Command> onSubmit(Submit s) {
    if (!isSequencer()) {
      getContext().getLog().warn("{} is not the sequencer but got submission {}", peers.self(), s.id());
      return this;
    }
    if (submitted.computeIfAbsent(s.id().origin(), o -> new DeliveredSet()).add(s.id().seq())) {
      Ordered ordered = new Ordered(++lastOrder, s.id(), s.payload());
      peers.tellOthers(ordered);
      onOrdered(ordered);
    }
    return this;
  }

  private Behavior<Command> onOrdered(Ordered o) {
    if (o.order() >= nextToDeliver) {
      holdBack.putIfAbsent(o.order(), o);
    }
    while (!holdBack.isEmpty() && holdBack.firstKey() == nextToDeliver) {
      Ordered next = holdBack.pollFirstEntry().getValue();
      listener.tell(new Delivered(next.id(), next.payload()));
      nextToDeliver++;
    }
    return this;
  }
}
