package dev.parley.testkit.sim;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import dev.parley.protocols.core.DeliveredSet;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.multicast.Delivered;
import dev.parley.protocols.multicast.MessageId;
import java.util.HashMap;
import java.util.Map;

/**
 * A deliberately broken "causal" multicast for the tests: it filters copies but delivers every
 * message on first receipt, with no hold-back queue. Correct while links keep order and nobody
 * replies to what they deliver; under reordering a reply can overtake its cause. The simulation and
 * the exploration must both catch it.
 */
final class NoHoldBackMulticast extends AbstractBehavior<NoHoldBackMulticast.Command> {

  sealed interface Command permits Send, Data {}

  /** The downcall: multicast {@code payload}. */
  record Send(String payload) implements Command {}

  record Data(MessageId id, String payload) implements Command {}

  private final Peers<Command> peers;
  private final ActorRef<Delivered> listener;
  private final Map<NodeId, DeliveredSet> seen = new HashMap<>();
  private long sent;

  static Behavior<Command> create(Peers<Command> peers, ActorRef<Delivered> listener) {
    return Behaviors.setup(ctx -> new NoHoldBackMulticast(ctx, peers, listener));
  }

  private NoHoldBackMulticast(
      ActorContext<Command> ctx, Peers<Command> peers, ActorRef<Delivered> listener) {
    super(ctx);
    this.peers = peers;
    this.listener = listener;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Send.class, this::onSend)
        .onMessage(Data.class, this::onData)
        .build();
  }

  private Behavior<Command> onSend(Send s) {
    Data d = new Data(new MessageId(peers.self(), ++sent), s.payload());
    peers.tellOthers(d);
    onData(d);
    return this;
  }

  private Behavior<Command> onData(Data d) {
    if (seen.computeIfAbsent(d.id().origin(), o -> new DeliveredSet()).add(d.id().seq())) {
      listener.tell(new Delivered(d.id(), d.payload()));
    }
    return this;
  }
}
