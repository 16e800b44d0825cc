package dev.parley.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.protocols.multicast.CausalMulticast;
import dev.parley.protocols.multicast.Delivered;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The usage examples of the head comments of Simulation and Exploration, run as written. */
class SimUsageExampleTest {

  @Test
  void theSimulationExampleRuns() {
    NodeId n1 = NodeId.n(1), n2 = NodeId.n(2), n3 = NodeId.n(3);
    Simulation<CausalMulticast.Command> sim =
        Simulation.<CausalMulticast.Command>builder(
                3, (peers, env, upcalls) -> CausalMulticast.create(peers, upcalls.narrow()))
            .seed(Simulations.seed(42))
            .faults(
                FaultPlan.none()
                    .withDelay(Delay.uniform(Duration.ofMillis(1), Duration.ofMillis(10)))
                    .withReorder(0.3)
                    .withDuplicate(0.1))
            .invariant(
                "no node delivers a message twice",
                v ->
                    v.nodes().stream()
                        .allMatch(n -> Set.copyOf(v.upcalls(n)).size() == v.upcalls(n).size()))
            .tracing(true)
            .build();
    sim.tell(Duration.ZERO, n1, new CausalMulticast.Multicast("a"));
    sim.tell(Duration.ofMillis(5), n2, new CausalMulticast.Multicast("b"));
    sim.nemesis(Duration.ofMillis(50), NemesisCommand.Partition.parse("n1/n2,n3"));
    sim.tell(Duration.ofMillis(60), n1, new CausalMulticast.Multicast("lost to n2 and n3"));
    sim.nemesis(Duration.ofMillis(80), new NemesisCommand.Heal());
    sim.crash(Duration.ofMillis(90), n3);
    sim.restart(Duration.ofMillis(120), n3);
    sim.runUntilQuiescent();
    sim.check(
        v ->
            assertThat(v.upcalls(n2, Delivered.class))
                .extracting(Delivered::payload)
                .containsExactlyInAnyOrder("a", "b"));

    assertThat(sim.stats().sentByType()).containsKey("Data");
    assertThat(sim.trace().events()).isNotEmpty();
    assertThat(sim.incarnation(n3)).isEqualTo(2);
  }

  @Test
  void theExplorationExampleRuns() {
    Exploration.Result result =
        Exploration.of(
                Simulation.<CausalMulticast.Command>builder(
                    3, (peers, env, upcalls) -> CausalMulticast.create(peers, upcalls.narrow())))
            .setup(
                sim -> {
                  sim.tell(NodeId.n(1), new CausalMulticast.Multicast("a"));
                  sim.tell(NodeId.n(2), new CausalMulticast.Multicast("b"));
                })
            .invariant(
                "no node delivers a message twice",
                v ->
                    v.nodes().stream()
                        .allMatch(n -> Set.copyOf(v.upcalls(n)).size() == v.upcalls(n).size()))
            .whenQuiescent(
                "every node delivers both",
                v -> v.nodes().stream().allMatch(n -> v.upcalls(n).size() == 2))
            .duplicates(true)
            .maxDepth(12)
            .run();
    result.assertNoViolation();
    assertThat(result.complete()).isTrue();
  }

  @Test
  void aStartingStateNeverReachedIsReportedWithWhatWasAwaited() {
    Exploration.Result result =
        Exploration.of(causalGroup())
            .setup(sim -> sim.tell(NodeId.n(1), new CausalMulticast.Multicast("a")))
            .startingWhen("n1 delivered two messages", v -> v.upcalls(NodeId.n(1)).size() == 2, sim -> {})
            .run();
    assertThat(result.violation()).isPresent();
    assertThat(result.violation().orElseThrow().failure())
        .contains("starting state (n1 delivered two messages) was not reached: nothing left to happen");
  }

  @Test
  void aSearchFromAStartingStateBranchesOnlyAfterIt() {
    Exploration.Result result =
        Exploration.of(causalGroup())
            .setup(sim -> sim.tell(NodeId.n(1), new CausalMulticast.Multicast("a")))
            .startingWhen("every node delivered a", v -> v.nodes().stream().allMatch(n -> v.upcalls(n).size() == 1),
                sim -> sim.tell(NodeId.n(2), new CausalMulticast.Multicast("b")))
            .whenQuiescent("every node delivers a, then b",
                v -> v.nodes().stream().allMatch(n -> v.upcalls(n, Delivered.class).stream()
                    .map(Delivered::payload).toList().equals(List.of("a", "b"))))
            .maxDepth(12)
            .run();
    result.assertNoViolation();
    assertThat(result.complete()).isTrue();
  }

  private static Simulation.Builder<CausalMulticast.Command> causalGroup() {
    return Simulation.builder(3, (peers, env, upcalls) -> CausalMulticast.create(peers, upcalls.narrow()));
  }
}
