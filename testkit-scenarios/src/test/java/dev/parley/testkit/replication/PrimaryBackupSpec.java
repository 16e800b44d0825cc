package dev.parley.testkit.replication;

import static dev.parley.testkit.replication.KvRuns.LAN;
import static dev.parley.testkit.replication.KvRuns.LOSSY;
import static dev.parley.testkit.replication.KvRuns.ms;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.protocols.replication.BrokenReplicas;
import dev.parley.protocols.replication.Get;
import dev.parley.protocols.replication.KvReply;
import dev.parley.protocols.replication.PrimaryBackup;
import dev.parley.protocols.replication.PrimaryBackup.Command;
import dev.parley.protocols.replication.PrimaryBackup.Role;
import dev.parley.protocols.replication.PrimaryBackup.Settings;
import dev.parley.protocols.replication.PrimaryBackup.Status;
import dev.parley.protocols.replication.Put;
import dev.parley.protocols.replication.RequestId;
import dev.parley.testkit.checker.LinearizabilityChecker;
import dev.parley.testkit.kv.KvWorkload;
import dev.parley.testkit.sim.SimProtocol;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Primary-backup in the simulation, under the faults its head comment promises to survive: crashes
 * and restarts of the primary and of backups, links that lose, duplicate and reorder, partitions
 * cutting the primary off. Every history must be linearizable (no acknowledged write lost on
 * failover, no stale read from a deposed primary), and clients must complete once a majority is up
 * again, also with a slow and failing journal. A primary that answers before replicating, or before
 * its own write completes, is caught by the same checks.
 */
class PrimaryBackupSpec {

  static final SimProtocol<Command> CORRECT = (peers, env, upcalls) ->
      PrimaryBackup.create("kv", peers, env, Settings.DEFAULT, upcalls.narrow());

  static Simulation<Command> sim(long seed, int nodes, FaultPlan faults, SimProtocol<Command> protocol) {
    return Simulation.builder(nodes, protocol).seed(seed).faults(faults).build();
  }

  static KvWorkload<Command> workload(Simulation<Command> sim) {
    return KvWorkload.of(sim, PrimaryBackup.Request::new).clients(4).keys(2).mix(0.4, 0.2)
        .timeout(Duration.ofSeconds(1));
  }

  static Status status(Simulation<Command> sim, NodeId node) {
    return KvRuns.status(sim, node, PrimaryBackup.GetStatus::new);
  }

  /** The primary of the newest view among the live nodes, after running until there is one. */
  static NodeId awaitPrimary(Simulation<Command> sim) {
    return awaitPrimary(sim, Duration.ofSeconds(3));
  }

  /** As {@link #awaitPrimary(Simulation)}, waiting at most {@code max}. */
  static NodeId awaitPrimary(Simulation<Command> sim, Duration max) {
    Duration deadline = sim.elapsed().plus(max);
    while (sim.elapsed().compareTo(deadline) < 0) {
      Status best = sim.liveNodes().stream().map(n -> status(sim, n)).filter(Objects::nonNull)
          .filter(s -> s.role() == Role.PRIMARY)
          .max((a, b) -> Long.compare(a.view(), b.view())).orElse(null);
      if (best != null) {
        return best.node();
      }
      sim.runFor(ms(50));
    }
    throw new AssertionError("seed " + sim.seed() + ": no primary within " + max);
  }

  /** Crashes every node in turn (the primary among them), each back 250 ms later. */
  static void crashEachInTurn(Simulation<Command> sim, int rounds) {
    for (int i = 0; i < rounds; i++) {
      NodeId node = sim.nodes().get(i % sim.nodes().size());
      Duration at = ms(250 + 450L * i);
      sim.crash(at, node);
      sim.restart(at.plus(ms(250)), node);
    }
  }

  @Test
  void crashesAndRestartsOfPrimariesAndBackupsOverLossyLinksLoseNoAcknowledgedWrite() {
    Simulations.forSeeds(1, 50, seed -> {
      Simulation<Command> sim = sim(seed, 3, LOSSY, CORRECT);
      crashEachInTurn(sim, 6);
      KvWorkload.Result r = workload(sim).operations(40).run(Duration.ofSeconds(30));

      KvRuns.assertLinearizable(sim, r);
      assertThat(r.ok()).as("seed %d: completed operations", seed).isGreaterThan(60);
      assertThat(sim.nodes().stream().mapToLong(n -> status(sim, n).view()).max().orElseThrow())
          .as("seed %d: the primary failed over", seed).isGreaterThan(1);
    });
  }

