package dev.parley.testkit.multicast;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;
import dev.parley.protocols.multicast.Delivered;
import dev.parley.protocols.multicast.MulticastProtocol;
import dev.parley.testkit.group.LocalGroup;
import java.util.function.BiFunction;

/**
 * A workload that makes causality: an application on top of any member of the multicast family
 * that answers a {@link Hop} addressed to it by multicasting the next hop to its ring successor,
 * with the downcall the protocol's {@link MulticastProtocol} makes. A chain of hops
 * is a chain of happened-before, so a protocol that lets a member deliver a reply before the
 * message it answers is caught by the causal check.
 */
final class Conversation {

  private Conversation() {}

  /** A message of a chain: {@code left} more replies to come, the next one from {@code next}. */
  record Hop(String chain, int left, NodeId next) implements WireMessage {}

  /**
   * The protocol made by {@code protocol}, with the conversation application on top: every delivery
   * goes to {@code upcalls}, and hops addressed to this node are answered with {@code multicast}.
   */
  static <C> Behavior<C> on(
      Peers<C> peers,
      ActorRef<Object> upcalls,
      BiFunction<Peers<C>, ActorRef<Delivered>, Behavior<C>> protocol,
      MulticastProtocol<? extends C> multicast) {
    return Behaviors.setup(
        ctx -> {
          ActorRef<Delivered> app = ctx.spawn(
              replier(peers.self(), peers.successor(), ctx.getSelf(), multicast, upcalls), "conversation");
          return protocol.apply(peers, app);
        });
  }

  /** A group factory: {@code protocol} on every node, the conversation on top. */
  static <C> LocalGroup.Factory<C> over(
      BiFunction<Peers<C>, ActorRef<Delivered>, Behavior<C>> protocol, MulticastProtocol<? extends C> multicast) {
    return (peers, env, upcalls) -> on(peers, upcalls, protocol, multicast);
  }

  private static <C> Behavior<Delivered> replier(NodeId self, NodeId successor, ActorRef<C> protocol,
      MulticastProtocol<? extends C> multicast, ActorRef<Object> upcalls) {
    return Behaviors.receive(Delivered.class)
        .onMessage(
            Delivered.class,
            d -> {
              upcalls.tell(d);
              if (d.payload() instanceof Hop hop
                  && hop.left() > 0
                  && hop.next().equals(self)
                  && !d.id().origin().equals(self)) {
                protocol.tell(multicast.multicast(new Hop(hop.chain(), hop.left() - 1, successor)));
              }
              return Behaviors.same();
            })
        .build();
  }
}
