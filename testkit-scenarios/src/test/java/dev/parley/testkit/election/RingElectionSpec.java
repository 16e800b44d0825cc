package dev.parley.testkit.election;

import static dev.parley.testkit.election.Elections.ms;
import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.TestInbox;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.election.ElectionStatus;
import dev.parley.protocols.election.Role;
import dev.parley.protocols.election.RingElection;
import dev.parley.protocols.link.NemesisCommand;
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
 * Chang and Roberts' ring election: one leader and everyone told, at most 3N-1 ring messages with one
 * initiator (the catalogue's figure), and the ring mended around crashed nodes by skipping them.
 */
class RingElectionSpec {

  /** Followers that wait long for the leader, so the spec decides who starts the election. */
  static final RingElection.Settings PATIENT = new RingElection.Settings(ms(20), ms(1000), ms(30), ms(2000));

  static Simulation<RingElection.Command> ring(int n, long seed, Announcements log) {
    return Simulation.<RingElection.Command>builder(n,
            (peers, env, up) -> RingElection.create(peers, PATIENT, up.narrow()))
        .seed(seed).faults(ElectionSimulationSpec.LAN).invariant(log).build();
  }

  /**
   * The worst case for one initiator: n1, the highest node's successor, starts. Its token climbs N-1
   * hops to nN, nN's id goes round N hops, and the result N more: 3N-1, each hop acknowledged.
   */
  @ParameterizedTest(name = "{0} nodes")
  @ValueSource(ints = {3, 5, 7})
  void oneInitiatorCostsAtMost3NMinus1RingMessages(int n) {
    Announcements log = new Announcements(true);
    Simulation<RingElection.Command> sim = ring(n, 1, log);
    sim.runFor(Duration.ofMillis(1500));
    assertThat(log.agreeOn(sim.nodes(), NodeId.n(n))).isTrue();
    Map<String, Long> before = new HashMap<>(sim.stats().sentByType());

    sim.tell(sim.elapsed(), NodeId.n(1), new RingElection.HoldElection());
    sim.runFor(ms(500));

    long ring = Elections.sentSince(before, sim.stats().sentByType(), "Election", "Elected");
    long acks = Elections.sentSince(before, sim.stats().sentByType(), "Ack");
    System.out.printf("ring, N=%d, initiator n1: %d ring messages (catalogue: at most 3N-1 = %d), %d acks%n",
        n, ring, 3 * n - 1, acks);
    assertThat(ring).isEqualTo(3L * n - 1);
    assertThat(acks).isEqualTo(ring);
    assertThat(log.agreeOn(sim.nodes(), NodeId.n(n))).isTrue();
  }

  /**
   * The leader n5 and n3 crash; n2 notices. Its token cannot reach n3: the acknowledgement does not
   * come, n2 skips to n4, and so on round the ring. n4 wins; every live node is told, and n2 reports
   * n3 among its suspects.
   */
  @Test
  void crashedSuccessorsAreSkippedAndEveryLiveNodeIsTold() {
    Simulations.forSeeds(1, 30, seed -> {
      Announcements log = new Announcements(true);
      Simulation<RingElection.Command> sim = ring(5, seed, log);
      sim.runFor(Duration.ofMillis(1500));
      sim.crash(sim.elapsed(), NodeId.n(5));
      sim.crash(sim.elapsed(), NodeId.n(3));
      Map<String, Long> before = new HashMap<>(sim.stats().sentByType());
      sim.tell(sim.elapsed().plusMillis(1), NodeId.n(2), new RingElection.HoldElection());
      sim.runFor(ms(800));

      assertThat(log.agreeOn(sim.liveNodes(), NodeId.n(4))).as("n1, n2, n4 follow n4").isTrue();
      long ring = Elections.sentSince(before, sim.stats().sentByType(), "Election", "Elected");
      assertThat(ring).as("3N-1 plus one resend per skipped hop").isLessThanOrEqualTo(3 * 5 - 1 + 4);

      TestInbox<ElectionStatus> status = TestInbox.create();
      sim.tell(sim.elapsed(), NodeId.n(2), new RingElection.GetStatus(status.getRef()));
      sim.runFor(ms(1));
      ElectionStatus s = status.receiveMessage();
      assertThat(s.role()).isEqualTo(Role.FOLLOWER);
      assertThat(s.leader()).isEqualTo(NodeId.n(4));
      assertThat(s.suspects()).contains(NodeId.n(3));
    });
  }

  /**
   * The leader n7 crashes while n5 cannot reach its successor n6 (in a cluster: n6 was just restarted
   * and n5's association to it is still being re-established; here n5's messages to n6 are lost until
   * the link heals). Each token carrying n6 is skipped at n5, and would then be dropped by the first
   * node that already passed n6 on, leaving the election to its timeout (2 s here); n5 puts itself
   * forward in n6's place instead, so n1 to n5 agree on n5 within one round and n6 follows n5's
   * heartbeat once the link is back.
   */
  @Test
  void aCandidateItsPredecessorCannotReachDoesNotStallTheElection() {
    Simulations.forSeeds(1, 20, seed -> {
      Announcements log = new Announcements(true);
      Simulation<RingElection.Command> sim = ring(7, seed, log);
      sim.runFor(Duration.ofMillis(1500));
      assertThat(log.agreeOn(sim.nodes(), NodeId.n(7))).isTrue();
      Duration crash = sim.elapsed();
      sim.crash(crash, NodeId.n(7));
      sim.nemesis(crash, new NemesisCommand.Cut(NodeId.n(5), Set.of(NodeId.n(6))));
      sim.nemesis(crash.plus(ms(1300)), new NemesisCommand.Heal());
      sim.runFor(ms(1600));

      assertThat(log.agreeOn(sim.liveNodes(), NodeId.n(5)))
          .as("every live node follows n5 well before the 2 s election timeout; last announcements %s", log.last())
          .isTrue();
    });
  }
}