  /**
   * The same crashes over the same lossy links, with every node's journal slow (what a node does
   * after a write waits for it, and so does everything that arrives meanwhile) and failing (the node
   * stops and restarts from its journal): no acknowledged write lost, clients complete.
   */
  @Test
  void crashesAndRestartsWithASlowAndFailingJournalLoseNoAcknowledgedWrite() {
    long[] failedWrites = new long[1];
    Simulations.forSeeds(1, 15, seed -> {
      Simulation<Command> sim = Simulation.builder(3, CORRECT).seed(seed).faults(LOSSY)
          .storage(KvRuns.SLOW_FAILING_JOURNAL).build();
      crashEachInTurn(sim, 6);
      KvWorkload.Result r = workload(sim).operations(40).run(Duration.ofSeconds(30));

      KvRuns.assertLinearizable(sim, r);
      assertThat(r.ok()).as("seed %d: completed operations", seed).isGreaterThan(60);
      assertThat(sim.nodes().stream().map(n -> status(sim, n)).filter(Objects::nonNull).mapToLong(Status::view)
          .max().orElseThrow()).as("seed %d: the primary failed over", seed).isGreaterThan(1);
      failedWrites[0] += KvRuns.restartsAfterFailedWrites(sim, 6);
    });
    assertThat(failedWrites[0]).as("restarts after a failed write").isGreaterThan(100);
  }

  /**
   * A primary that answers a request before the write that applies it has completed (and so also
   * before its backups hold it, which crashes alone catch less often): a crash or a failed write in
   * between loses a write it acknowledged. The journal faults catch it on some seeds.
   */
  @Test
  void aPrimaryAnsweringBeforeItsWriteCompletesIsCaughtByTheJournalFaults() {
    SimProtocol<Command> early = (peers, env, upcalls) ->
        BrokenReplicas.primaryAnsweringBeforeWriting("kv", peers, env, Settings.DEFAULT, upcalls.narrow());
    List<Long> caught = new ArrayList<>();
    for (long seed = 1; seed <= 20; seed++) {
      Simulation<Command> sim = Simulation.builder(3, early).seed(seed).faults(LAN)
          .storage(KvRuns.SLOW_FAILING_JOURNAL).build();
      crashEachInTurn(sim, 6);
      KvWorkload.Result r = workload(sim).operations(40).think(ms(5)).run(Duration.ofSeconds(30));
      if (!LinearizabilityChecker.forRegisters().check(r.history()).valid()) {
        caught.add(seed);
      }
    }
    assertThat(caught).as("seeds where the checker caught a lost acknowledged write").hasSizeGreaterThan(1);
  }

  @Test
  void partitionsThatCutThePrimaryOffLeaveNoStaleReadAndNoLostWrite() {
    Simulations.forSeeds(1, 40, seed -> {
      Simulation<Command> sim = sim(seed, 5, LAN.withDrop(0.02), CORRECT);
      String[] splits = {"n1,n2/n3,n4,n5", "n3/n1,n2,n4,n5", "n4,n5/n1,n2,n3", "n2,n5/n1,n3,n4"};
      for (int i = 0; i < splits.length; i++) {
        sim.nemesis(ms(200 + 600L * i), NemesisCommand.Partition.parse(splits[i]));
        sim.nemesis(ms(600 + 600L * i), new NemesisCommand.Heal());
      }
      KvWorkload.Result r = workload(sim).operations(40).run(Duration.ofSeconds(30));

      KvRuns.assertLinearizable(sim, r);
      assertThat(r.ok()).as("seed %d: completed operations", seed).isGreaterThan(60);
    });
  }

  @Test
  void afterThePrimaryCrashesClientsCompleteAndTheRestartedNodeCatchesUp() {
    Simulations.forSeeds(1, 30, seed -> {
      Simulation<Command> sim = sim(seed, 3, LAN, CORRECT);
      NodeId first = awaitPrimary(sim);
      Duration crashAt = sim.elapsed().plus(ms(100));
      sim.crash(crashAt, first);
      sim.restart(crashAt.plus(ms(400)), first);
      KvWorkload.Result r = workload(sim).operations(40).run(Duration.ofSeconds(30));

      KvRuns.assertLinearizable(sim, r);
      KvRuns.assertCompletedFrom(sim, r, crashAt.plus(Settings.DEFAULT.suspectMax()).plus(ms(1500)));
      NodeId second = awaitPrimary(sim);
      assertThat(second).as("seed %d: a new primary", seed).isNotEqualTo(first);
      sim.runFor(ms(200));
      assertThat(status(sim, first).values()).as("seed %d: the restarted node's store", seed)
          .isEqualTo(status(sim, second).values());
      assertThat(status(sim, first).primary()).isEqualTo(second);
    });
  }

