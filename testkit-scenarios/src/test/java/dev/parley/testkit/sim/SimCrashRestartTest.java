package dev.parley.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.testkit.sim.Counters.Count;
import dev.parley.testkit.sim.Counters.Increment;
import dev.parley.testkit.sim.Counters.IncrementAt;
import dev.parley.testkit.sim.Counters.Remind;
import dev.parley.testkit.sim.Counters.Reminder;
import dev.parley.testkit.sim.TraceEvent.Kind;
import java.time.Duration;
import java.util.List;
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
}
