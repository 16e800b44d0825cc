package dev.parley.testkit.sim;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.multicast.MulticastProtocol;
import java.time.Duration;
import java.util.Random;

/** Shared pieces of the simulation tests: a messy network and a seeded multicast workload. */
final class Workloads {

  private Workloads() {}

  /** Links that delay 1-10 ms, hold back 30% of copies up to 20 ms more, and duplicate 15%. */
  static final FaultPlan MESSY =
      FaultPlan.none()
          .withDelay(Delay.uniform(Duration.ofMillis(1), Duration.ofMillis(10)))
          .withReorder(0.3, Duration.ofMillis(20))
          .withDuplicate(0.15);

  /**
   * Every node multicasts {@code perNode} messages at times drawn from {@code seed} within the first
   * 60 ms, so some are concurrent and some are causally after messages their sender delivered.
   */
  static <C> void randomMulticasts(
      Simulation<C> sim, long seed, int perNode, MulticastProtocol<? extends C> multicast) {
    Random random = new Random(seed * 31 + 7);
    for (NodeId node : sim.nodes()) {
      for (int i = 1; i <= perNode; i++) {
        Duration at = Duration.ofMillis(random.nextInt(60));
        sim.tell(at, node, multicast.multicast(node + "-" + i));
      }
    }
  }
}