  @Test
  void aPrimaryCutOffByAPartitionCannotAnswerAndStepsDownWhenItHeals() {
    long seed = Simulations.seed(7);
    Simulation<Command> sim = sim(seed, 3, LAN, CORRECT);
    NodeId old = awaitPrimary(sim);
    String others = sim.nodes().stream().filter(n -> !n.equals(old)).map(NodeId::name)
        .reduce((a, b) -> a + "," + b).orElseThrow();
    sim.nemesis(sim.elapsed(), NemesisCommand.Partition.parse(old.name() + "/" + others));
    RequestId cutOff = new RequestId("c1", 1);
    sim.tell(sim.elapsed().plus(ms(1)), old, new PrimaryBackup.Request(new Put(cutOff, "k", "lost?")));
    sim.runFor(ms(600));
    assertThat(sim.upcalls(old, KvReply.class)).as("a primary without its backups answers nothing").isEmpty();

    NodeId fresh = awaitPrimary(sim);
    assertThat(fresh).isNotEqualTo(old);
    RequestId write = new RequestId("c2", 1);
    sim.tell(fresh, new PrimaryBackup.Request(new Put(write, "k", "new")));
    sim.runFor(ms(100));
    assertThat(sim.upcalls(fresh, KvReply.class)).contains(new KvReply.Ok(write, null));

    sim.nemesis(sim.elapsed(), new NemesisCommand.Heal());
    sim.runFor(ms(200));
    assertThat(sim.upcalls(old, KvReply.class)).containsExactly(
        new KvReply.Unavailable(cutOff, "the primary was deposed before replicating it"));
    assertThat(status(sim, old).role()).isEqualTo(Role.BACKUP);
    RequestId read = new RequestId("c3", 1);
    sim.tell(old, new PrimaryBackup.Request(new Get(read, "k")));
    sim.runFor(ms(1));
    assertThat(sim.upcalls(old, KvReply.class)).contains(new KvReply.NotLeader(read, fresh));
    assertThat(status(sim, old).values()).containsEntry("k", "new");
  }

  @Test
  void aPrimaryLeftWithoutAMajorityAnswersNothingUntilABackupReturns() {
    Simulations.forSeeds(1, 10, seed -> {
      Simulation<Command> sim = sim(seed, 3, LAN, CORRECT);
      NodeId primary = awaitPrimary(sim);
      List<NodeId> backups = sim.nodes().stream().filter(n -> !n.equals(primary)).toList();
      backups.forEach(b -> sim.crash(sim.elapsed(), b));
      RequestId write = new RequestId("c1", 1);
      RequestId read = new RequestId("c1", 2);
      sim.tell(sim.elapsed().plus(ms(10)), primary, new PrimaryBackup.Request(new Put(write, "k", "v")));
      sim.runFor(ms(600));
      assertThat(sim.upcalls(primary, KvReply.class)).as("seed %d: answers without a majority", seed).isEmpty();

      sim.restart(sim.elapsed(), backups.get(seed % 2 == 0 ? 0 : 1));
      sim.runFor(ms(300));
      sim.tell(primary, new PrimaryBackup.Request(new Get(read, "k")));
      sim.runFor(ms(100));
      assertThat(sim.upcalls(primary, KvReply.class)).as("seed %d", seed)
          .containsExactly(new KvReply.Ok(write, null), new KvReply.Ok(read, "v"));
    });
  }

  @Test
  void negativeControlAPrimaryAnsweringBeforeItsBackupsHoldTheWriteLosesAcknowledgedWrites() {
    SimProtocol<Command> broken = (peers, env, upcalls) ->
        BrokenReplicas.primaryAnsweringBeforeReplicating("kv", peers, env, Settings.DEFAULT, upcalls.narrow());
    AtomicInteger caught = new AtomicInteger();
    Simulations.forSeeds(1, 20, seed -> {
      Simulation<Command> sim = sim(seed, 3, LAN, broken);
      crashEachInTurn(sim, 6);
      KvWorkload.Result r = workload(sim).operations(40).think(ms(5)).run(Duration.ofSeconds(30));
      if (!LinearizabilityChecker.forRegisters().check(r.history()).valid()) {
        caught.incrementAndGet();
      }
    });
    assertThat(caught.get()).as("seeds where the checker caught a lost acknowledged write").isPositive();
  }

  @Test
  void settingsOutOfOrderAreRejectedWithTheRuleBroken() {
    assertThatThrownBy(() -> new Settings(ms(200), ms(150), ms(300)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0 < heartbeat < suspectMin < suspectMax");
    assertThatThrownBy(() -> new Settings(ms(20), ms(300), ms(300)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Settings(Duration.ZERO, ms(150), ms(300)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Settings(ms(150), ms(150), ms(300)))
        .as("suspectMin equal to the heartbeat").isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Settings(ms(20), ms(150), ms(150)))
        .as("suspectMax equal to suspectMin").isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Settings(ms(20), ms(150), ms(300), 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxMessageBytes must be at least 1, got 0");
    assertThat(new Settings(ms(20), ms(150), ms(300), 1).maxMessageBytes()).isEqualTo(1);
  }
}
