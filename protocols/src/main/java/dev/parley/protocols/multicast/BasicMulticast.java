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
 * Best-effort (basic) multicast: send the message to every other member, deliver it at once.
 *
 * <p>Model: closed group, crash-stop nodes, links that may delay, reorder and duplicate.
 * Guarantees: if the sender does not crash and the links are reliable, every member delivers the
 * message (validity); no message is delivered twice (copies are filtered) or made up. No order, and
 * no agreement when the sender crashes mid-send: that is {@link ReliableMulticast}. Cost: N-1
 * messages.
 */
public final class BasicMulticast extends AbstractBehavior<BasicMulticast.Command> {

  public sealed interface Command extends WireMessage permits Multicast, Data {}

  /**
   * Downcall: multicast {@code payload} to the group; each node raises {@link Delivered} to its
   * listener when this protocol's order allows.
   */
  public record Multicast(@Payload Object payload) implements Command {}

  /** How the multicast family drives this protocol ({@link MulticastProtocol}). */
  public static final MulticastProtocol<Command> MULTICAST = Multicast::new;

  /** The message {@code id} on its way from its origin. */
  public record Data(MessageId id, @Payload Object payload) implements Command {}

  private final Peers<Command> peers;
  private final ActorRef<Delivered> listener;
  private final Map<NodeId, DeliveredSet> delivered = new HashMap<>();
  private long sent;

  public static Behavior<Command> create(Peers<Command> peers, ActorRef<Delivered> listener) {
    return Behaviors.setup(ctx -> new BasicMulticast(ctx, peers, listener));
  }

  private BasicMulticast(
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
    peers.tellOthers(data);
    deliver(data);
    return this;
  }

  private Behavior<Command> onData(Data d) {
    deliver(d);
    return this;
  }

  private void deliver(Data d) {
    if (delivered.computeIfAbsent(d.id().origin(), o -> new DeliveredSet()).add(d.id().seq())) {
      listener.tell(new Delivered(d.id(), d.payload()));
    }
  }
}
