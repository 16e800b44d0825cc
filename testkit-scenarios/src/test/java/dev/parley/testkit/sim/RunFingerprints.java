package dev.parley.testkit.sim;

import dev.parley.protocols.core.NodeId;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the {@code *Fingerprints} tools (test sources, run only when {@code -Dparley.fingerprints=DIR}
 * is given) have in common: the number of seeds ({@code -Dparley.fingerprints.seeds=N}, 36 by
 * default), the file each writes in DIR, and a run's digest: the trace's fingerprint and length, a
 * digest of every traced event's text (a partition's, whose sides print in a per-JVM order, left
 * out), of every node's upcalls and of the journals of the nodes named. Compare the files written
 * before and after a refactor (docs/testing-quality.md, "Pure refactors").
 */
public final class RunFingerprints {

  /** How many seeds of each workload a tool runs. */
  public static final int SEEDS = Integer.getInteger("parley.fingerprints.seeds", 36);

  private RunFingerprints() {}

  /** The file {@code name} in the directory {@code -Dparley.fingerprints} names, made if need be. */
  public static PrintWriter open(String name) throws IOException {
    Path dir = Files.createDirectories(Path.of(System.getProperty("parley.fingerprints")));
    return new PrintWriter(Files.newBufferedWriter(dir.resolve(name)));
  }

  /** The run's digest, over the journals of {@code journaled} (in that order). */
  public static String digest(Simulation<?> sim, NodeId... journaled) {
    long h = 17;
    for (TraceEvent e : sim.trace().events()) {
      String text = e.toString();
      // a partition prints its sides as a Set.of, whose order is salted per JVM: left out
      h = h * 31 + (text.contains(" NEMESIS ") ? 0 : text.hashCode());
    }
    long u = 17;
    for (NodeId n : sim.nodes()) {
      u = u * 31 + sim.upcalls(n).toString().hashCode();
    }
    long p = 0;
    for (NodeId n : journaled) {
      p = p * 31 + sim.persistedEvents(n).toString().hashCode();
    }
    return String.format("fp=%016x events=%d text=%016x upcalls=%016x journal=%08x", sim.trace().fingerprint(),
        sim.trace().size(), h, u, p);
  }
}
