package dev.parley.testkit.failure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.failure.QuorumPartitionDetector;
import dev.parley.protocols.failure.QuorumPartitionDetector.MajorityLost;
import dev.parley.protocols.failure.QuorumPartitionDetector.MajorityRegained;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The notes' quorum rule (ping all N, R replies counting oneself, stop when R <= floor(N/2)): the
 * minority side of a partition raises MajorityLost within two intervals and the majority side never
 * does; both regain it after healing; an even split leaves nobody a majority.
 */
class QuorumPartitionDetectorSpec {

  static final Duration INTERVAL = Duration.ofMillis(100);

  static Simulation<QuorumPartitionDetector.Command> group(int n, long seed) {
    return Simulation.<QuorumPartitionDetector.Command>builder(n,
            (peers, env, up) -> QuorumPartitionDetector.create(peers, INTERVAL, up.narrow()))
        .seed(seed)
        .faults(FaultPlan.NONE.withDelay(Delay.uniform(Duration.ofMillis(1), Duration.ofMillis(20))))
        .build();
  }

  @Test
  void theMinorityStopsAndTheMajorityGoesOn() {
    Simulations.forSeeds(1, 20, seed -> {
      Simulation<QuorumPartitionDetector.Command> sim = group(5, seed);
      sim.runFor(Duration.ofSeconds(1));
      sim.nemesis(sim.elapsed(), NemesisCommand.Partition.parse("n1,n2/n3,n4,n5"));
      sim.runFor(INTERVAL.multipliedBy(2).plusMillis(1));
      for (int i = 1; i <= 5; i++) {
        NodeId node = NodeId.n(i);
        if (i <= 2) {
          assertThat(sim.upcalls(node, MajorityLost.class)).containsExactly(new MajorityLost(node, 2, 5));
        } else {
          assertThat(sim.upcalls(node, MajorityLost.class)).as("%s keeps its majority", node).isEmpty();
        }
      }
      sim.nemesis(sim.elapsed(), new NemesisCommand.Heal());
      sim.runFor(INTERVAL.multipliedBy(2).plusMillis(1));
      for (int i = 1; i <= 2; i++) {
        NodeId node = NodeId.n(i);
        assertThat(sim.upcalls(node, MajorityRegained.class)).containsExactly(new MajorityRegained(node, 5, 5));
      }
    });
  }

  @Test
  void anEvenSplitLeavesNobodyAMajority() {
    Simulation<QuorumPartitionDetector.Command> sim = group(4, Simulations.seed(1));
    sim.runFor(Duration.ofSeconds(1));
    sim.nemesis(sim.elapsed(), NemesisCommand.Partition.parse("n1,n2/n3,n4"));
    sim.runFor(Duration.ofSeconds(1));
    for (NodeId node : sim.nodes()) {
      assertThat(sim.upcalls(node, MajorityLost.class)).containsExactly(new MajorityLost(node, 2, 4));
    }
  }

  @Test
  void crashedNodesCountAsMissingReplies() {
    Simulation<QuorumPartitionDetector.Command> sim = group(5, Simulations.seed(1));
    sim.runFor(Duration.ofSeconds(1));
    sim.crash(sim.elapsed(), NodeId.n(4));
    sim.runFor(Duration.ofSeconds(1));
    assertThat(sim.upcalls(NodeId.n(1), MajorityLost.class)).as("4 of 5 is still a majority").isEmpty();
    sim.crash(sim.elapsed(), NodeId.n(5));
    sim.runFor(Duration.ofSeconds(1));
    assertThat(sim.upcalls(NodeId.n(1), MajorityLost.class)).as("3 of 5 is still a majority").isEmpty();
    sim.crash(sim.elapsed(), NodeId.n(3));
    sim.runFor(Duration.ofSeconds(1));
    assertThat(sim.upcalls(NodeId.n(1), MajorityLost.class)).containsExactly(new MajorityLost(NodeId.n(1), 2, 5));
  }
}
