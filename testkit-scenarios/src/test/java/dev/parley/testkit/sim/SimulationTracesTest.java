package dev.parley.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.multicast.CausalMulticast;
import dev.parley.protocols.trace.MessageCounts;
import dev.parley.protocols.trace.ShiVizCheck;
import dev.parley.protocols.trace.ShiVizLog;
import dev.parley.protocols.trace.StampedEvent.Kind;
import dev.parley.protocols.trace.StampedEvent;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SimulationTracesTest {

  @Test
  void aSimulatedRunBecomesAVectorStampedTraceWithTheSameCounts() {
    Simulation<CausalMulticast.Command> sim =
        Simulation.<CausalMulticast.Command>builder(
                4, (peers, env, upcalls) -> CausalMulticast.create(peers, upcalls.narrow()))
            .seed(3)
            .faults(FaultPlan.none()
                .withDelay(Delay.uniform(Duration.ofMillis(1), Duration.ofMillis(10)))
                .withDuplicate(0.3))
            .tracing(true)
            .build();
    for (int i = 1; i <= 4; i++) {
      sim.tell(Duration.ofMillis(i), NodeId.n(i), new CausalMulticast.Multicast("m" + i));
    }
    sim.runUntilQuiescent();

    List<StampedEvent> trace = SimulationTraces.stamped(sim.trace().events());

    Map<Long, StampedEvent> sends = new HashMap<>();
    trace.stream().filter(e -> e.kind() == Kind.SEND).forEach(e -> sends.put(e.messageId(), e));
    List<StampedEvent> receives = trace.stream().filter(e -> e.kind() == Kind.RECEIVE).toList();
    assertThat(sends).hasSize(12); // N - 1 = 3 per multicast
    assertThat(receives.size()).isEqualTo(sim.stats().delivered());
    for (StampedEvent r : receives) {
      assertThat(sends.get(r.messageId()).clock().happenedBefore(r.clock())).isTrue();
    }
    assertThat(trace).filteredOn(e -> e.type().equals("upcall")).hasSize(16);
    assertThat(MessageCounts.of(trace).byType()).isEqualTo(sim.stats().sentByType());
    assertThat(ShiVizCheck.check(ShiVizLog.of(trace)).problems()).isEmpty();
  }
}
