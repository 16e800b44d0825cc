package dev.parley.testkit.sim;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import dev.parley.protocols.core.Durable;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import java.time.Duration;

/**
 * Two tiny counters for the crash tests: one that keeps its count in memory (lost in a crash) and
 * one that is event sourced (recovered after a restart). Both report every count as an upcall.
 */
final class Counters {

  private Counters() {}

  sealed interface Command permits Increment, IncrementAt, Remind, Fire {}

  /** Add one and report the count. */
  record Increment() implements Command {}

  /** Tell {@code node} to increment (a message over the network). */
  record IncrementAt(NodeId node) implements Command {}

  /** Report {@code Reminder} after {@code delay} (a single timer). */
  record Remind(Duration delay) implements Command {}

  /** The upcall: {@code node}'s count is now {@code value}. */
  record Count(NodeId node, int value) {}

  /** The upcall of a fired reminder. */
  record Reminder(NodeId node) {}

  private record Fire() implements Command {}

  /** The count lives in memory only. */
  static Behavior<Command> volatileCounter(Peers<Command> peers, ActorRef<Object> upcalls) {
    return Behaviors.withTimers(timers -> volatileCounting(peers, upcalls, timers, 0));
  }

  private static Behavior<Command> volatileCounting(
      Peers<Command> peers,
      ActorRef<Object> upcalls,
      akka.actor.typed.javadsl.TimerScheduler<Command> timers,
      int count) {
    return Behaviors.receive(Command.class)
        .onMessage(
            Increment.class,
            m -> {
              upcalls.tell(new Count(peers.self(), count + 1));
              return volatileCounting(peers, upcalls, timers, count + 1);
            })
        .onMessage(
            IncrementAt.class,
            m -> {
              peers.tell(m.node(), new Increment());
              return Behaviors.same();
            })
        .onMessage(
            Remind.class,
            m -> {
              timers.startSingleTimer("remind", new Fire(), m.delay());
              return Behaviors.same();
            })
        .onMessage(
            Fire.class,
            m -> {
              upcalls.tell(new Reminder(peers.self()));
              return Behaviors.same();
            })
        .build();
  }

  /** The event of the persistent counter. */
  record Incremented() {}

  /**
   * An event-sourced counter; snapshots every {@code snapshotEvery} events (0: never). With timers
   * (hosted as {@code Durable}), a {@link Remind} increments it when the timer fires.
   */
  static final class Persistent extends EventSourcedBehavior<Command, Incremented, Integer> {

    private final NodeId node;
    private final ActorRef<Object> upcalls;
    private final int snapshotEvery;
    private final akka.actor.typed.javadsl.TimerScheduler<Command> timers;

    Persistent(NodeId node, ActorRef<Object> upcalls, int snapshotEvery) {
      this(node, upcalls, snapshotEvery, null);
    }

    Persistent(
        NodeId node,
        ActorRef<Object> upcalls,
        int snapshotEvery,
        akka.actor.typed.javadsl.TimerScheduler<Command> timers) {
      super(PersistenceId.of("counter", node.name()));
      this.node = node;
      this.upcalls = upcalls;
      this.snapshotEvery = snapshotEvery;
      this.timers = timers;
    }

    /** The counter with timers, as a protocol that needs them is written. */
    static Behavior<Command> durable(NodeId node, ActorRef<Object> upcalls) {
      return Durable.of((context, timers) -> new Persistent(node, upcalls, 0, timers));
    }

    @Override
    public Integer emptyState() {
      return 0;
    }

    @Override
    public CommandHandler<Command, Incremented, Integer> commandHandler() {
      return newCommandHandlerBuilder()
          .forAnyState()
          .onCommand(
              Increment.class,
              (state, cmd) ->
                  Effect()
                      .persist(new Incremented())
                      .thenRun(next -> upcalls.tell(new Count(node, next))))
          .onCommand(
              Remind.class,
              (state, cmd) -> {
                timers.startSingleTimer("remind", new Fire(), cmd.delay());
                return Effect().none();
              })
          .onCommand(
              Fire.class,
              (state, cmd) ->
                  Effect()
                      .persist(new Incremented())
                      .thenRun(next -> upcalls.tell(new Count(node, next))))
          .onAnyCommand((state, cmd) -> Effect().none());
    }

    @Override
    public EventHandler<Integer, Incremented> eventHandler() {
      return newEventHandlerBuilder()
          .forAnyState()
          .onEvent(Incremented.class, (state, e) -> state + 1)
          .build();
    }

    @Override
    public boolean shouldSnapshot(Integer state, Incremented event, long sequenceNr) {
      return snapshotEvery > 0 && sequenceNr % snapshotEvery == 0;
    }
  }
}
