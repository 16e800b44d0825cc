package dev.parley.testkit.replication;

import static dev.parley.testkit.replication.KvRuns.LAN;
import static dev.parley.testkit.replication.KvRuns.LOSSY;
import static dev.parley.testkit.replication.KvRuns.ms;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.protocols.replication.BrokenReplicas;
import dev.parley.protocols.replication.ChainReplication;
import dev.parley.protocols.replication.ChainReplication.Command;
import dev.parley.protocols.replication.ChainReplication.Role;
import dev.parley.protocols.replication.ChainReplication.Settings;
import dev.parley.protocols.replication.ChainReplication.Status;
import dev.parley.protocols.replication.Get;
import dev.parley.protocols.replication.KvReply;
import dev.parley.protocols.replication.Put;
import dev.parley.protocols.replication.RequestId;
import dev.parley.testkit.kv.KvWorkload;
import dev.parley.testkit.sim.SimProtocol;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Chain replication in the simulation: the master on n1, the chain n2, n3, n4, n5 at first. The
 * head, a middle replica or the tail crashes and comes back, again and again, over lossy links; a
 * replica is cut off by a partition while clients still reach it; the master itself restarts, or its
 * journal is slow and fails. Every history must be linearizable, clients must complete once the
 * chain is repaired, and a replica that comes back must rejoin at the tail with the chain's state.
 * A tail serving reads without a lease is caught reading a stale value.
 */
class ChainReplicationSpec {

  static final NodeId MASTER = NodeId.n(1);

  static final SimProtocol<Command> CORRECT = (peers, env, upcalls) ->
      ChainReplication.create("kv", peers, env, Settings.DEFAULT, upcalls.narrow());

  static Simulation<Command> sim(long seed, FaultPlan faults, SimProtocol<Command> protocol) {
    return Simulation.builder(5, protocol).seed(seed).faults(faults).build();
  }

  static KvWorkload<Command> workload(Simulation<Command> sim) {
    return KvWorkload.of(sim, ChainReplication.Request::new).clients(4).keys(2).mix(0.4, 0.2)
        .timeout(Duration.ofSeconds(1));
  }

  static Status status(Simulation<Command> sim, NodeId node) {
    return KvRuns.status(sim, node, ChainReplication.GetStatus::new);
  }

  /**
   * Which replica crashes in each round, given the chain n2..n5 at first and every replica coming
   * back at the tail: always the current head, a current middle replica, or the tail.
   */
  enum Victim {
    HEAD(2, 3, 4, 5), MIDDLE(3, 4, 5, 3), TAIL(5, 5, 5, 5);

    final List<NodeId> order;

    Victim(int... nodes) {
      this.order = Arrays.stream(nodes).mapToObj(NodeId::n).toList();
    }
  }

  /** Crashes the victims in turn, every 500 ms, each back 250 ms later; returns when the last is back. */
  static Duration crashInTurn(Simulation<Command> sim, Victim victim) {
    Duration back = Duration.ZERO;
    for (int i = 0; i < victim.order.size(); i++) {
      Duration at = ms(300 + 500L * i);
      back = at.plus(ms(250));
      sim.crash(at, victim.order.get(i));
      sim.restart(back, victim.order.get(i));
    }
    return back;
  }

  @ParameterizedTest
  @EnumSource(Victim.class)
  void crashesOfTheHeadAMiddleReplicaOrTheTailOverLossyLinksLoseNoAcknowledgedWrite(Victim victim) {
    Simulations.forSeeds(1, 40, seed -> {
      Simulation<Command> sim = sim(seed, LOSSY, CORRECT);
      Duration lastBack = crashInTurn(sim, victim);
      KvWorkload.Result r = workload(sim).operations(120).run(Duration.ofSeconds(30));

      KvRuns.assertLinearizable(sim, r);
      assertThat(r.ok()).as("seed %d: completed operations", seed).isGreaterThan(300);
      assertRepairedAndWhole(sim, r, victim, lastBack);
    });
  }

