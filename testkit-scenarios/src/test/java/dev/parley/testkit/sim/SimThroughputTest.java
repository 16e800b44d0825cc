package dev.parley.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.multicast.CausalMulticast;
import dev.parley.protocols.multicast.Multicast;
import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Figures, printed, not asserted (timings belong in benchmarks): simulated deliveries per second
 * on one core, and exploration states per second. The assertions check the runs did their work.
 */
class SimThroughputTest {

  private static final FaultPlan JITTER =
      FaultPlan.none().withDelay(Delay.uniform(Duration.ofMillis(1), Duration.ofMillis(5)));

  private static Simulation<TestProtocols.Token> tokenRing(int tokens, int hops) {
    Simulation<TestProtocols.Token> sim =
        Simulation.<TestProtocols.Token>builder(
                5, (peers, env, upcalls) -> TestProtocols.tokenRing(peers, upcalls))
            .faults(JITTER)
            .seed(1)
            .build();
    for (int t = 0; t < tokens; t++) {
      sim.tell(NodeId.n(1 + t % 5), new TestProtocols.Token(t, hops));
    }
    return sim;
  }

  @Test
  void simulatedDeliveriesPerSecond() {
    tokenRing(20, 5_000).runUntilQuiescent();
    Simulation<TestProtocols.Token> sim = tokenRing(50, 10_000);
    long start = System.nanoTime();
    sim.runUntilQuiescent();
    double seconds = (System.nanoTime() - start) / 1e9;
    assertThat(sim.stats().delivered()).isEqualTo(500_000);
    System.out.printf(
        Locale.ROOT,
        "[throughput] token ring, 5 nodes: %d deliveries in %.2f s = %.0f deliveries/s (%d steps)%n",
        sim.stats().delivered(),
        seconds,
        sim.stats().delivered() / seconds,
        sim.stats().steps());
  }

  @Test
  void simulatedCausalMulticastDeliveriesPerSecond() {
    Simulation<CausalMulticast.Command> sim =
        Simulation.<CausalMulticast.Command>builder(
                5, (peers, env, upcalls) -> CausalMulticast.create(peers, upcalls.narrow()))
            .faults(JITTER.withReorder(0.2))
            .seed(2)
            .build();
    for (int i = 0; i < 20_000; i++) {
      sim.tell(Duration.ofMillis(i), NodeId.n(1 + i % 5), new Multicast(i));
    }
    long start = System.nanoTime();
    sim.runUntilQuiescent();
    double seconds = (System.nanoTime() - start) / 1e9;
    assertThat(sim.stats().delivered()).isEqualTo(80_000);
    System.out.printf(
        Locale.ROOT,
        "[throughput] causal multicast, 5 nodes: %d deliveries in %.2f s = %.0f deliveries/s%n",
        sim.stats().delivered(),
        seconds,
        sim.stats().delivered() / seconds);
  }

  @Test
  void explorationStatesPerSecond() {
    Exploration.Result result =
        Exploration.of(
                Simulation.<CausalMulticast.Command>builder(
                        3,
                        (peers, env, upcalls) -> CausalMulticast.create(peers, upcalls.narrow()))
                    .freshInvariant(CausalOrderCheck::new))
            .setup(
                sim -> {
                  sim.tell(NodeId.n(1), new Multicast("a"));
                  sim.tell(NodeId.n(2), new Multicast("b"));
                  sim.tell(NodeId.n(3), new Multicast("c"));
                })
            .maxDepth(9)
            .run();
    result.assertNoViolation();
    assertThat(result.states()).isGreaterThan(100);
    System.out.println("[throughput] exploration, causal multicast, 3 nodes x 1 message: " + result);
  }
}
