package dev.parley.testkit.replication;

import static dev.parley.testkit.replication.KvRuns.LAN;
import static dev.parley.testkit.replication.KvRuns.LOSSY;
import static dev.parley.testkit.replication.KvRuns.ms;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.protocols.replication.BrokenReplicas;
import dev.parley.protocols.replication.PrimaryBackup.Command;
import dev.parley.protocols.replication.PrimaryBackup.Settings;
import dev.parley.testkit.kv.KvWorkload;
import dev.parley.testkit.sim.RunFingerprints;
import dev.parley.testkit.sim.SimProtocol;
import dev.parley.testkit.sim.Simulation;
import java.io.PrintWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Not a check: a record of what primary-backup does in the simulation, seed by seed, for telling a
 * pure refactor from a change of behavior. Runs only when {@code -Dparley.fingerprints=DIR} is given
 * and writes {@code DIR/primary-backup.txt}: for each run of {@link PrimaryBackupSpec}'s workloads
 * (every node crashed in turn over lossy links, untraced and traced; the same with the journals slow
 * and failing; five nodes under partitions that cut the primary off; the primary that answers before
 * its write), the digest of {@link RunFingerprints} over every node's journal, and the workload's
 * history. Compare the files written before and after a refactor (docs/testing-quality.md, "Pure
 * refactors").
 */
@EnabledIfSystemProperty(named = "parley.fingerprints", matches = ".+")
class PrimaryBackupFingerprints {

  static final int SEEDS = RunFingerprints.SEEDS;

  static String run(Simulation<Command> sim) {
    KvWorkload.Result r = PrimaryBackupSpec.workload(sim).operations(40).run(Duration.ofSeconds(30));
    return RunFingerprints.digest(sim, sim.nodes().toArray(new NodeId[0]))
        + " ok=" + r.ok() + " sent=" + r.messagesSent()
        + String.format(" history=%08x", r.history().operations().toString().hashCode());
  }

  @Test
  void writeFingerprints() throws Exception {
    try (PrintWriter out = RunFingerprints.open("primary-backup.txt")) {
      for (boolean traced : new boolean[] {false, true}) {
        for (long seed = 1; seed <= SEEDS; seed++) {
          Simulation<Command> sim = Simulation.builder(3, PrimaryBackupSpec.CORRECT).seed(seed).faults(LOSSY)
              .tracing(traced).build();
          PrimaryBackupSpec.crashEachInTurn(sim, 6);
          out.println("crashes traced=" + traced + " seed=" + seed + " " + run(sim));
        }
      }
      for (long seed = 1; seed <= SEEDS; seed++) {
        Simulation<Command> sim = Simulation.builder(3, PrimaryBackupSpec.CORRECT).seed(seed).faults(LOSSY)
            .storage(KvRuns.SLOW_FAILING_JOURNAL).tracing(true).build();
        PrimaryBackupSpec.crashEachInTurn(sim, 6);
        out.println("slow-failing-journal seed=" + seed + " " + run(sim));
      }
      for (long seed = 1; seed <= SEEDS; seed++) {
        Simulation<Command> sim = Simulation.builder(5, PrimaryBackupSpec.CORRECT).seed(seed)
            .faults(LAN.withDrop(0.02)).tracing(true).build();
        String[] splits = {"n1,n2/n3,n4,n5", "n3/n1,n2,n4,n5", "n4,n5/n1,n2,n3", "n2,n5/n1,n3,n4"};
        for (int i = 0; i < splits.length; i++) {
          sim.nemesis(ms(200 + 600L * i), NemesisCommand.Partition.parse(splits[i]));
          sim.nemesis(ms(600 + 600L * i), new NemesisCommand.Heal());
        }
        out.println("partitions seed=" + seed + " " + run(sim));
      }
      SimProtocol<Command> early = (peers, env, upcalls) ->
          BrokenReplicas.primaryAnsweringBeforeWriting("kv", peers, env, Settings.DEFAULT, upcalls.narrow());
      for (long seed = 1; seed <= 12; seed++) {
        Simulation<Command> sim = Simulation.builder(3, early).seed(seed).faults(LAN)
            .storage(KvRuns.SLOW_FAILING_JOURNAL).tracing(true).build();
        PrimaryBackupSpec.crashEachInTurn(sim, 6);
        out.println("answering-before-writing seed=" + seed + " " + run(sim));
      }
    }
  }
}
