package dev.parley.testkit.replication;

import static dev.parley.testkit.replication.RaftKvSpec.LAN;
import static dev.parley.testkit.replication.RaftKvSpec.ms;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.replication.KvReply;
import dev.parley.protocols.replication.Put;
import dev.parley.protocols.replication.RaftKv;
import dev.parley.protocols.replication.RequestId;
import dev.parley.testkit.raft.RaftInvariants;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import dev.parley.testkit.sim.StorageFaults;
import dev.parley.testkit.sim.TraceEvent;
import dev.parley.testkit.sim.TraceEvent.Kind;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What Raft's log compaction costs while followers lag: a leader holds a compaction back while a
 * follower it hears from lacks applied entries, and asks itself to compact only once it can. Journals
 * here take up to 20 ms a write, so under a stream of writes some follower is behind at most
 * heartbeats. The other specs check that snapshots are taken and installed, which a leader asking
 * itself to compact at every heartbeat (and refusing) also passes.
 */
class RaftCompactionSpec {

  static final RaftKv.Settings EVERY_10 = RaftKv.Settings.DEFAULT.withSnapshotInterval(10);

  static final StorageFaults SLOW_JOURNAL = StorageFaults.NONE.withWriteDelay(Delay.uniform(Duration.ZERO, ms(20)));

  @Test
  void aLeaderHoldingACompactionBackAsksItselfOnlyWhenItCanCompact() {
    Simulations.forSeeds(1, 6, seed -> {
      Simulation<RaftKv.Command> sim = Simulation.<RaftKv.Command>builder(3,
              (peers, env, upcalls) -> RaftKv.create("kv", peers, env, EVERY_10, upcalls.narrow()))
          .seed(seed)
          .faults(LAN)
          .storage(SLOW_JOURNAL)
          .tracing(true)
          .freshInvariant(() -> new RaftInvariants(RaftInvariants.Answers.KV))
          .build();
      NodeId leader = RaftSnapshotChunksSpec.leader(sim);
      for (int i = 1; i <= 150; i++) {
        RequestId id = new RequestId("c1", i);
        sim.tell(sim.elapsed(), leader, new RaftKv.Request(new Put(id, "k" + i % 7, "v" + i)));
        assertThat(KvRuns.answered(sim, leader, id, Duration.ofSeconds(2))).as("seed %d: put %d answered", seed, i)
            .isNotNull();
        assertThat(sim.upcalls(leader, KvReply.class)).as("seed %d: put %d", seed, i)
            .anySatisfy(r -> assertThat(r).isInstanceOf(KvReply.Ok.class).extracting(KvReply::id).isEqualTo(id));
      }
      sim.runFor(Duration.ofSeconds(1));

      List<TraceEvent> events = sim.trace().events();
      long asked = events.stream().filter(e -> e.kind() == Kind.LOCAL && leader.equals(e.to())
          && e.message().equals("COMPACT")).count();
      long taken = events.stream().filter(e -> e.kind() == Kind.PERSIST && leader.equals(e.from())
          && e.message().contains("SnapshotTaken[")).count();
      assertThat(taken).as("seed %d: snapshots the leader took of 150 writes every 10", seed).isGreaterThanOrEqualTo(3);
      assertThat(asked).as("seed %d: compactions the leader asked itself for, against the %d it took", seed, taken)
          .isLessThanOrEqualTo(taken + 2);
    });
  }
}
