package dev.parley.protocols.core;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.StashBuffer;

/**
 * Hosts one protocol instance on one node: the stable address peers send to, while the instance
 * behind it starts, crashes and restarts.
 *
 * <p>It waits for the group's {@link Start} (stashing early traffic), then starts the instance from
 * the {@link ProtocolFactory} and forwards every message to it. {@link Crash} stops the instance:
 * its memory is gone and traffic is dropped, as for a crashed process (crash-stop). {@link Restart}
 * starts a fresh instance from the factory; an {@code EventSourcedBehavior} then recovers what it had
 * persisted (crash-recovery). This solves the chicken-and-egg of closed groups, where links need the
 * far end's reference and the protocol needs its links.
 */
public final class NodeHost {

  private NodeHost() {}

  /** How a host makes its protocol instance, given the group and the node's environment. */
  @FunctionalInterface
  public interface ProtocolFactory<C> {
    Behavior<C> create(Peers<C> peers, NodeEnv env);
  }

  /** What a host is told by whoever runs the group. */
  public sealed interface Control {}

  /** The group is complete: start the instance with this view of it. */
  public record Start(Peers<?> peers) implements Control {}

  /** Stop the instance, losing its memory; drop traffic until {@link Restart}. */
  public record Crash() implements Control {}

  /** Start a fresh instance after a {@link Crash}. */
  public record Restart() implements Control {}

  /** A host for the instance {@code factory} makes, on the node of {@code env}. */
  public static <C> Behavior<Object> create(NodeEnv env, ProtocolFactory<C> factory) {
    return Behaviors.withStash(
        100_000, stash -> Behaviors.setup(ctx -> awaitingStart(ctx, stash, env, factory)));
  }

  private static <C> Behavior<Object> awaitingStart(
      ActorContext<Object> ctx, StashBuffer<Object> stash, NodeEnv env, ProtocolFactory<C> factory) {
    return Behaviors.receive(Object.class)
        .onMessage(
            Start.class,
            start -> {
              @SuppressWarnings("unchecked")
              Peers<C> peers = (Peers<C>) start.peers();
              return stash.unstashAll(running(ctx, env, factory, peers, 1));
            })
        .onMessage(Control.class, c -> Behaviors.same())
        .onAnyMessage(
            m -> {
              stash.stash(m);
              return Behaviors.same();
            })
        .build();
  }

  private static <C> Behavior<Object> running(
      ActorContext<Object> ctx, NodeEnv env, ProtocolFactory<C> factory, Peers<C> peers, int incarnation) {
    ActorRef<C> instance = ctx.spawn(factory.create(peers, env), "incarnation-" + incarnation);
    return Behaviors.receive(Object.class)
        .onMessage(
            Crash.class,
            c -> {
              ctx.getLog().info("{} crashes (incarnation {})", env.node(), incarnation);
              ctx.stop(instance);
              return crashed(ctx, env, factory, peers, incarnation);
            })
        .onMessage(Control.class, c -> Behaviors.same())
        .onAnyMessage(
            m -> {
              @SuppressWarnings("unchecked")
              C command = (C) m;
              instance.tell(command);
              return Behaviors.same();
            })
        .build();
  }

  private static <C> Behavior<Object> crashed(
      ActorContext<Object> ctx, NodeEnv env, ProtocolFactory<C> factory, Peers<C> peers, int incarnation) {
    return Behaviors.receive(Object.class)
        .onMessage(
            Restart.class,
            r -> {
              ctx.getLog().info("{} restarts (incarnation {})", env.node(), incarnation + 1);
              return running(ctx, env, factory, peers, incarnation + 1);
            })
        .onAnyMessage(m -> Behaviors.same())
        .build();
  }
}
