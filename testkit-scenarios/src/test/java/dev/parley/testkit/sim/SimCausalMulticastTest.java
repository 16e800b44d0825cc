package dev.parley.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.multicast.CausalMulticast;
import dev.parley.protocols.multicast.MessageId;
import dev.parley.testkit.multicast.MulticastInvariants;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SimCausalMulticastTest {

  static Simulation.Builder<CausalMulticast.Command> causal(int nodes) {
    return Simulation.<CausalMulticast.Command>builder(
            nodes, (peers, env, upcalls) -> CausalMulticast.create(peers, upcalls.narrow()))
        .faults(Workloads.MESSY)
        .freshInvariant(MulticastInvariants::causal);
  }

  @Test
  void everyNodeDeliversEveryMessageExactlyOnceInCausalOrderUnderReorderingAndDuplication() {
    Set<List<MessageId>> orderings = new HashSet<>();
    long[] duplicated = new long[1];
    Simulations.SeedReport report =
        Simulations.forSeeds(
            1,
            60,
            seed -> {
              int n = 3 + (int) (seed % 3);
              Simulation<CausalMulticast.Command> sim = causal(n).seed(seed).build();
              Workloads.randomMulticasts(sim, seed, 4, CausalMulticast.MULTICAST);
              sim.runUntilQuiescent()
                  .check(
                      v -> {
                        Set<MessageId> all = Deliveries.allMulticast(v);
                        assertThat(all).hasSize(n * 4);
                        for (NodeId node : v.nodes()) {
                          assertThat(Deliveries.deliveredAt(v, node))
                              .as("what %s delivered", node)
                              .containsExactlyInAnyOrderElementsOf(all);
                        }
                      });
              duplicated[0] += sim.stats().duplicated();
              orderings.add(Deliveries.deliveredAt(sim, NodeId.n(3)));
            });
    assertThat(report.passed()).isEqualTo(report.count());
    assertThat(duplicated[0]).as("copies the links made").isPositive();
    assertThat(orderings).as("distinct delivery orders at n3 across seeds").hasSizeGreaterThan(1);
  }

  @Test
  void messageCountsPerTypeAndNodeAreReported() {
    Simulation<CausalMulticast.Command> sim =
        causal(3).faults(dev.parley.protocols.link.FaultPlan.none()).seed(5).build();
    sim.tell(NodeId.n(1), new CausalMulticast.Multicast("a"));
    sim.tell(NodeId.n(2), new CausalMulticast.Multicast("b"));
    sim.runUntilQuiescent();
    SimStats stats = sim.stats();
    assertThat(stats.sentByType()).containsEntry("Data", 4L);
    assertThat(stats.deliveredByType()).containsEntry("Data", 4L);
    assertThat(stats.sentByNode())
        .containsEntry(NodeId.n(1), 2L)
        .containsEntry(NodeId.n(2), 2L)
        .containsEntry(NodeId.n(3), 0L);
    assertThat(stats.clientRequests()).isEqualTo(2);
    assertThat(stats.upcalls()).isEqualTo(6);
  }
}
