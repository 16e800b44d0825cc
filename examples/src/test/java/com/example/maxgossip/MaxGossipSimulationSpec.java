package com.example.maxgossip;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.testkit.sim.Exploration;
import dev.parley.testkit.sim.SimView;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * MaxGossip under the deterministic simulation (many seeds of loss, duplication and a partition) and a
 * bounded exhaustive search of its interleavings: at every step a node only ever knows a number some
 * node started with, never less than before; once the partition heals, every node knows the largest.
 */
class MaxGossipSimulationSpec {

  /** Node nI starts with 10 * I. */
  private static Simulation.Builder<MaxGossip.Command> gossip(int nodes) {
    return Simulation.<MaxGossip.Command>builder(nodes, (peers, env, upcalls) -> MaxGossip.create(peers, env,
            10L * Long.parseLong(peers.self().name().substring(1)), upcalls.narrow(), Duration.ofMillis(20)))
        .invariant("a node learns only numbers some node started with, and never forgets a larger one",
            MaxGossipSimulationSpec::validAndGrowing);
  }

  private static boolean validAndGrowing(SimView v) {
    for (NodeId n : v.nodes()) {
      List<MaxGossip.Learned> learned = v.upcalls(n, MaxGossip.Learned.class);
      long previous = Long.MIN_VALUE;
      for (MaxGossip.Learned l : learned) {
        if (l.max() <= previous || l.max() % 10 != 0 || l.max() < 10 || l.max() > 10L * v.nodes().size()) {
          return false;
        }
        previous = l.max();
      }
    }
    return true;
  }

  private static long known(SimView v, NodeId n) {
    List<MaxGossip.Learned> learned = v.upcalls(n, MaxGossip.Learned.class);
    return learned.get(learned.size() - 1).max();
  }

  @Test
  void everyNodeLearnsTheMaximumOnceThePartitionHeals() {
    Simulations.forSeeds(1, 50, seed -> {
      Simulation<MaxGossip.Command> sim = gossip(5)
          .seed(seed)
          .faults(FaultPlan.NONE.withDrop(0.3).withDuplicate(0.1))
          .build();
      sim.nemesis(Duration.ZERO, NemesisCommand.Partition.parse("n1,n2/n3,n4,n5"));
      sim.runFor(Duration.ofSeconds(2));
      sim.check(v -> assertThat(known(v, NodeId.n(1))).as("n1 across the cut").isLessThanOrEqualTo(20));
      sim.nemesis(sim.elapsed(), new NemesisCommand.Heal());
      sim.runFor(Duration.ofSeconds(5));
      sim.check(v -> v.nodes().forEach(n -> assertThat(known(v, n)).as("%s", n).isEqualTo(50)));
    });
  }

  @Test
  void noInterleavingOfThreeNodesBreaksTheInvariant() {
    Exploration.Result result = Exploration.of(gossip(3))
        .duplicates(true)
        .maxDepth(6)
        .run();
    result.assertNoViolation();
  }
}