  /**
   * After the crashes of {@code victim} (the last back at {@code lastBack}): clients completed from
   * 800 ms later on (but for at most two reads a lapsed lease refused), the master repaired the
   * chain, and once idle every replica is back in it, holding the tail's store with an empty Sent list.
   */
  static void assertRepairedAndWhole(Simulation<Command> sim, KvWorkload.Result r, Victim victim,
      Duration lastBack) {
    long seed = sim.seed();
    KvRuns.assertCompletedFrom(sim, r, lastBack.plus(ms(800)), "no lease from the master", 2);
    Status master = status(sim, MASTER);
    assertThat(master.epoch()).as("seed %d: the chain was repaired", seed).isGreaterThan(victim.order.size());
    sim.runFor(ms(500));
    Status tail = status(sim, status(sim, MASTER).chain().get(3));
    assertThat(status(sim, MASTER).chain()).as("seed %d: every replica is back in the chain", seed)
        .hasSize(4);
    for (NodeId replica : status(sim, MASTER).chain()) {
      Status s = status(sim, replica);
      assertThat(s.synced()).as("seed %d: %s holds the store", seed, replica).isTrue();
      assertThat(s.values()).as("seed %d: %s's store", seed, replica).isEqualTo(tail.values());
      assertThat(s.sent()).as("seed %d: %s's Sent list once idle", seed, replica).isZero();
    }
  }

  /**
   * The head, a middle replica or the tail crashes in turn over lossy links while the master's
   * journal, which holds the chain, is slow (pongs wait while it writes a new configuration, and so
   * do the pings that announce it) and failing (the master restarts from its journal): every history
   * linearizable, the chain repaired and whole again.
   */
  @Test
  void crashesInTurnWithTheMastersJournalSlowAndFailingLoseNoAcknowledgedWrite() {
    long[] failedWrites = new long[1];
    Simulations.forSeeds(1, 9, seed -> {
      Victim victim = Victim.values()[(int) (seed % Victim.values().length)];
      Simulation<Command> sim = Simulation.builder(5, CORRECT).seed(seed).faults(LOSSY)
          .storage(MASTER, KvRuns.SLOW_FAILING_JOURNAL).build();
      Duration lastBack = crashInTurn(sim, victim);
      KvWorkload.Result r = workload(sim).operations(60).run(Duration.ofSeconds(30));

      KvRuns.assertLinearizable(sim, r);
      assertThat(r.ok()).as("seed %d: completed operations", seed).isGreaterThan(150);
      assertRepairedAndWhole(sim, r, victim, lastBack);
      failedWrites[0] += KvRuns.restartsAfterFailedWrites(sim, victim.order.size());
    });
    assertThat(failedWrites[0]).as("the master's restarts after a failed write").isGreaterThan(3);
  }

  @Test
  void aReplicaCutOffWhileClientsStillReachItServesNothingStale() {
    Simulations.forSeeds(1, 40, seed -> {
      Simulation<Command> sim = sim(seed, LAN, CORRECT);
      cutOffInTurn(sim);
      KvWorkload.Result r = workload(sim).operations(40).run(Duration.ofSeconds(30));

      KvRuns.assertLinearizable(sim, r);
      assertThat(r.ok()).as("seed %d: completed operations", seed).isGreaterThan(60);
    });
  }

  /** Cuts the tail, then the head, then a middle replica off from everyone (clients still reach them). */
  static void cutOffInTurn(Simulation<Command> sim) {
    List<String> cuts = List.of("n5/n1,n2,n3,n4", "n2/n1,n3,n4,n5", "n4/n1,n2,n3,n5");
    for (int i = 0; i < cuts.size(); i++) {
      sim.nemesis(ms(200 + 900L * i), NemesisCommand.Partition.parse(cuts.get(i)));
      sim.nemesis(ms(800 + 900L * i), new NemesisCommand.Heal());
    }
  }

