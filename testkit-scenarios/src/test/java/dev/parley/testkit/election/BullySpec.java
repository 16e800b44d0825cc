package dev.parley.testkit.election;

import static dev.parley.testkit.election.Elections.ms;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.election.Bully;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.testkit.checker.Verdict;
import dev.parley.testkit.election.Elections.Announcements;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The bully algorithm's own promises: the highest live id wins, its message costs against the
 * catalogue (best N-1, worst O(N^2)), and what its model allows under a partition: timeouts cannot
 * tell a partition from a crash, so each side elects its own highest node.
 */
class BullySpec {

  /** Followers that wait long for the leader, so the spec decides who notices a crash first. */
  static final Bully.Settings PATIENT = new Bully.Settings(ms(20), ms(1000), ms(40), ms(120));

  static Simulation<Bully.Command> group(int n, Bully.Settings settings, Announcements log) {
    return Simulation.<Bully.Command>builder(n, (peers, env, up) -> Bully.create(peers, settings, up.narrow()))
        .invariant(log)
        .build();
  }

  static final String[] ELECTION_MESSAGES = {"Election", "Answer", "Coordinator"};

  /** The election's messages (heartbeats left out) after {@code node} notices the crash of the highest. */
  static long messagesWhenNoticedBy(int n, NodeId noticer) {
    Announcements log = new Announcements(true);
    Simulation<Bully.Command> sim = group(n, PATIENT, log);
    sim.runFor(Duration.ofMillis(1200));
    sim.crash(sim.elapsed(), NodeId.n(n));
    sim.runFor(ms(1));
    Map<String, Long> before = new HashMap<>(sim.stats().sentByType());
    sim.tell(noticer, new Bully.HoldElection());
    sim.runFor(ms(500));
    assertThat(log.agreeOn(sim.liveNodes(), NodeId.n(n - 1))).as("all follow n%d", n - 1).isTrue();
    return Elections.sentSince(before, sim.stats().sentByType(), ELECTION_MESSAGES);
  }

  @ParameterizedTest(name = "{0} nodes")
  @ValueSource(ints = {3, 5, 7})
  void messagesPerElectionMatchTheCatalogue(int n) {
    long best = messagesWhenNoticedBy(n, NodeId.n(n - 1));
    long worst = messagesWhenNoticedBy(n, NodeId.n(1));

    Announcements log = new Announcements(true);
    Simulation<Bully.Command> sim = group(n, PATIENT, log);
    sim.runFor(Duration.ofMillis(1200));
    sim.crash(sim.elapsed(), NodeId.n(n));
    sim.tell(NodeId.n(n - 1), new Bully.HoldElection());
    sim.runFor(ms(500));
    Map<String, Long> before = new HashMap<>(sim.stats().sentByType());
    sim.restart(sim.elapsed(), NodeId.n(n));
    sim.runFor(Duration.ofMillis(1500));
    long takeover = Elections.sentSince(before, sim.stats().sentByType(), ELECTION_MESSAGES);
    assertThat(log.agreeOn(sim.nodes(), NodeId.n(n))).as("the recovered n%d took over", n).isTrue();

    System.out.printf("bully, N=%d: best %d (catalogue N-1 = %d), worst %d (N^2-N-1 = %d, O(N^2)), "
        + "takeover by the recovered highest %d (N-1)%n", n, best, n - 1, worst, n * n - n - 1, takeover);
    assertThat(best).isEqualTo(n - 1);
    assertThat(worst).isEqualTo((long) n * n - n - 1);
    assertThat(takeover).isEqualTo(n - 1);
  }

  /**
   * n1-n3 are cut off from n4-n5 after n5 was elected. The bully's model is a group whose timeouts
   * tell crashed nodes from live ones; a partition breaks that assumption, and each side does what the
   * algorithm says: n1-n3 find n4 and n5 silent and elect n3, the highest they can reach, while n4
   * keeps following n5. Two leaders rule at once, in different epochs (so per-epoch safety still
   * holds, but a global agreement check fails). When the partition heals, n5 hears n3's heartbeats,
   * bullies it, and everyone follows n5 again.
   */
  @Test
  void aPartitionSplitsTheGroupIntoOneLeaderPerSideUntilItHeals() {
    Simulations.forSeeds(1, 30, seed -> {
      Announcements log = new Announcements(true);
      Simulation<Bully.Command> sim = Simulation.<Bully.Command>builder(5,
              (peers, env, up) -> Bully.create(peers, Elections.BULLY, up.narrow()))
          .seed(seed).faults(ElectionSimulationSpec.LAN).invariant(log).build();
      sim.runFor(Duration.ofSeconds(1));
      assertThat(log.agreeOn(sim.nodes(), NodeId.n(5))).isTrue();

      sim.nemesis(sim.elapsed(), NemesisCommand.Partition.parse("n1,n2,n3/n4,n5"));
      sim.runFor(Duration.ofSeconds(2));
      Set<NodeId> minority = Set.of(NodeId.n(1), NodeId.n(2), NodeId.n(3));
      Set<NodeId> majority = Set.of(NodeId.n(4), NodeId.n(5));
      assertThat(log.agreeOn(minority, NodeId.n(3))).as("n1-n3 follow n3").isTrue();
      assertThat(log.agreeOn(majority, NodeId.n(5))).as("n4, n5 follow n5").isTrue();
      Verdict whole = log.agreement(Set.copyOf(sim.nodes()), sim.elapsed());
      assertThat(whole.valid()).as("the whole group does not agree").isFalse();
      if (seed == 1) {
        System.out.println("bully under a partition n1,n2,n3/n4,n5:\n" + whole.report());
      }

      sim.nemesis(sim.elapsed(), new NemesisCommand.Heal());
      sim.runFor(Duration.ofSeconds(1));
      log.agreement(Set.copyOf(sim.nodes()), sim.elapsed().minusMillis(500)).requireValid();
      assertThat(log.agreeOn(sim.nodes(), NodeId.n(5))).isTrue();
    });
  }
}
