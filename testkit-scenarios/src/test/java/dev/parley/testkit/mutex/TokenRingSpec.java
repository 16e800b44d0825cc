package dev.parley.testkit.mutex;

import static dev.parley.testkit.mutex.Algorithms.ms;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.protocols.mutex.TokenRing;
import dev.parley.testkit.checker.MutualExclusionChecker;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The token ring beyond the notes: a lost token is detected and exactly one new token is made; a
 * token that is only late is not doubled. Every run also carries contention from every node, checked
 * for safety and liveness.
 */
class TokenRingSpec {

  private static long regenerated(Simulation<Object> sim) {
    return sim.nodes().stream()
        .mapToLong(n -> sim.upcalls(n, TokenRing.TokenRegenerated.class).size())
        .sum();
  }

  private static void contendAndCheck(Simulation<Object> sim) {
    SimContention.Result r = SimContention.of(sim, sim.nodes(), TokenRing.MUTEX).rounds(3)
        .hold(ms(1), ms(3)).think(ms(0), ms(20)).startingAt(ms(50)).run(Duration.ofSeconds(10));
    MutualExclusionChecker.create().withoutFairness()
        .withLiveness(0, Duration.ofSeconds(2).toNanos()).check(r.events()).requireValid();
    assertThat(r.entries()).isEqualTo(sim.nodes().size() * 3);
  }

  @Test
  void aLostTokenIsDetectedAndExactlyOneNewTokenIsMade() {
    Simulations.forSeeds(1, 10, seed -> {
      Simulation<Object> sim = Algorithms.tokenRing(5).seed(seed).build();
      // the idle token goes round every 5 ms: cut n2 -> n3 for two rounds, it is lost there
      NodeId n2 = NodeId.n(2);
      sim.nemesis(ms(20), new NemesisCommand.Cut(n2, Set.of(NodeId.n(3))));
      sim.nemesis(ms(30), new NemesisCommand.Heal());
      contendAndCheck(sim);

      assertThat(sim.stats().lost()).isEqualTo(1);
      assertThat(regenerated(sim)).isEqualTo(1);
      assertThat(sim.upcalls(NodeId.n(3), TokenRing.TokenRegenerated.class)).hasSize(1);
    });
  }

  @Test
  void aTokenThatIsOnlyLateIsNotDoubled() {
    Simulations.forSeeds(1, 10, seed -> {
      Simulation<Object> sim = Algorithms.tokenRing(5).seed(seed).build();
      Duration beyondTimeout = Algorithms.RING_SETTINGS.lossTimeout().plus(ms(100));
      sim.nemesis(ms(20), new NemesisCommand.Slow(Delay.fixed(beyondTimeout)));
      sim.nemesis(ms(23), new NemesisCommand.Heal()); // one pass crosses meanwhile
      contendAndCheck(sim);

      assertThat(sim.stats().lost()).isZero();
      assertThat(regenerated(sim)).isEqualTo(1);
    });
  }
}
