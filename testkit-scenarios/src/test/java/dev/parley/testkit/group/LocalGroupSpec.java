package dev.parley.testkit.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import dev.parley.protocols.core.Durable;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.WireMessage;
import dev.parley.testkit.ParleyTestKit;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class LocalGroupSpec {

  @RegisterExtension static final ParleyTestKit parley = new ParleyTestKit();

  sealed interface Command extends WireMessage permits Increment, Later {}

  record Increment() implements Command {}

  /** Increment once {@code delay} has passed (a timer of the event-sourced behavior). */
  record Later(Duration delay) implements Command {}

  record Incremented() implements WireMessage {}

  record Count(NodeId node, int value) {}

  /** A durable counter that needs timers: written with {@code Durable.of}. */
  static final class Counter extends EventSourcedBehavior<Command, Incremented, Integer> {
    private final NodeId node;
    private final ActorRef<Object> upcalls;
    private final TimerScheduler<Command> timers;

    static Behavior<Command> create(NodeId node, ActorRef<Object> upcalls, String run) {
      return Durable.of((context, timers) -> new Counter(node, upcalls, timers, run));
    }

    private Counter(NodeId node, ActorRef<Object> upcalls, TimerScheduler<Command> timers, String run) {
      super(PersistenceId.of("counter-" + run, node.name()));
      this.node = node;
      this.upcalls = upcalls;
      this.timers = timers;
    }

    @Override
    public Integer emptyState() {
      return 0;
    }

    @Override
    public CommandHandler<Command, Incremented, Integer> commandHandler() {
      return newCommandHandlerBuilder().forAnyState()
          .onCommand(Increment.class, (state, c) -> Effect().persist(new Incremented())
              .thenRun(next -> upcalls.tell(new Count(node, next))))
          .onCommand(Later.class, (state, c) -> {
            timers.startSingleTimer(new Increment(), c.delay());
            return Effect().none();
          })
          .build();
    }

    @Override
    public EventHandler<Integer, Incremented> eventHandler() {
      return newEventHandlerBuilder().forAnyState()
          .onEvent(Incremented.class, (state, e) -> state + 1).build();
    }
  }

  @Test
  void aRestartedNodeRecoversWhatItPersistedAndItsTimersWork() {
    LocalGroup<Command> group = parley.group(2)
        .start((peers, env, upcalls) -> Counter.create(peers.self(), upcalls, "restart"));
    NodeId n1 = NodeId.n(1);
    group.tell(n1, new Increment());
    group.tell(n1, new Later(Duration.ofMillis(50)));
    group.await(Duration.ofSeconds(5), () ->
        assertThat(group.upcalls().of(n1, Count.class)).extracting(Count::value).containsExactly(1, 2));

    group.crash(n1);
    group.restart(n1);
    group.tell(n1, new Increment());

    group.await(Duration.ofSeconds(5), () ->
        assertThat(group.upcalls().of(n1, Count.class)).extracting(Count::value).containsExactly(1, 2, 3));
  }

  @Test
  void unknownNodesAreRefusedWithTheMembers() {
    LocalGroup<Command> group = parley.group(2)
        .start((peers, env, upcalls) -> Counter.create(peers.self(), upcalls, "unknown"));
    assertThatThrownBy(() -> group.crash(NodeId.n(9)))
        .hasMessage("unknown node n9; the members are [n1, n2]");
    assertThatThrownBy(() -> group.tell(NodeId.of("x"), new Increment()))
        .hasMessageContaining("unknown node x");
  }
}
