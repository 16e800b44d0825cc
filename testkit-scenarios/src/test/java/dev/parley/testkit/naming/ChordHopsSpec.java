package dev.parley.testkit.naming;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.naming.BrokenChord;
import dev.parley.protocols.naming.Chord;
import dev.parley.testkit.naming.ChordRing.Hops;
import dev.parley.testkit.sim.Simulations;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Chord's O(log N) lookups, as a property of the fingers the protocol built: in a ring of 64 nodes
 * made by joins and stabilisation, the mean path length stays within half and one and a half times
 * the paper's ½·log2 N (3 hops) and no lookup takes more than log2 N + 2; a ring whose nodes never fix
 * their fingers routes along successors and fails that bound.
 */
class ChordHopsSpec {

  static final int N = 64;

  static Hops hops(Chord.Settings settings, long seed) {
    return hops(settings, seed, Chord::create);
  }

  static Hops hops(Chord.Settings settings, long seed, ChordRing.Node node) {
    ChordRing ring = ChordRing.of(N, settings, seed, ChordRing.LINKS, node).grow(Duration.ofMillis(1_000));
    return Hops.of(ring.lookups(300));
  }

  static boolean logarithmic(Hops h) {
    double expected = Hops.expected(N);
    return h.mean() >= 0.5 * expected && h.mean() <= 1.5 * expected && h.max() <= 6 + 2;
  }

  @Test
  void meanHopsStayNearHalfLog2N() {
    Simulations.forSeeds(1, 3, seed -> {
      Hops h = hops(Chord.Settings.DEFAULT, seed);
      assertThat(h.wrong()).isZero();
      assertThat(logarithmic(h)).as("mean %.2f, max %d against ½·log2 %d = %.1f", h.mean(), h.max(), N,
          Hops.expected(N)).isTrue();
    });
  }

  @Test
  void withoutFingerFixingLookupsWalkTheSuccessorsAndTheBoundIsBroken() {
    Hops h = hops(Chord.Settings.DEFAULT, 1, BrokenChord::withoutFingerFixing);
    assertThat(h.wrong()).as("still right, only slow").isZero();
    assertThat(logarithmic(h)).as("mean %.2f, max %d", h.mean(), h.max()).isFalse();
    assertThat(h.mean()).isGreaterThan(N / 8.0);
  }
}