  /**
   * The tail n5 is cut off from the master and the chain but still reached by a client: the
   * repaired chain acknowledges a new write, and a read given to n5 must not return the old value.
   * Returns n5's answer to that read.
   */
  static KvReply readAtACutOffTail(SimProtocol<Command> protocol) {
    Simulation<Command> sim = sim(Simulations.seed(5), LAN, protocol);
    NodeId head = NodeId.n(2);
    NodeId oldTail = NodeId.n(5);
    sim.tell(ms(100), head, new ChainReplication.Request(new Put(new RequestId("c1", 1), "k", "old")));
    sim.nemesis(ms(200), NemesisCommand.Partition.parse("n5/n1,n2,n3,n4"));
    sim.tell(ms(600), head, new ChainReplication.Request(new Put(new RequestId("c1", 2), "k", "new")));
    RequestId read = new RequestId("c2", 1);
    sim.tell(ms(700), oldTail, new ChainReplication.Request(new Get(read, "k")));
    sim.runUntil(ms(710));
    assertThat(sim.upcalls(head, KvReply.class))
        .containsExactly(new KvReply.Ok(new RequestId("c1", 1), null), new KvReply.Ok(new RequestId("c1", 2), null));
    assertThat(status(sim, MASTER).chain()).containsExactly(NodeId.n(2), NodeId.n(3), NodeId.n(4));
    return sim.upcalls(oldTail, KvReply.class).stream().filter(r -> r.id().equals(read)).findFirst().orElseThrow();
  }

  @Test
  void aTailCutOffByAPartitionStopsServingReadsWhenItsLeaseRunsOut() {
    assertThat(readAtACutOffTail(CORRECT))
        .isEqualTo(new KvReply.Unavailable(new RequestId("c2", 1), "no lease from the master"));
  }

  @Test
  void negativeControlATailServingWithoutALeaseReadsAStaleValue() {
    SimProtocol<Command> broken = (peers, env, upcalls) ->
        BrokenReplicas.chainServingWithoutLease("kv", peers, env, Settings.DEFAULT, upcalls.narrow());
    assertThat(readAtACutOffTail(broken)).isEqualTo(new KvReply.Ok(new RequestId("c2", 1), "old"));
  }

  @Test
  void theMasterRecoversItsChainFromItsJournalAndTheChainServesAgain() {
    Simulations.forSeeds(1, 20, seed -> {
      Simulation<Command> sim = sim(seed, LAN, CORRECT);
      sim.crash(ms(400), MASTER);
      sim.restart(ms(900), MASTER);
      sim.crash(ms(1200), NodeId.n(3));
      KvWorkload.Result r = workload(sim).operations(50).run(Duration.ofSeconds(30));

      KvRuns.assertLinearizable(sim, r);
      KvRuns.assertCompletedFrom(sim, r, ms(2200));
      assertThat(status(sim, MASTER).chain()).as("seed %d", seed)
          .containsExactly(NodeId.n(2), NodeId.n(4), NodeId.n(5));
      assertThat(sim.persistedEvents(MASTER)).as("seed %d: genesis and one repair", seed).hasSize(2);
    });
  }

  @Test
  void requestsAtTheWrongReplicaNameTheHeadOrTheTail() {
    Simulation<Command> sim = sim(Simulations.seed(3), LAN, CORRECT);
    sim.runFor(ms(200));
    KvWorkload.Result r = KvWorkload.of(sim, ChainReplication.Request::new)
        .clients(5).keys(1).mix(0.5, 0).operations(10).run(Duration.ofSeconds(10));
    KvRuns.assertLinearizable(sim, r);
    assertThat(r.ok()).isEqualTo(50);
    assertThat(status(sim, NodeId.n(2)).role()).isEqualTo(Role.HEAD);
    assertThat(status(sim, NodeId.n(3)).role()).isEqualTo(Role.MIDDLE);
    assertThat(status(sim, NodeId.n(5)).role()).isEqualTo(Role.TAIL);
    assertThat(r.sentByType()).containsKeys("Forward", "Acked", "Configure", "Pong");
  }

  @Test
  void settingsAndGroupsThatCannotWorkAreRejected() {
    assertThatThrownBy(() -> new Settings(ms(150), ms(150), ms(300), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0 < heartbeat < lease");
    assertThatThrownBy(() -> new Settings(ms(20), ms(150), ms(20), null))
        .isInstanceOf(IllegalArgumentException.class);
    Peers<Command> alone = Peers.alone(NodeId.n(1));
    Settings elsewhere = new Settings(ms(20), ms(150), ms(150), NodeId.n(9));
    assertThatThrownBy(() -> ChainReplication.create("kv", alone, null, elsewhere, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the master n9 is not in the group");
    assertThatThrownBy(() -> ChainReplication.create("kv", alone, null, Settings.DEFAULT, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least one replica");
  }
}
