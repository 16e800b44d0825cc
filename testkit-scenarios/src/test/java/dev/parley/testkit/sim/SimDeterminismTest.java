package dev.parley.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.multicast.CausalMulticast;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SimDeterminismTest {

  private static Simulation<CausalMulticast.Command> run(long seed) {
    Simulation<CausalMulticast.Command> sim =
        SimCausalMulticastTest.causal(4).seed(seed).tracing(true).build();
    Workloads.randomMulticasts(sim, 99, 5, CausalMulticast.MULTICAST);
    return sim.runUntilQuiescent();
  }

  @Test
  void theSameSeedReplaysTheIdenticalTrace() {
    Simulation<CausalMulticast.Command> first = run(42);
    Simulation<CausalMulticast.Command> second = run(42);

    assertThat(first.trace().events()).hasSizeGreaterThan(100);
    assertThat(second.trace().events()).isEqualTo(first.trace().events());
    assertThat(second.trace().fingerprint()).isEqualTo(first.trace().fingerprint());
    for (NodeId node : first.nodes()) {
      assertThat(second.upcalls(node)).isEqualTo(first.upcalls(node));
    }
    assertThat(second.elapsed()).isEqualTo(first.elapsed());
  }

  @Test
  void differentSeedsGiveDifferentInterleavingsOfTheSameWorkload() {
    Set<Long> fingerprints = new HashSet<>();
    Set<List<Object>> ordersAtN4 = new HashSet<>();
    for (long seed = 1; seed <= 5; seed++) {
      Simulation<CausalMulticast.Command> sim = run(seed);
      fingerprints.add(sim.trace().fingerprint());
      ordersAtN4.add(new ArrayList<>(sim.upcalls(NodeId.n(4))));
    }
    assertThat(fingerprints).hasSize(5);
    assertThat(ordersAtN4).hasSizeGreaterThan(1);
  }

  @Test
  void theSeedPropertyRunsOnlyThatSeed() {
    List<Long> ran = new ArrayList<>();
    String before = System.getProperty(Simulations.SEED_PROPERTY);
    System.setProperty(Simulations.SEED_PROPERTY, "1234");
    try {
      Simulations.SeedReport report = Simulations.forSeeds(1, 100, ran::add);
      assertThat(ran).containsExactly(1234L);
      assertThat(report.count()).isEqualTo(1);
    } finally {
      if (before == null) {
        System.clearProperty(Simulations.SEED_PROPERTY);
      } else {
        System.setProperty(Simulations.SEED_PROPERTY, before);
      }
    }
  }
}
