package dev.parley.protocols.core;

import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.WeakHashMap;

/**
 * An event-sourced protocol that needs its actor context or timers (a lock server's leases, Raft's
 * election timeouts), in a form every host can run.
 *
 * <p>Written as {@code return Durable.of((context, timers) -> new LockServer(..., context, timers));}
 * it is exactly {@code Behaviors.setup(ctx -> Behaviors.withTimers(t -> ...))} on a real actor
 * system, journal and all (public Akka API only). A host that emulates persistence, such as the
 * deterministic simulation, asks {@link #factoryOf} for the factory behind such a behavior, reaches
 * the {@link EventSourcedBehavior} it makes and wraps that its own way.
 *
 * <p>How the factory is found: {@link #of} records each behavior it returns, by identity, in a
 * registry with weak keys, so an entry goes when its behavior is no longer referenced; {@code
 * behavior.unsafeCast()} is the same object and is found too. A behavior wrapped in another (an
 * interceptor, {@code Behaviors.supervise}) is a new object and is not: a host then runs it as an
 * ordinary behavior.
 */
public final class Durable {

  /** Makes the event-sourced behavior given its context and timers. */
  @FunctionalInterface
  public interface Factory<C> {
    EventSourcedBehavior<C, ?, ?> create(ActorContext<C> context, TimerScheduler<C> timers);
  }

  private static final Map<Behavior<?>, Factory<?>> MADE = Collections.synchronizedMap(new WeakHashMap<>());

  private Durable() {}

  /** The event-sourced behavior {@code factory} makes, set up with its context and timers. */
  public static <C> Behavior<C> of(Factory<C> factory) {
    Behavior<C> behavior = Behaviors.setup(context -> Behaviors.withTimers(timers -> factory.create(context, timers)));
    MADE.put(behavior, factory);
    return behavior;
  }

  /** How {@code behavior} makes its event-sourced behavior, if {@link #of} made it. */
  @SuppressWarnings("unchecked")
  public static <C> Optional<Factory<C>> factoryOf(Behavior<C> behavior) {
    return Optional.ofNullable((Factory<C>) MADE.get(behavior));
  }
}
