package dev.parley.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.replication.PrimaryBackup;
import dev.parley.protocols.trace.RunRecord;
import dev.parley.protocols.trace.StampedEvent;
import dev.parley.testkit.kv.KvWorkload;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A simulation's state query ({@link Simulation.Builder#states}): every node's state after each of
 * its steps, for the explorer, taken without changing the run.
 */
class SimStatesTest {

  private static final NodeId N1 = NodeId.n(1);

  /**
   * A primary-backup store under lossy links, n1 crashed at 300 ms and back at 600 ms, n2 rebooted at
   * 900 ms, four clients.
   */
  private static Simulation<PrimaryBackup.Command> run(long seed, boolean states, boolean tracing) {
    Simulation.Builder<PrimaryBackup.Command> b = Simulation.<PrimaryBackup.Command>builder(3,
            (peers, env, upcalls) -> PrimaryBackup.create("kv", peers, env, PrimaryBackup.Settings.DEFAULT,
                upcalls.narrow()))
        .seed(seed)
        .faults(FaultPlan.NONE.withDelay(Delay.uniform(Duration.ofMillis(1), Duration.ofMillis(10)))
            .withDrop(0.05).withDuplicate(0.05).withReorder(0.1))
        .tracing(tracing);
    if (states) {
      b.states(PrimaryBackup.GetStatus::new);
    }
    Simulation<PrimaryBackup.Command> sim = b.build();
    sim.crash(Duration.ofMillis(300), N1);
    sim.restart(Duration.ofMillis(600), N1);
    sim.restart(Duration.ofMillis(900), NodeId.n(2)); // a reboot: crashed and restarted in one step
    KvWorkload.of(sim, PrimaryBackup.Request::new).clients(4).keys(2).operations(10).run(Duration.ofSeconds(5));
    return sim.runFor(Duration.ofMillis(200));
  }

  @Test
  void askingTheNodesForTheirStatesDoesNotChangeTheRun() {
    for (long seed = 1; seed <= 3; seed++) {
      Simulation<PrimaryBackup.Command> plain = run(seed, false, true);
      Simulation<PrimaryBackup.Command> watched = run(seed, true, true);

      assertThat(watched.trace().events()).as("seed %d: the trace", seed).isEqualTo(plain.trace().events());
      assertThat(watched.trace().fingerprint()).isEqualTo(plain.trace().fingerprint());
      assertThat(watched.stats().sent()).as("messages sent").isEqualTo(plain.stats().sent());
      assertThat(watched.stats().sentByType()).isEqualTo(plain.stats().sentByType());
      assertThat(watched.steps()).isEqualTo(plain.steps());
      assertThat(watched.elapsed()).isEqualTo(plain.elapsed());
      for (NodeId node : plain.nodes()) {
        assertThat(watched.upcalls(node)).as("seed %d: upcalls of %s", seed, node).isEqualTo(plain.upcalls(node));
      }
    }
  }

  @Test
  void anUntracedRunIsTheSameWithAStateQueryAndAsksNothing() {
    Simulation<PrimaryBackup.Command> plain = run(4, false, false);
    Simulation<PrimaryBackup.Command> watched = run(4, true, false);

    assertThat(watched.trace().fingerprint()).isEqualTo(plain.trace().fingerprint());
    assertThat(watched.steps()).isEqualTo(plain.steps());
    assertThatThrownBy(() -> watched.record("untraced"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("tracing(true)");
  }

  @Test
  void eachEventCarriesItsNodesStateAfterTheStepACrashedNodeHasNoneAndARestartedOneItsRecoveredState() {
    Simulation<PrimaryBackup.Command> sim = run(5, true, true);
    RunRecord run = sim.record("primary-backup seed 5");
    List<StampedEvent> events = run.events();
    Map<Long, Object> states = run.eventStates();

    assertThat(run.nodes()).hasSize(3);
    assertThat(run.source()).isEqualTo("simulation");
    assertThat(run.wallTime()).isFalse();
    assertThat(run.replay()).contains("-Dparley.seed=5");
    for (NodeId node : run.nodes()) {
      assertThat(events.stream().filter(e -> e.node().equals(node) && states.containsKey(e.index())))
          .as("events of %s with a state", node).isNotEmpty();
    }
    for (StampedEvent e : events) {
      Object state = states.get(e.index());
      if (state != null) {
        assertThat(((JsonNode) state).get("node").asText()).as("event %d's state is its node's", e.index())
            .isEqualTo(e.node().name());
      }
    }
    StampedEvent crash = events.stream().filter(e -> e.node().equals(N1) && e.type().equals("crash"))
        .findFirst().orElseThrow();
    assertThat(states).as("the crash of n1").doesNotContainKey(crash.index());
    assertThat(events.stream().filter(e -> e.type().equals("crash")).map(StampedEvent::index))
        .as("crashes, n2's reboot among them").hasSize(2).allSatisfy(i -> assertThat(states).doesNotContainKey(i));
    StampedEvent restart = events.stream().filter(e -> e.node().equals(N1) && e.type().equals("restart"))
        .findFirst().orElseThrow();
    JsonNode recovered = (JsonNode) states.get(restart.index());
    assertThat(recovered).as("n1's state when it restarted").isNotNull();
    assertThat(recovered.get("view").asLong()).as("the view n1 recovered from its journal").isPositive();
    assertThat(events.stream().filter(e -> e.node().equals(N1) && e.index() > crash.index()
        && e.index() < restart.index())).as("n1 does nothing while down").isEmpty();
    assertThat(run.states()).as("each node's state at the end").containsOnlyKeys(sim.nodes());
  }

  @Test
  void aRunWithoutAStateQuerySaysSoInItsNotes() {
    RunRecord run = run(6, false, true).record("no states");

    assertThat(run.eventStates()).isEmpty();
    assertThat(run.notes()).anySatisfy(n -> assertThat(n).contains("Simulation.Builder.states"));
  }
}
