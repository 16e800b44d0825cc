package dev.parley.testkit.election;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.election.ZooKeeperElection;
import dev.parley.protocols.election.ZooKeeperElection.SetLastTransaction;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.testkit.checker.LeaderAnnouncement;
import dev.parley.testkit.election.Elections.Algorithm;
import dev.parley.testkit.election.Elections.Announcements;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The ZooKeeper-style election: the leader has the highest last transaction id among the quorum that
 * elected it (ties to the higher id), the transaction id survives a restart, a side without a quorum
 * elects nobody, and the votes of an election cost O(N^2) messages: every live node sends its vote to
 * all N-1 others, again at each change of vote (links that reorder make a node change its vote a few
 * times, so the counts are a small multiple of N^2).
 */
class ZooKeeperElectionSpec {

  static Simulation<ZooKeeperElection.Command> ensemble(int n, long seed, Announcements log) {
    return Algorithm.ZOOKEEPER.<ZooKeeperElection.Command>builder(n)
        .seed(seed).faults(ElectionSimulationSpec.LAN).invariant(log).build();
  }

  /**
   * Last transaction ids n1=10, n2=100, n3=30, n4=40, n5=50: n2 leads although n5 has the highest id.
   * n1 then logs transaction 500 (the layer above calls SetLastTransaction) and crashes and restarts,
   * keeping it on disk; when n2 crashes, n1 wins, unless its vote came too late for a quorum that had
   * already agreed (n3, n4, n5 electing n5, the highest of theirs): the promise is the highest last
   * transaction of the electing quorum, and n1 wins in most runs.
   */
  @Test
  void theLeaderHasTheHighestLastTransactionOfItsQuorumAndItSurvivesARestart() {
    int[] n1Won = {0};
    Simulations.forSeeds(1, 30, seed -> {
      Announcements log = new Announcements(true);
      Simulation<ZooKeeperElection.Command> sim = ensemble(5, seed, log);
      assertThat(ElectionSimulationSpec.runUntilAgreed(sim, log, Duration.ofSeconds(3))).isEqualTo(NodeId.n(2));

      sim.tell(sim.elapsed(), NodeId.n(1), new SetLastTransaction(500));
      sim.restart(sim.elapsed().plusMillis(5), NodeId.n(1));
      sim.runFor(Duration.ofMillis(500));
      assertThat(ElectionSimulationSpec.runUntilAgreed(sim, log, Duration.ofSeconds(1)))
          .as("the restarted n1 follows the established n2").isEqualTo(NodeId.n(2));

      ElectionSimulationSpec.crashNow(sim, NodeId.n(2));
      NodeId next = ElectionSimulationSpec.runUntilAgreed(sim, log, Duration.ofSeconds(2));
      assertThat(next).isIn(NodeId.n(1), NodeId.n(5));
      n1Won[0] += next.equals(NodeId.n(1)) ? 1 : 0;
      ElectionSimulationSpec.assertSettled(sim, log);
    });
    assertThat(n1Won[0]).as("runs in which n1, with transaction 500, won").isGreaterThanOrEqualTo(24);
  }

  /** n2 (the leader) and n1 are cut off: they elect nobody, n3-n5 elect n5, and after healing all follow n5. */
  @Test
  void aSideWithoutAQuorumElectsNobody() {
    Simulations.forSeeds(1, 30, seed -> {
      Announcements log = new Announcements(true);
      Simulation<ZooKeeperElection.Command> sim = ensemble(5, seed, log);
      ElectionSimulationSpec.runUntilAgreed(sim, log, Duration.ofSeconds(3));
      int before = log.log().size();
      sim.nemesis(sim.elapsed(), NemesisCommand.Partition.parse("n1,n2/n3,n4,n5"));
      sim.runFor(Duration.ofSeconds(2));

      Set<NodeId> minority = Set.of(NodeId.n(1), NodeId.n(2));
      List<LeaderAnnouncement> during = log.log().subList(before, log.log().size());
      assertThat(during).noneMatch(a -> minority.contains(a.node()));
      assertThat(log.agreeOn(Set.of(NodeId.n(3), NodeId.n(4), NodeId.n(5)), NodeId.n(5))).isTrue();

      sim.nemesis(sim.elapsed(), new NemesisCommand.Heal());
      assertThat(ElectionSimulationSpec.runUntilAgreed(sim, log, Duration.ofSeconds(2))).isEqualTo(NodeId.n(5));
      ElectionSimulationSpec.assertSettled(sim, log);
    });
  }

  @ParameterizedTest(name = "{0} nodes")
  @ValueSource(ints = {3, 5, 7})
  void votesPerElectionAreOrderNSquared(int n) {
    long[] most = {0};
    long[] total = {0};
    Simulations.SeedReport seeds = Simulations.forSeeds(1, 20, seed -> {
      Announcements log = new Announcements(true);
      Simulation<ZooKeeperElection.Command> sim = ensemble(n, seed, log);
      NodeId leader = ElectionSimulationSpec.runUntilAgreed(sim, log, Duration.ofSeconds(3));
      ElectionSimulationSpec.crashNow(sim, leader);
      Map<String, Long> before = new HashMap<>(sim.stats().sentByType());
      ElectionSimulationSpec.runUntilAgreed(sim, log, Duration.ofSeconds(2));
      long votes = Elections.sentSince(before, sim.stats().sentByType(), "Notification");
      most[0] = Math.max(most[0], votes);
      total[0] += votes;
    });
    double mean = total[0] / (double) seeds.count();
    System.out.printf("zookeeper, N=%d: notifications per election after the leader crashed: mean %.1f, "
        + "most %d (N^2 = %d)%n", n, mean, most[0], n * n);
    assertThat(mean).as("O(N^2) notifications on average").isLessThanOrEqualTo(3.0 * n * n);
    assertThat(most[0]).as("each change of vote is sent to all: reordering adds changes")
        .isLessThanOrEqualTo(6L * n * n);
  }

}
