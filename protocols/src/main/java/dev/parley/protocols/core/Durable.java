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
import java.util.function.Function;

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
 *
 * <p>A protocol may put a plain actor in front of its event-sourced one (the topic broker's front
 * keeps taking publishes while the broker writes): {@link #fronted} records the pair the same way,
 * so a host that tracks journals finds the child ({@link #frontOf}). The deterministic simulation
 * hosts one actor per node and runs such protocols without their front.
 */
public final class Durable {

  /** Makes the event-sourced behavior given its context and timers. */
  @FunctionalInterface
  public interface Factory<C> {
    EventSourcedBehavior<C, ?, ?> create(ActorContext<C> context, TimerScheduler<C> timers);
  }

  /**
   * A plain actor in front of an event-sourced child ({@link #fronted}): the child's behavior, and
   * how the front is made around whatever behavior it is given for its child (a host that tracks
   * journals gives it its own wrapping of {@code journaled}).
   */
  public record Front<C, I>(Behavior<I> journaled, Function<Behavior<I>, Behavior<C>> around) {}

  private static final Map<Behavior<?>, Factory<?>> MADE = Collections.synchronizedMap(new WeakHashMap<>());
  private static final Map<Behavior<?>, Front<?, ?>> FRONTED = Collections.synchronizedMap(new WeakHashMap<>());

  private Durable() {}

  /** The event-sourced behavior {@code factory} makes, set up with its context and timers. */
  public static <C> Behavior<C> of(Factory<C> factory) {
    Behavior<C> behavior = Behaviors.setup(context -> Behaviors.withTimers(timers -> factory.create(context, timers)));
    MADE.put(behavior, factory);
    return behavior;
  }

  /**
   * The front {@code around} makes for {@code journaled} (which it spawns as its child), recorded so
   * a host that must see each journal (a group with storage faults) finds the event-sourced child
   * and has the front made around its own wrapping of it ({@link #frontOf}).
   */
  public static <C, I> Behavior<C> fronted(Behavior<I> journaled, Function<Behavior<I>, Behavior<C>> around) {
    Behavior<C> front = around.apply(journaled);
    FRONTED.put(front, new Front<>(journaled, around));
    return front;
  }

  /** The front and child of {@code behavior}, if {@link #fronted} made it. */
  @SuppressWarnings("unchecked")
  public static <C> Optional<Front<C, ?>> frontOf(Behavior<C> behavior) {
    return Optional.ofNullable((Front<C, ?>) FRONTED.get(behavior));
  }

  /** How {@code behavior} makes its event-sourced behavior, if {@link #of} made it. */
  @SuppressWarnings("unchecked")
  public static <C> Optional<Factory<C>> factoryOf(Behavior<C> behavior) {
    return Optional.ofNullable((Factory<C>) MADE.get(behavior));
  }
}
