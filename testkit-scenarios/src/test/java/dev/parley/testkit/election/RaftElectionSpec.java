package dev.parley.testkit.election;

import static dev.parley.testkit.election.Elections.ms;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.election.RaftElection;
import dev.parley.protocols.replication.Raft.Voted;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.testkit.checker.LeaderAnnouncement;
import dev.parley.testkit.election.Elections.Algorithm;
import dev.parley.testkit.election.Elections.Announcements;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Raft's election: at most one leader per term across crashes and restarts (votes on disk), a
 * minority side of a partition never elects, and one round of votes costs 2(N-1) messages.
 */
class RaftElectionSpec {

  static Simulation<RaftElection.Command> raft(int n, long seed, Announcements log) {
    return Algorithm.RAFT.<RaftElection.Command>builder(n)
        .seed(seed).faults(ElectionSimulationSpec.LAN).invariant(log).build();
  }

  /**
   * The partition n1,n2 / n3,n4,n5 with the leader inside the minority: n1 and n2 never announce a new
   * leader (they cannot gather 3 votes), the majority elects one of n3-n5 in a later term, and once the
   * partition heals everyone follows it.
   */
  @Test
  void aMinorityNeverElectsAndTheMajorityDoes() {
    Simulations.forSeeds(1, 40, seed -> {
      Announcements log = new Announcements(true);
      Simulation<RaftElection.Command> sim = raft(5, seed, log);
      NodeId leader = ElectionSimulationSpec.runUntilAgreed(sim, log, Duration.ofSeconds(3));
      List<NodeId> others = new ArrayList<>(sim.nodes());
      others.remove(leader);
      NodeId companion = others.get(new Random(seed).nextInt(others.size()));
      Set<NodeId> minority = Set.of(leader, companion);
      int before = log.log().size();
      Duration cut = sim.elapsed();
      sim.nemesis(cut, new NemesisCommand.Partition(List.of(minority)));
      sim.runFor(Duration.ofSeconds(3));

      List<LeaderAnnouncement> during = log.log().subList(before, log.log().size());
      assertThat(during).as("no announcement by the minority %s", minority)
          .noneMatch(a -> minority.contains(a.node()));
      assertThat(during).as("the majority elected one of its own")
          .anyMatch(a -> !minority.contains(a.leader()));

      sim.nemesis(sim.elapsed(), new NemesisCommand.Heal());
      ElectionSimulationSpec.runUntilAgreed(sim, log, Duration.ofSeconds(3));
      ElectionSimulationSpec.assertSettled(sim, log);
    });
  }

  /**
   * Nodes crash and restart at random while elections go on. Every node's journal holds at most one
   * vote per term across all its incarnations, and no term ever has two leaders (checked after every
   * step).
   */
  @Test
  void aRestartedNodeNeverVotesTwiceInATerm() {
    Simulations.forSeeds(1, 30, seed -> {
      Announcements log = new Announcements(true);
      Simulation<RaftElection.Command> sim = raft(5, seed, log);
      Random random = new Random(seed);
      for (int i = 0; i < 12; i++) {
        NodeId node = NodeId.n(1 + random.nextInt(5));
        Duration at = ms(150 + 150L * i + random.nextInt(100));
        sim.restart(at, node);
      }
      sim.runFor(Duration.ofSeconds(3));
      for (NodeId node : sim.nodes()) {
        Map<Long, NodeId> votes = new HashMap<>();
        for (Object e : sim.persistedEvents(node)) {
          if (e instanceof Voted v) {
            NodeId earlier = votes.putIfAbsent(v.term(), v.candidate());
            assertThat(earlier).as("%s voted twice in term %d", node, v.term()).isNull();
          }
        }
      }
      ElectionSimulationSpec.runUntilAgreed(sim, log, Duration.ofSeconds(3));
      ElectionSimulationSpec.assertSettled(sim, log);
    });
  }

  /** After the leader crashes, each candidacy sends N-1 vote requests and gets a reply from each live node. */
  @ParameterizedTest(name = "{0} nodes")
  @ValueSource(ints = {3, 5, 7})
  void oneRoundOfVotesCosts2NMinus1Messages(int n) {
    List<Long> rounds = new ArrayList<>();
    Simulations.forSeeds(1, 20, seed -> {
      Announcements log = new Announcements(true);
      Simulation<RaftElection.Command> sim = raft(n, seed, log);
      NodeId leader = ElectionSimulationSpec.runUntilAgreed(sim, log, Duration.ofSeconds(3));
      ElectionSimulationSpec.crashNow(sim, leader);
      Map<String, Long> before = new HashMap<>(sim.stats().sentByType());
      ElectionSimulationSpec.runUntilAgreed(sim, log, Duration.ofSeconds(2));
      long requests = Elections.sentSince(before, sim.stats().sentByType(), "RequestVote");
      long replies = Elections.sentSince(before, sim.stats().sentByType(), "VoteReply");
      assertThat(requests % (n - 1)).as("whole rounds of N-1 requests").isZero();
      assertThat(replies).isLessThanOrEqualTo(requests / (n - 1) * (n - 2));
      rounds.add(requests / (n - 1));
    });
    long single = rounds.stream().filter(r -> r == 1).count();
    System.out.printf("raft, N=%d: %d of %d failovers took one round of votes (2N-3 = %d messages with the "
        + "old leader down; 2(N-1) = %d with all up); most rounds %d%n",
        n, single, rounds.size(), 2 * n - 3, 2 * (n - 1), rounds.stream().mapToLong(r -> r).max().orElse(0));
    assertThat(single).as("randomised timeouts rarely split the vote").isGreaterThanOrEqualTo(rounds.size() * 3 / 4);
  }
}
