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
 * <p><b>Event-sourced nodes.</b> If it returns a {@code javadsl.EventSourcedBehavior} itself, the
 * node is hosted through Akka's {@code UnpersistentBehavior}: events and snapshots are "persisted"
 * synchronously into the node's journal in the simulation, which survives crashes. A restart starts
 * the new instance with {@code UnpersistentBehavior.fromEventSourced(behavior, state, seqNr)}, where
 * the state is the latest snapshot folded with the events after it through the behavior's own
 * {@code emptyState()} and {@code eventHandler()} (public methods of every Java event-sourced
 * behavior). Limits: the behavior must not be wrapped ({@code Behaviors.setup}, {@code withTimers}:
 * that is rejected with an explanation, give it its context or timers another way); persisting never
 * fails or stalls; event and snapshot adapters, tags, retention (deleting events) and recovery
 * settings ({@code Recovery.disabled}, snapshot selection) are not applied; recovery replays through
 * the event handler as Akka does, so an event handler with side effects repeats them.
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
