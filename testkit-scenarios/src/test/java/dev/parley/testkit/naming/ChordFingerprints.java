package dev.parley.testkit.naming;

import static dev.parley.testkit.naming.ChordSpec.ms;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.naming.BrokenChord;
import dev.parley.protocols.naming.Chord;
import dev.parley.testkit.sim.RunFingerprints;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Not a check: a record of what Chord does in the simulation, seed by seed, for telling a pure
 * refactor from a change of behavior. Runs only when {@code -Dparley.fingerprints=DIR} is given and
 * writes {@code DIR/chord.txt}: for each run of {@link ChordSpec}'s churn (joins, then joins and
 * crashes under loss, then quiet), of a settled ring that loses two neighbours at once (r = 3), of the
 * bare successor pointer without fingers that loses one (r = 1), and of a ring whose crashed nodes
 * restart and join again while others leave, the digest of {@link RunFingerprints} (no journal: a
 * Chord node keeps nothing) and of the lookups asked last. Compare the files written before and
 * after a refactor (docs/testing-quality.md, "Pure refactors").
 */
@EnabledIfSystemProperty(named = "parley.fingerprints", matches = ".+")
class ChordFingerprints {

  static final int SEEDS = RunFingerprints.SEEDS;

  static String lookups(List<ChordRing.Result> results) {
    return String.format("lookups=%08x", results.toString().hashCode());
  }

  /** A ring of 20 settled; three nodes crash, restart and join again while two others leave. */
  static String restartsAndLeaves(long seed) {
    ChordRing ring = ChordRing.of(20, ChordSpec.SETTINGS, seed, ChordRing.LINKS);
    ring.grow(ms(2_000));
    List<NodeId> order = new ArrayList<>(ring.members().values());
    Random random = new Random(seed);
    int first = random.nextInt(order.size());
    List<NodeId> crashed = List.of(order.get(first), order.get((first + 7) % order.size()),
        order.get((first + 13) % order.size()));
    crashed.forEach(ring::crash);
    ring.settle(ms(500));
    for (NodeId node : crashed) {
      ring.restart(node);
      ring.join(node, order.get((first + 3) % order.size()));
    }
    ring.leave(order.get((first + 5) % order.size())).leave(order.get((first + 10) % order.size()));
    ring.settle(ms(2_000));
    return RunFingerprints.digest(ring.sim()) + " " + lookups(ring.lookups(100));
  }

  @Test
  void writeFingerprints() throws Exception {
    try (PrintWriter out = RunFingerprints.open("chord.txt")) {
      for (long seed = 1; seed <= SEEDS; seed++) {
        ChordRing ring = ChordSpec.churnThenQuiet(seed);
        out.println("churn seed=" + seed + " " + RunFingerprints.digest(ring.sim()));
      }
      for (long seed = 1; seed <= SEEDS; seed++) {
        out.println("consecutive-crashes seed=" + seed + " "
            + lookups(ChordSpec.lookupsAfterConsecutiveCrashes(ChordSpec.SETTINGS, seed, 2)));
      }
      Chord.Settings bare = ChordSpec.SETTINGS.withSuccessors(1);
      for (long seed = 1; seed <= 12; seed++) {
        out.println("bare-pointer seed=" + seed + " "
            + lookups(ChordSpec.lookupsAfterConsecutiveCrashes(bare, seed, 1, BrokenChord::withoutFingerFixing)));
      }
      for (long seed = 1; seed <= SEEDS; seed++) {
        out.println("restarts-and-leaves seed=" + seed + " " + restartsAndLeaves(seed));
      }
    }
  }
}
