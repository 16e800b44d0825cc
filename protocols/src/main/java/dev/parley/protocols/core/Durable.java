package dev.parley.protocols.core;

import akka.actor.typed.Behavior;
import akka.actor.typed.TypedActorContext;
import akka.actor.typed.internal.BehaviorImpl;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;

/**
 * An event-sourced protocol that needs its actor context or timers (a lock server's leases, Raft's
 * election timeouts), in a form every host can run.
 *
 * <p>Written as {@code return Durable.of((context, timers) -> new LockServer(..., context, timers));}
 * it behaves exactly as {@code Behaviors.setup(ctx -> Behaviors.withTimers(t -> ...))} on a real
 * actor system, journal and all; but a host that emulates persistence, such as the deterministic
 * simulation, can still reach the {@link EventSourcedBehavior} inside through {@link #factory()}
 * and wrap it its own way. (It extends Akka's deferred behavior, as {@code EventSourcedBehavior}
 * itself does; Akka is pinned at 2.8.5.)
 *
 * @param <C> the protocol's message type
 */
public final class Durable<C> extends BehaviorImpl.DeferredBehavior<C> {

  /** Makes the event-sourced behavior given its context and timers. */
  @FunctionalInterface
  public interface Factory<C> {
    EventSourcedBehavior<C, ?, ?> create(ActorContext<C> context, TimerScheduler<C> timers);
  }

  private final Factory<C> factory;

  private Durable(Factory<C> factory) {
    this.factory = factory;
  }

  public static <C> Behavior<C> of(Factory<C> factory) {
    return new Durable<>(factory);
  }

  /** How the event-sourced behavior is made, for hosts that wrap it themselves. */
  public Factory<C> factory() {
    return factory;
  }

  @Override
  public Behavior<C> apply(TypedActorContext<C> context) {
    return Behaviors.withTimers(timers -> factory.create(context.asJava(), timers));
  }

  @Override
  public String toString() {
    return "Durable(" + factory + ")";
  }
}
