package dev.parley.testkit.mutex;

import static dev.parley.testkit.mutex.Algorithms.ms;

import dev.parley.protocols.mutex.LockClient;
import dev.parley.testkit.sim.RunFingerprints;
import dev.parley.testkit.sim.Simulation;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Not a check: a record of what the lock server does in the simulation, seed by seed, for telling a
 * pure refactor from a change of behavior. Runs only when {@code -Dparley.fingerprints=DIR} is given
 * and writes {@code DIR/lock-server.txt}: for each run of {@link MutexSimulationSpec}'s contention
 * (lossy links and a server crash, untraced and traced; with the journal slow and failing; the server
 * that grants before its write), the trace's fingerprint and length, a digest of every traced event's
 * text (a partition's, whose sides print in a per-JVM order, left out), of every node's upcalls and
 * of the server's journal, and the entries. Compare the files written before and after a refactor
 * (docs/testing-quality.md, "Pure refactors").
 */
@EnabledIfSystemProperty(named = "parley.fingerprints", matches = ".+")
class LockServerFingerprints {

  static final int SEEDS = RunFingerprints.SEEDS;

  static String digest(Simulation<Object> sim, SimContention.Result r) {
    return RunFingerprints.digest(sim, Algorithms.SERVER) + " entries=" + r.entries();
  }

  private static SimContention.Result run(Simulation<Object> sim, int n, long seed) {
    Random random = new Random(seed);
    long crashAt = 10 + random.nextInt(60);
    sim.crash(ms(crashAt), Algorithms.SERVER);
    sim.restart(ms(crashAt + 5 + random.nextInt(30)), Algorithms.SERVER);
    return SimContention.of(sim, Algorithms.clients(n), LockClient.MUTEX).rounds(4)
        .hold(ms(1), ms(5)).think(ms(0), ms(8)).run(Duration.ofSeconds(60));
  }

  @Test
  void writeFingerprints() throws Exception {
    try (PrintWriter out = RunFingerprints.open("lock-server.txt")) {
      for (boolean traced : new boolean[] {false, true}) {
        for (long seed = 1; seed <= SEEDS; seed++) {
          int n = 3 + (int) (seed % 3);
          Simulation<Object> sim = Algorithms.lockServer(n).seed(seed)
              .faults(MutexSimulationSpec.UNRULY.withDrop(0.1)).tracing(traced).build();
          out.println("lossy traced=" + traced + " seed=" + seed + " " + digest(sim, run(sim, n, seed)));
        }
      }
      for (long seed = 1; seed <= SEEDS; seed++) {
        int n = 3 + (int) (seed % 3);
        Simulation<Object> sim = Algorithms.lockServer(n).seed(seed).faults(MutexSimulationSpec.UNRULY.withDrop(0.1))
            .storage(MutexSimulationSpec.SLOW_FAILING_JOURNAL).tracing(true).build();
        out.println("slow-failing-journal seed=" + seed + " " + digest(sim, run(sim, n, seed)));
      }
      for (long seed = 1; seed <= SEEDS; seed++) {
        int n = 3 + (int) (seed % 3);
        Simulation<Object> sim = Algorithms.lockServerGrantingEarly(n).seed(seed)
            .faults(MutexSimulationSpec.UNRULY.withDrop(0.1))
            .storage(MutexSimulationSpec.SLOW_FAILING_JOURNAL).tracing(true).build();
        out.println("granting-early seed=" + seed + " " + digest(sim, run(sim, n, seed)));
      }
    }
  }
}
