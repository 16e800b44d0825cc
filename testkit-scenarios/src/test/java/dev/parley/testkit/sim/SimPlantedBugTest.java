package dev.parley.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.multicast.BasicMulticast;
import dev.parley.protocols.multicast.CausalMulticast;
import dev.parley.testkit.multicast.MulticastInvariants;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The planted bug: basic multicast (no hold-back queue) used where causal order is needed. Seeded
 * runs and exploration must both catch it.
 */
class SimPlantedBugTest {

  private static Simulation.Builder<BasicMulticast.Command> broken(int nodes) {
    return Simulation.<BasicMulticast.Command>builder(
            nodes, (peers, env, upcalls) -> BasicMulticast.create(peers, upcalls.narrow()))
        .freshInvariant(MulticastInvariants::causal);
  }

  private static void runBroken(long seed) {
    Simulation<BasicMulticast.Command> sim =
        broken(3).faults(Workloads.MESSY).seed(seed).build();
    Workloads.randomMulticasts(sim, seed, 4, BasicMulticast.MULTICAST);
    sim.runUntilQuiescent();
  }

  @Test
  void seededRunsCatchTheBugAndItsSeedReplaysTheIdenticalFailure() {
    AssertionError caught =
        catchThrowableOfType(
            () -> Simulations.forSeeds(1, 200, SimPlantedBugTest::runBroken), AssertionError.class);

    assertThat(caught).isNotNull();
    assertThat(caught.getMessage())
        .contains("causal order violated")
        .contains("-Dparley.seed=")
        .contains("SimPlantedBugTest#seededRunsCatchTheBugAndItsSeedReplaysTheIdenticalFailure")
        .contains("DELIVER");
    Matcher m = Pattern.compile("seed (\\d+) failed").matcher(caught.getMessage());
    assertThat(m.find()).isTrue();
    long seed = Long.parseLong(m.group(1));

    SimulationFailure first = catchThrowableOfType(() -> runBroken(seed), SimulationFailure.class);
    SimulationFailure again = catchThrowableOfType(() -> runBroken(seed), SimulationFailure.class);
    assertThat(first.seed()).isEqualTo(seed);
    assertThat(again.lastEvents()).isNotEmpty().isEqualTo(first.lastEvents());
    assertThat(again.getMessage()).isEqualTo(first.getMessage());
    System.out.println("[planted bug] " + caught.getMessage().lines().limit(4).toList());
  }

  @Test
  void explorationFindsTheShortestScheduleThatBreaksCausalOrder() {
    Exploration.Result result =
        Exploration.of(broken(3))
            .setup(
                sim -> {
                  sim.tell(NodeId.n(1), new BasicMulticast.Multicast("a"));
                  sim.tell(NodeId.n(2), new BasicMulticast.Multicast("b"));
                })
            .maxDepth(8)
            .run();

    System.out.println("[exploration, planted bug] " + result);
    assertThat(result.violation()).isPresent();
    Exploration.Counterexample v = result.violation().get();
    assertThat(v.failure()).contains("causal order violated at n3");
    assertThat(v.steps())
        .containsExactly(
            "client -> n1: Multicast[payload=a]",
            "deliver n1 -> n2: Data[id=n1#1, payload=a]",
            "client -> n2: Multicast[payload=b]",
            "deliver n2 -> n3: Data[id=n2#1, payload=b]");
    assertThat(result.states()).isPositive();
    assertThat(v.trace()).isNotEmpty();
  }

  @Test
  void explorationFindsNoViolationForCausalMulticastEvenWithDuplicates() {
    Exploration.Result result =
        Exploration.of(
                Simulation.<CausalMulticast.Command>builder(
                        3,
                        (peers, env, upcalls) -> CausalMulticast.create(peers, upcalls.narrow()))
                    .freshInvariant(MulticastInvariants::causal))
            .setup(
                sim -> {
                  sim.tell(NodeId.n(1), new CausalMulticast.Multicast("a"));
                  sim.tell(NodeId.n(2), new CausalMulticast.Multicast("b"));
                })
            .duplicates(true)
            .whenQuiescent(
                "every node delivers both",
                v -> v.nodes().stream().allMatch(n -> v.upcalls(n).size() == 2))
            .maxDepth(12)
            .run();

    System.out.println("[exploration, causal multicast] " + result);
    result.assertNoViolation();
    assertThat(result.complete()).isTrue();
    assertThat(result.pruned() + result.slept())
        .as("interleavings that met an explored state, or were not taken because they would")
        .isPositive();
  }

  @Test
  void explorationWithDropsFindsTheLossThatBreaksAgreement() {
    Exploration.Result result =
        Exploration.of(
                Simulation.<CausalMulticast.Command>builder(
                    3, (peers, env, upcalls) -> CausalMulticast.create(peers, upcalls.narrow())))
            .setup(sim -> sim.tell(NodeId.n(1), new CausalMulticast.Multicast("a")))
            .drops(true)
            .whenQuiescent(
                "every node delivers a",
                v -> v.nodes().stream().allMatch(n -> v.upcalls(n).size() == 1))
            .maxDepth(6)
            .run();

    assertThat(result.violation()).isPresent();
    assertThat(result.violation().get().steps())
        .hasSize(3)
        .first()
        .isEqualTo("client -> n1: Multicast[payload=a]");
    assertThat(result.violation().get().steps()).anyMatch(s -> s.startsWith("lose "));
  }
}
