package dev.parley.testkit.replication;

import static dev.parley.testkit.replication.KvRuns.ms;
import static dev.parley.testkit.replication.LargeState.FRAME;
import static dev.parley.testkit.replication.LargeState.VALUES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.replication.Get;
import dev.parley.protocols.replication.KvReply;
import dev.parley.protocols.replication.PrimaryBackup;
import dev.parley.protocols.replication.PrimaryBackup.Command;
import dev.parley.protocols.replication.PrimaryBackup.Settings;
import dev.parley.protocols.replication.PrimaryBackup.Status;
import dev.parley.protocols.replication.Put;
import dev.parley.protocols.replication.RequestId;
import dev.parley.testkit.kv.KvWorkload;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import java.time.Duration;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/**
 * Primary-backup with a store larger than a message may be, in the deterministic simulation: a
 * store grown to about 400 KiB, every message between nodes serialized as Artery would send it and
 * the run failed if one is over 256 KiB, lossy links. A backup away while the values are written
 * catches up on the entries it lacks, several to a message; nodes that missed a view change get the
 * new view's state in chunks. Histories stay linearizable and every node ends with the primary's
 * store. A request larger than a message may carry is refused, without effect, saying its size and
 * the limit.
 */
class PrimaryBackupLargeStateSpec {

  static Simulation<Command> simulation(long seed, int nodes) {
    return Simulation.<Command>builder(nodes,
            (peers, env, upcalls) -> PrimaryBackup.create("kv", peers, env, Settings.DEFAULT, upcalls.narrow()))
        .seed(seed)
        .faults(KvRuns.LOSSY)
        .maxMessageBytes(FRAME)
        .build();
  }

  static Status status(Simulation<Command> sim, NodeId node) {
    return PrimaryBackupSpec.status(sim, node);
  }

  static boolean primaryHoldsTheLargeValues(Simulation<Command> sim) {
    return status(sim, PrimaryBackupSpec.awaitPrimary(sim)).values().size() >= VALUES;
  }

  static NodeId aBackup(Simulation<Command> sim, NodeId primary) {
    return sim.liveNodes().stream().filter(n -> !n.equals(primary)).sorted().findFirst().orElseThrow();
  }

  /** Runs until every node holds the primary's store at the primary's sequence number (within {@code max}). */
  static void awaitEveryNodeHoldsThePrimarysStore(Simulation<Command> sim, Duration max) {
    Duration until = sim.elapsed().plus(max);
    while (sim.elapsed().compareTo(until) < 0) {
      sim.runFor(ms(200));
      Status primary = status(sim, PrimaryBackupSpec.awaitPrimary(sim));
      if (sim.nodes().stream().map(n -> status(sim, n)).filter(Objects::nonNull)
          .allMatch(s -> s.seq() == primary.seq() && s.values().equals(primary.values()))) {
        return;
      }
    }
    fail("the nodes did not all hold the primary's store within %s: %s", max,
        sim.nodes().stream().map(n -> n + " at " + status(sim, n).seq()).toList());
  }

  static KvWorkload.Result smallWorkload(Simulation<Command> sim) {
    return PrimaryBackupSpec.workload(sim).operations(30).run(Duration.ofSeconds(30));
  }

  @Test
  void aBackupAwayWhileLargeValuesAreWrittenCatchesUpOnEntriesLargerTogetherThanAFrame() {
    Simulations.forSeeds(1, 4, seed -> {
      Simulation<Command> sim = simulation(seed, 3);
      NodeId away = aBackup(sim, PrimaryBackupSpec.awaitPrimary(sim));
      sim.crash(sim.elapsed(), away);
      LargeState.fill(sim, () -> PrimaryBackupSpec.awaitPrimary(sim), PrimaryBackup.Request::new,
          PrimaryBackupLargeStateSpec::primaryHoldsTheLargeValues);
      sim.restart(sim.elapsed(), away);
      KvWorkload.Result r = smallWorkload(sim);
      awaitEveryNodeHoldsThePrimarysStore(sim, Duration.ofSeconds(20));

      KvRuns.assertLinearizable(sim, r);
      assertThat(status(sim, away).values()).as("%s's store", away).hasSizeGreaterThanOrEqualTo(VALUES);
    });
  }

  @Test
  void nodesThatMissedAViewChangeGetTheNewViewsLargeStateInChunks() {
    Simulations.forSeeds(1, 4, seed -> {
      Simulation<Command> sim = simulation(seed, 5);
      NodeId first = PrimaryBackupSpec.awaitPrimary(sim);
      NodeId away = aBackup(sim, first);
      sim.crash(sim.elapsed(), away);
      sim.crash(sim.elapsed().plusMillis(1), first);
      sim.runFor(ms(10));
      NodeId second = PrimaryBackupSpec.awaitPrimary(sim);
      assertThat(second).as("a new primary").isNotEqualTo(first);
      LargeState.fill(sim, () -> PrimaryBackupSpec.awaitPrimary(sim), PrimaryBackup.Request::new,
          PrimaryBackupLargeStateSpec::primaryHoldsTheLargeValues);
      long snapshotsBefore = sim.stats().sentByType().getOrDefault("Snapshot", 0L);
      sim.restart(sim.elapsed(), away);
      sim.restart(sim.elapsed().plusMillis(100), first);
      KvWorkload.Result r = smallWorkload(sim);
      awaitEveryNodeHoldsThePrimarysStore(sim, Duration.ofSeconds(20));

      KvRuns.assertLinearizable(sim, r);
      assertThat(status(sim, away).values()).as("%s's store", away).hasSizeGreaterThanOrEqualTo(VALUES);
      assertThat(status(sim, first).values()).as("%s's store", first).hasSizeGreaterThanOrEqualTo(VALUES);
      assertThat(sim.stats().sentByType().getOrDefault("Snapshot", 0L) - snapshotsBefore)
          .as("the state went to the nodes that missed the view change in Snapshot chunks").isPositive();
    });
  }

  @Test
  void aRequestLargerThanAMessageMayCarryIsRefusedWithoutEffectSayingItsSizeAndTheLimit() {
    Simulation<Command> sim = simulation(1, 3);
    NodeId primary = PrimaryBackupSpec.awaitPrimary(sim);
    sim.tell(sim.elapsed(), primary, new PrimaryBackup.Request(new Put(new RequestId("big", 1), "k",
        "x".repeat(300 * 1024))));
    sim.runFor(Duration.ofSeconds(1));
    sim.tell(sim.elapsed(), primary, new PrimaryBackup.Request(new Get(new RequestId("big", 2), "k")));
    sim.runFor(Duration.ofSeconds(1));

    var replies = sim.upcalls(primary, KvReply.class);
    KvReply put = replies.stream().filter(rep -> rep.id().seq() == 1).findFirst().orElseThrow();
    assertThat(put).isInstanceOf(KvReply.Unavailable.class);
    assertThat(((KvReply.Unavailable) put).reason())
        .contains("bytes serialized, over the limit of " + Settings.DEFAULT_MAX_MESSAGE_BYTES + " bytes")
        .contains("maxMessageBytes").contains("had no effect");
    assertThat(replies).as("the get after it reads nothing").contains(new KvReply.Ok(new RequestId("big", 2), null));
  }
}
