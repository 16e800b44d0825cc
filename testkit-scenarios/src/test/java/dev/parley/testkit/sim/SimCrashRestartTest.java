package dev.parley.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.parley.protocols.core.NodeId;
import dev.parley.testkit.sim.Counters.Count;
import dev.parley.testkit.sim.Counters.Increment;
import dev.parley.testkit.sim.Counters.IncrementAt;
import dev.parley.testkit.sim.Counters.Remind;
import dev.parley.testkit.sim.Counters.Reminder;
import dev.parley.testkit.sim.TraceEvent.Kind;
import akka.actor.typed.javadsl.Behaviors;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SimCrashRestartTest {

  private static final NodeId N1 = NodeId.n(1);
  private static final NodeId N2 = NodeId.n(2);

  private static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }

  private static List<Integer> counts(Simulation<?> sim, NodeId node) {
    return sim.upcalls(node, Count.class).stream().map(Count::value).toList();
  }

  @Test
  void aCrashLosesTheNodesMemoryItsTimersAndTheMessagesSentToIt() {
    Simulation<Counters.Command> sim =
        Simulation.<Counters.Command>builder(
                2, (peers, env, upcalls) -> Counters.volatileCounter(peers, upcalls))
            .tracing(true)
            .build();
    sim.tell(ms(1), N1, new Increment());
    sim.tell(ms(2), N1, new Increment());
    sim.tell(ms(3), N1, new Increment());
    sim.tell(ms(4), N1, new Remind(ms(10)));
    sim.crash(ms(5), N1);
    sim.tell(ms(6), N2, new IncrementAt(N1));
    sim.restart(ms(20), N1);
    sim.tell(ms(21), N1, new Increment());
    sim.runUntilQuiescent();

    assertThat(counts(sim, N1)).containsExactly(1, 2, 3, 1);
    assertThat(sim.upcalls(N1, Reminder.class)).as("the reminder died with the crash").isEmpty();
    assertThat(sim.stats().droppedOnArrival()).isEqualTo(1);
    assertThat(sim.incarnation(N1)).isEqualTo(2);
    assertThat(sim.trace().events())
        .extracting(TraceEvent::kind)
        .contains(Kind.CRASH, Kind.RESTART, Kind.DROPPED);
  }

  @Test
  void aRestartedNodesTimersWork() {
    Simulation<Counters.Command> sim =
        Simulation.<Counters.Command>builder(
                1, (peers, env, upcalls) -> Counters.volatileCounter(peers, upcalls))
            .build();
    sim.crash(ms(1), N1);
    sim.restart(ms(2), N1);
    sim.tell(ms(3), N1, new Remind(ms(10)));
    sim.runUntilQuiescent();
    assertThat(sim.upcalls(N1, Reminder.class)).hasSize(1);
    assertThat(sim.elapsed()).isEqualTo(ms(13));
  }

  @Test
  void anEventSourcedNodeRecoversItsCountAfterARestart() {
    Simulation<Counters.Command> sim =
        Simulation.<Counters.Command>builder(
                2, (peers, env, upcalls) -> new Counters.Persistent(peers.self(), upcalls, 0))
            .build();
    for (int i = 1; i <= 3; i++) {
      sim.tell(ms(i), N1, new Increment());
    }
    sim.crash(ms(5), N1);
    sim.restart(ms(8), N1);
    sim.tell(ms(9), N1, new Increment());
    sim.runUntilQuiescent();

    assertThat(counts(sim, N1)).containsExactly(1, 2, 3, 4);
    assertThat(sim.persistedEvents(N1)).hasSize(4);
    assertThat(sim.incarnation(N1)).isEqualTo(2);
  }

  @Test
  void aDurableNodeWithTimersRecoversItsCountAndItsTimersDieWithIt() {
    Simulation<Counters.Command> sim =
        Simulation.<Counters.Command>builder(
                1, (peers, env, upcalls) -> Counters.Persistent.durable(peers.self(), upcalls))
            .build();
    sim.tell(ms(1), N1, new Increment());
    sim.tell(ms(2), N1, new Remind(ms(10))); // fires at 12 ms: count 2
    sim.tell(ms(20), N1, new Remind(ms(10))); // would fire at 30 ms, but the node crashes first
    sim.crash(ms(25), N1);
    sim.restart(ms(40), N1);
    sim.tell(ms(41), N1, new Increment());
    sim.runUntilQuiescent();

    assertThat(counts(sim, N1)).containsExactly(1, 2, 3);
    assertThat(sim.persistedEvents(N1)).hasSize(3);
  }

  @Test
  void anEventSourcedNodeRecoversFromItsSnapshotAndTheEventsAfterIt() {
    Simulation<Counters.Command> sim =
        Simulation.<Counters.Command>builder(
                1, (peers, env, upcalls) -> new Counters.Persistent(peers.self(), upcalls, 2))
            .tracing(true)
            .build();
    for (int i = 1; i <= 5; i++) {
      sim.tell(ms(i), N1, new Increment());
    }
    sim.restart(ms(10), N1);
    sim.tell(ms(11), N1, new Increment());
    sim.restart(ms(12), N1);
    sim.tell(ms(13), N1, new Increment());
    sim.runUntilQuiescent();

    assertThat(counts(sim, N1)).containsExactly(1, 2, 3, 4, 5, 6, 7);
    assertThat(sim.trace().events())
        .filteredOn(e -> e.kind() == Kind.PERSIST && e.message().contains("snapshot"))
        .hasSize(3);
  }

  @Test
  void anEventSourcedBehaviorHiddenInsideAnotherIsRejectedWithWhatToDo() {
    SimulationFailure failure =
        catchThrowableOfType(
            () ->
                Simulation.<Counters.Command>builder(
                        1,
                        (peers, env, upcalls) ->
                            Behaviors.setup(ctx -> new Counters.Persistent(peers.self(), upcalls, 0)))
                    .build(),
            SimulationFailure.class);
    assertThat(failure)
        .hasMessageContaining("EventSourcedBehavior wrapped in another behavior")
        .hasMessageContaining("n1");
  }

  private static Simulation.Builder<Counters.Command> countingUp(SimProtocol<Counters.Command> p) {
    return Simulation.builder(1, p)
        .invariant(
            "n1 counts 1, 2, 3, ...",
            v -> {
              List<Integer> counts = v.upcalls(N1, Count.class).stream().map(Count::value).toList();
              return counts.equals(IntStream.rangeClosed(1, counts.size()).boxed().toList());
            });
  }

  private static void twoIncrementsAndAReboot(Simulation<Counters.Command> sim) {
    sim.tell(ms(1), N1, new Increment());
    sim.tell(ms(2), N1, new Increment());
    sim.restart(ms(5), N1);
  }

  @Test
  void explorationFindsTheRebootThatMakesAVolatileCounterForget() {
    Exploration.Result result =
        Exploration.of(countingUp((peers, env, up) -> Counters.volatileCounter(peers, up)))
            .setup(SimCrashRestartTest::twoIncrementsAndAReboot)
            .maxDepth(6)
            .run();
    assertThat(result.violation()).isPresent();
    assertThat(result.violation().get().steps())
        .containsExactly(
            "client -> n1: Increment[]", "restart n1", "client -> n1: Increment[]");
  }

  @Test
  void explorationWithCrashesFindsNoScheduleWhereAnEventSourcedCounterForgets() {
    Exploration.Result result =
        Exploration.of(
                countingUp((peers, env, up) -> new Counters.Persistent(peers.self(), up, 0)))
            .setup(SimCrashRestartTest::twoIncrementsAndAReboot)
            .crashes(1)
            .maxDepth(6)
            .run();
    result.assertNoViolation();
    assertThat(result.complete()).isTrue();
    assertThat(result.states()).isGreaterThan(5);
  }
}
