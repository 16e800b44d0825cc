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

/**
 * Reliable multicast by eager relay: on first receipt, relay the message to every other member
 * before delivering it.
 *
 * <p>Model: closed group, crash-stop nodes, reliable links (they may delay, reorder, duplicate).
 * Guarantees: validity, no duplication, no creation, and agreement: if any correct member delivers
 * a message, every correct member does, even when the sender crashes after reaching only one
 * member. No order. Cost: up to (N-1)^2 messages per multicast (N-1 from the origin, N-2 relays
 * from each other member).
 */
public final class ReliableMulticast extends AbstractBehavior<ReliableMulticast.Command> {

  public sealed interface Command extends WireMessage permits Multicast, Data {}

  /**
   * Downcall: multicast {@code payload} to the group; each node raises {@link Delivered} to its
   * listener when this protocol's order allows.
   */
  public record Multicast(@Payload Object payload) implements Command {}

  /** How the multicast family drives this protocol ({@link MulticastProtocol}). */
  public static final MulticastProtocol<Command> MULTICAST = Multicast::new;

  /** The message {@code id}, sent by its origin or relayed. */
  public record Data(MessageId id, @Payload Object payload) implements Command {}

  private final Peers<Command> peers;
  private final ActorRef<Delivered> listener;
  private final Map<NodeId, DeliveredSet> delivered = new HashMap<>();
  private long sent;

  public static Behavior<Command> create(Peers<Command> peers, ActorRef<Delivered> listener) {
    return Behaviors.setup(ctx -> new ReliableMulticast(ctx, peers, listener));
  }

  private ReliableMulticast(
      ActorContext<Command> ctx, Peers<Command> peers, ActorRef<Delivered> listener) {
    super(ctx);
    this.peers = peers;
    this.listener = listener;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Multicast.class, this::onMulticast)
        .onMessage(Data.class, this::onData)
        .build();
  }

  private Behavior<Command> onMulticast(Multicast m) {
    Data data = new Data(new MessageId(peers.self(), ++sent), m.payload());
    firstReceipt(data);
    peers.tellOthers(data);
    listener.tell(new Delivered(data.id(), data.payload()));
    return this;
  }

  private Behavior<Command> onData(Data d) {
    if (firstReceipt(d)) {
      for (NodeId other : peers.others()) {
        if (!other.equals(d.id().origin())) {
          peers.tell(other, d);
        }
      }
      listener.tell(new Delivered(d.id(), d.payload()));
    }
    return this;
  }

  private boolean firstReceipt(Data d) {
    return delivered.computeIfAbsent(d.id().origin(), o -> new DeliveredSet()).add(d.id().seq());
  }
}
