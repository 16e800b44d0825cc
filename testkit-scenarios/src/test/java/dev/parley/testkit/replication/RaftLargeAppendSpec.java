package dev.parley.testkit.replication;

import static dev.parley.testkit.replication.RaftKvSpec.LAN;
import static dev.parley.testkit.replication.RaftSnapshotChunksSpec.FRAME;
import static dev.parley.testkit.replication.RaftSnapshotChunksSpec.VALUES;
import static dev.parley.testkit.replication.RaftSnapshotChunksSpec.aFollowerAwayWhileTheOthersGrow;
import static dev.parley.testkit.replication.RaftSnapshotChunksSpec.backAndCaughtUp;
import static dev.parley.testkit.replication.RaftSnapshotChunksSpec.leader;
import static dev.parley.testkit.replication.RaftSnapshotChunksSpec.status;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.replication.Get;
import dev.parley.protocols.replication.KvReply;
import dev.parley.protocols.replication.Put;
import dev.parley.protocols.replication.RaftKv;
import dev.parley.protocols.replication.RaftKv.Settings;
import dev.parley.protocols.replication.RequestId;
import dev.parley.testkit.raft.RaftInvariants;
import dev.parley.testkit.replication.RaftSnapshotChunksSpec.Absence;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Raft's AppendEntries kept under Artery's frame by bytes, in the deterministic simulation: every
 * message between nodes serialized and the run failed if one is over 256 KiB, with the default
 * settings ({@code maxEntriesPerAppend} 512, {@code maxAppendBytes} 128 KiB) and no compaction during
 * the run, so a follower away while about 400 KiB of values (24 of 16 KiB) are written catches up by
 * AppendEntries alone, several entries to a message; the history stays linearizable. A value larger
 * than an AppendEntries may carry is refused, without effect, with an answer naming its size and the
 * limit.
 */
class RaftLargeAppendSpec {

  static final Settings SETTINGS = RaftKvSpec.FAST.withSnapshotInterval(10_000);

  static Simulation<RaftKv.Command> simulation(long seed) {
    return Simulation.<RaftKv.Command>builder(3,
            (peers, env, upcalls) -> RaftKv.create("kv", peers, env, SETTINGS, upcalls.narrow()))
        .seed(seed)
        .faults(RaftSnapshotChunksSpec.LOSSY)
        .maxMessageBytes(FRAME)
        .freshInvariant(() -> new RaftInvariants(RaftInvariants.Answers.KV))
        .build();
  }

  @Test
  void aFollowerBackFromAnAbsenceCatchesUpOnLogEntriesLargerTogetherThanAFrame() {
    Simulations.forSeeds(1, 4, seed -> {
      Simulation<RaftKv.Command> sim = simulation(seed);
      Absence away = aFollowerAwayWhileTheOthersGrow(sim, seed);
      NodeId absent = away.follower();
      backAndCaughtUp(sim, away);
      assertThat(status(sim, absent).snapshotIndex()).as("%s caught up on entries, not a snapshot", absent).isZero();
    });
  }

  @Test
  void aValueLargerThanAnAppendEntriesMayCarryIsRefusedWithoutEffectSayingItsSizeAndTheLimit() {
    Simulation<RaftKv.Command> sim = simulation(1);
    NodeId leader = leader(sim);
    String huge = "x".repeat(300 * 1024);
    sim.tell(sim.elapsed(), leader, new RaftKv.Request(new Put(new RequestId("big", 1), "k", huge)));
    sim.runFor(Duration.ofSeconds(1));
    sim.tell(sim.elapsed(), leader, new RaftKv.Request(new Get(new RequestId("big", 2), "k")));
    sim.runFor(Duration.ofSeconds(1));

    var replies = sim.upcalls(leader, KvReply.class);
    KvReply put = replies.stream().filter(rep -> rep.id().seq() == 1).findFirst().orElseThrow();
    assertThat(put).isInstanceOf(KvReply.Unavailable.class);
    assertThat(((KvReply.Unavailable) put).reason())
        .contains("bytes serialized, over the limit of " + Settings.DEFAULT.maxAppendBytes() + " bytes")
        .contains("maxAppendBytes").contains("had no effect");
    assertThat(replies).as("the get after it reads nothing").contains(new KvReply.Ok(new RequestId("big", 2), null));
    assertThat(status(sim, leader).keys()).isZero();
  }
}
