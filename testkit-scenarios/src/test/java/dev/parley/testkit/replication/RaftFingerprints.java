package dev.parley.testkit.replication;

import static dev.parley.testkit.replication.RaftKvSpec.FAST;
import static dev.parley.testkit.replication.RaftKvSpec.LAN;
import static dev.parley.testkit.replication.RaftKvSpec.SLOW_FAILING_JOURNAL;
import static dev.parley.testkit.replication.RaftKvSpec.ms;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.replication.RaftKv;
import dev.parley.protocols.replication.RaftKv.Settings;
import dev.parley.testkit.kv.KvWorkload;
import dev.parley.testkit.raft.RaftInvariants;
import dev.parley.testkit.sim.RunFingerprints;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.StorageFaults;
import java.io.PrintWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Not a check: a record of what Raft does in the simulation, seed by seed, for telling a pure refactor
 * from a change of behavior. Runs only when {@code -Dparley.fingerprints=DIR} is given and writes
 * {@code DIR/raft.txt}: for each run of {@link RaftKvSpec}'s workloads (its seeded nemesis of
 * partitions, one-way cuts, lossy links, crashes and restarts, over three or five nodes, one batch at
 * a time, pipelined, or with small messages and snapshots; with snapshots in 64-byte chunks; the same
 * nemesis over a slow, failing journal), traced, the digest of {@link RunFingerprints} over every node's journal, the workload's
 * history and how many {@code InstallSnapshot} chunks were sent. Compare the files written before
 * and after a refactor (docs/testing-quality.md, "Pure refactors").
 */
@EnabledIfSystemProperty(named = "parley.fingerprints", matches = ".+")
class RaftFingerprints {

  static final int SEEDS = RunFingerprints.SEEDS;

  static Simulation<RaftKv.Command> simulation(int n, long seed, Settings settings, StorageFaults storage) {
    return Simulation.<RaftKv.Command>builder(n,
            (peers, env, upcalls) -> RaftKv.create("kv", peers, env, settings, upcalls.narrow()))
        .seed(seed).faults(LAN).storage(storage).tracing(true)
        .freshInvariant(() -> new RaftInvariants(RaftInvariants.Answers.KV))
        .build();
  }

  static String run(Simulation<RaftKv.Command> sim, long seed) {
    RaftKvSpec.faults(sim, seed);
    KvWorkload.Result r = RaftKvSpec.workload(sim).clients(5).keys(2).operations(100).think(ms(100))
        .run(Duration.ofSeconds(30));
    sim.runFor(Duration.ofSeconds(2));
    return RunFingerprints.digest(sim, sim.nodes().toArray(new NodeId[0]))
        + " ok=" + r.ok() + " sent=" + r.messagesSent()
        + " snapshotChunks=" + sim.stats().sentByType().getOrDefault("InstallSnapshot", 0L)
        + String.format(" history=%08x", r.history().operations().toString().hashCode());
  }

  @Test
  void writeFingerprints() throws Exception {
    try (PrintWriter out = RunFingerprints.open("raft.txt")) {
      for (long seed = 1; seed <= SEEDS; seed++) {
        Settings settings = switch ((int) (seed % 3)) {
          case 0 -> FAST;
          case 1 -> FAST.withMaxBatchesInFlight(8);
          default -> new Settings(FAST.election(), 2, 4, 10);
        };
        Simulation<RaftKv.Command> sim = simulation(seed % 2 == 0 ? 3 : 5, seed, settings, StorageFaults.NONE);
        out.println("nemesis seed=" + seed + " " + run(sim, seed));
        out.flush();
      }
      for (long seed = 1; seed <= SEEDS; seed++) {
        Settings settings = new Settings(FAST.election(), 2, 4, 10).withSnapshotChunkBytes(64);
        Simulation<RaftKv.Command> sim = simulation(seed % 2 == 0 ? 3 : 5, seed, settings, StorageFaults.NONE);
        out.println("small-chunks seed=" + seed + " " + run(sim, seed));
        out.flush();
      }
      for (long seed = 1; seed <= SEEDS; seed++) {
        Settings settings = seed % 2 == 0 ? FAST : FAST.withMaxBatchesInFlight(8);
        Simulation<RaftKv.Command> sim = simulation(seed % 2 == 0 ? 3 : 5, seed, settings, SLOW_FAILING_JOURNAL);
        out.println("slow-failing-journal seed=" + seed + " " + run(sim, seed));
        out.flush();
      }
    }
  }
}
