package dev.parley.testkit.sim;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeHost;
import dev.parley.protocols.core.Peers;

/**
 * How a simulation makes one node's protocol instance: the production factory's arguments plus the
 * reference the instance reports its upcalls to. Called once per node at the start and again at
 * every restart. For a protocol whose listener has a narrower type, {@code upcalls.narrow()}:
 *
 * <pre>{@code
 * SimProtocol<CausalMulticast.Command> causal =
 *     (peers, env, upcalls) -> CausalMulticast.create(peers, upcalls.narrow());
 * }</pre>
 *
 * <p>If it returns a {@code javadsl.EventSourcedBehavior} itself (not wrapped in {@code
 * Behaviors.setup} or {@code withTimers}), the node is hosted through Akka's {@code
 * UnpersistentBehavior} and keeps its persisted events and snapshots across crashes.
 *
 * @param <C> the protocol's message type
 */
@FunctionalInterface
public interface SimProtocol<C> {

  Behavior<C> create(Peers<C> peers, NodeEnv env, ActorRef<Object> upcalls);

  /** A production factory that takes no listener (its upcalls, if any, are wired otherwise). */
  static <C> SimProtocol<C> of(NodeHost.ProtocolFactory<C> factory) {
    return (peers, env, upcalls) -> factory.create(peers, env);
  }
}
