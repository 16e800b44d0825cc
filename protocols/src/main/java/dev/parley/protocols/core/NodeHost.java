package dev.parley.protocols.core;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.ChildFailed;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.StashBuffer;
import java.time.Duration;

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
 *
 * <p>An instance that fails (an exception stops it: for a durable protocol, a journal write that
 * failed, e.g. on a full disk) is restarted by the host as a fresh instance after {@link
 * RestartBackoff}'s delay, traffic dropped meanwhile: it recovers from its journal, so nothing it
 * acknowledged is lost and nothing it could not write was acknowledged. A {@link Crash} during the
 * wait cancels that restart.
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

  /** The wait after a failed instance is over: start a fresh one. */
  private record RestartAfterFailure(int incarnation) {}

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
    return running(ctx, env, factory, peers, incarnation, 0);
  }

  private static <C> Behavior<Object> running(ActorContext<Object> ctx, NodeEnv env, ProtocolFactory<C> factory,
      Peers<C> peers, int incarnation, int failedInARow) {
    ActorRef<C> instance = ctx.spawn(factory.create(peers, env), "incarnation-" + incarnation);
    ctx.watch(instance);
    long started = env.clock().millis();
    return Behaviors.receive(Object.class)
        .onMessage(
            Crash.class,
            c -> {
              ctx.getLog().info("{} crashes (incarnation {})", env.node(), incarnation);
              ctx.unwatch(instance);
              ctx.stop(instance);
              return crashed(ctx, env, factory, peers, incarnation);
            })
        .onMessage(Control.class, c -> Behaviors.same())
        .onMessage(RestartAfterFailure.class, r -> Behaviors.same()) // cancelled by a crash and restart
        .onSignal(
            ChildFailed.class,
            f -> {
              if (!f.getRef().equals(instance)) {
                return Behaviors.same();
              }
              boolean ranLong = env.clock().millis() - started >= RestartBackoff.MAX.toMillis();
              int inARow = ranLong ? 1 : failedInARow + 1;
              Duration wait = RestartBackoff.delay(inARow, env.random().nextDouble());
              ctx.getLog().warn("{} failed (incarnation {}): {}; it restarts from its journal in {} ms", env.node(),
                  incarnation, f.getCause().toString(), wait.toMillis());
              ctx.scheduleOnce(wait, ctx.getSelf(), new RestartAfterFailure(incarnation + 1));
              return failed(ctx, env, factory, peers, incarnation + 1, inARow);
            })
        .onAnyMessage(
            m -> {
              @SuppressWarnings("unchecked")
              C command = (C) m;
              instance.tell(command);
              return Behaviors.same();
            })
        .build();
  }

  /** Waiting to restart a failed instance: traffic is dropped; a {@link Crash} cancels the restart. */
  private static <C> Behavior<Object> failed(ActorContext<Object> ctx, NodeEnv env, ProtocolFactory<C> factory,
      Peers<C> peers, int next, int failedInARow) {
    return Behaviors.receive(Object.class)
        .onMessage(RestartAfterFailure.class, r -> r.incarnation() != next ? Behaviors.same() : restarted(ctx, env,
            factory, peers, next, failedInARow))
        .onMessage(Crash.class, c -> crashed(ctx, env, factory, peers, next - 1))
        .onAnyMessage(m -> Behaviors.same())
        .build();
  }

  private static <C> Behavior<Object> restarted(ActorContext<Object> ctx, NodeEnv env, ProtocolFactory<C> factory,
      Peers<C> peers, int incarnation, int failedInARow) {
    ctx.getLog().info("{} restarts after a failure (incarnation {})", env.node(), incarnation);
    return running(ctx, env, factory, peers, incarnation, failedInARow);
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
