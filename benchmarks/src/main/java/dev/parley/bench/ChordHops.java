package dev.parley.bench;

import dev.parley.protocols.naming.Chord;
import dev.parley.testkit.naming.ChordRing;
import dev.parley.testkit.naming.ChordRing.Hops;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Chord lookup path lengths against the paper's ½·log2 N: for N = 16, 32, ... simulated nodes, the
 * ring is built by the protocol itself in the deterministic simulation (joins in waves that double
 * the ring, each wave followed by rounds of stabilise and fix_fingers), then random keys are looked
 * up from random nodes and the hops counted.
 */
@Command(name = "chord", mixinStandardHelpOptions = true,
    description = "Mean and p99 Chord lookup hops for N = 16 .. max simulated nodes, beside ½·log2 N.")
final class ChordHops implements Runnable {

  @Option(names = "--max", description = "largest ring (default ${DEFAULT-VALUE})")
  int max = 1024;

  @Option(names = "--lookups", description = "random lookups per ring (default ${DEFAULT-VALUE})")
  int lookups = 1000;

  @Option(names = "--pause",
      description = "virtual ms of stabilisation after each wave of joins (default ${DEFAULT-VALUE})")
  long pause = 1000;

  @Option(names = "--seed", description = "simulation seed (default ${DEFAULT-VALUE})")
  long seed = 1;

  @Override
  public void run() {
    Chord.Settings settings = Chord.Settings.DEFAULT;
    System.out.printf("Chord lookup hops, m = %d bits, r = %d successors, %,d random lookups per ring, "
        + "rings built by joins in doubling waves with %d ms of stabilisation after each%n",
        settings.bits(), settings.successors(), lookups, pause);
    Figures.machine();
    Figures.row("N", "mean hops", "p99 hops", "max hops", "½·log2 N", "wrong answers", "messages to build",
        "seconds");
    Figures.row("---", "---", "---", "---", "---", "---", "---", "---");
    for (int n = 16; n <= max; n *= 2) {
      long start = System.nanoTime();
      ChordRing ring = ChordRing.of(n, settings, seed, ChordRing.LINKS).grow(Duration.ofMillis(pause));
      long built = ring.sim().stats().sent();
      Hops hops = Hops.of(ring.lookups(lookups));
      double seconds = (System.nanoTime() - start) / 1e9;
      Figures.row(String.valueOf(n), String.format("%.2f", hops.mean()), String.valueOf(hops.p99()),
          String.valueOf(hops.max()), String.format("%.2f", Hops.expected(n)), String.valueOf(hops.wrong()),
          String.format("%,d", built), String.format("%.1f", seconds));
    }
  }
}
