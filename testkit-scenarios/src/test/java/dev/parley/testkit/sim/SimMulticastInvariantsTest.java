package dev.parley.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.multicast.BasicMulticast;
import dev.parley.protocols.multicast.FifoMulticast;
import dev.parley.testkit.multicast.MulticastInvariants;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The per-sender invariant after every step: FIFO multicast keeps each sender's order over links
 * that reorder and duplicate; basic multicast over the same links is stopped at the step that
 * delivers a sender's message after a later one.
 */
class SimMulticastInvariantsTest {

  @Test
  void fifoMulticastKeepsEachSendersOrderAtEveryStep() {
    Simulations.forSeeds(1, 30, seed -> {
      Simulation<FifoMulticast.Command> sim = Simulation.<FifoMulticast.Command>builder(
              4, (peers, env, upcalls) -> FifoMulticast.create(peers, upcalls.narrow()))
          .freshInvariant(MulticastInvariants::perSender).faults(Workloads.MESSY).seed(seed).build();
      Workloads.randomMulticasts(sim, seed, 5, FifoMulticast.MULTICAST);
      sim.runUntilQuiescent();
    });
  }

  @Test
  void basicMulticastOverReorderingLinksIsStoppedAtTheStepThatBreaksASendersOrder() {
    List<String> stopped = new ArrayList<>();
    for (long seed = 1; seed <= 30; seed++) {
      Simulation<BasicMulticast.Command> sim = Simulation.<BasicMulticast.Command>builder(
              4, (peers, env, upcalls) -> BasicMulticast.create(peers, upcalls.narrow()))
          .freshInvariant(MulticastInvariants::perSender).faults(Workloads.MESSY).seed(seed).build();
      Workloads.randomMulticasts(sim, seed, 5, BasicMulticast.MULTICAST);
      try {
        sim.runUntilQuiescent();
      } catch (SimulationFailure f) {
        stopped.add(f.getMessage().lines().findFirst().orElse(""));
      }
    }
    assertThat(stopped).hasSizeGreaterThan(1)
        .allMatch(m -> m.contains("at step") && m.contains("per-sender order violated"));
  }
}
