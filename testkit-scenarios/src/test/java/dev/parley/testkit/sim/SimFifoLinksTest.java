package dev.parley.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.testkit.sim.TestProtocols.Forward;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SimFifoLinksTest {

  private static final NodeId N1 = NodeId.n(1);
  private static final NodeId N2 = NodeId.n(2);

  /** n1 forwards 50 numbered messages to n2, within 50 ns, over links that delay and reorder. */
  private static List<Object> received(boolean fifo, long seed) {
    Simulation<Object> sim = Simulation.<Object>builder(
            2, (peers, env, upcalls) -> TestProtocols.relay(peers, upcalls))
        .faults(FaultPlan.none().withDelay(Delay.uniform(Duration.ZERO, Duration.ofMillis(10))).withReorder(0.3))
        .fifoLinks(fifo)
        .seed(seed)
        .build();
    for (int i = 0; i < 50; i++) {
      sim.tell(Duration.ofNanos(i), N1, new Forward(N2, i)); // sent in this order
    }
    sim.runUntilQuiescent();
    return sim.upcalls(N2);
  }

  @Test
  void fifoLinksDeliverInTheOrderSentWhateverTheDelays() {
    List<Object> inOrder = IntStream.range(0, 50).<Object>mapToObj(i -> i).toList();
    Simulations.forSeeds(1, 20, seed -> assertThat(received(true, seed)).isEqualTo(inOrder));
    assertThat(received(false, 1)).containsExactlyInAnyOrderElementsOf(inOrder).isNotEqualTo(inOrder);
  }
}
