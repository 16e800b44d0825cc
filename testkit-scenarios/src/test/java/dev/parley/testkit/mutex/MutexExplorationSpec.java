package dev.parley.testkit.mutex;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.mutex.Granted;
import dev.parley.protocols.mutex.LamportMutex;
import dev.parley.protocols.mutex.Maekawa;
import dev.parley.protocols.mutex.MutexProtocol;
import dev.parley.protocols.mutex.Released;
import dev.parley.protocols.mutex.RicartAgrawala;
import dev.parley.testkit.sim.Exploration;
import dev.parley.testkit.sim.SimView;
import dev.parley.testkit.sim.Simulation;
import org.junit.jupiter.api.Test;

/**
 * Every interleaving of a small group, up to a depth: each node acquires and then releases (client
 * requests are branches too, so a release may come before its grant and be ignored), and at every
 * state reached at most one node holds the critical section.
 */
class MutexExplorationSpec {

  /** Nodes that have been granted more often than they have released. */
  static long holders(SimView v) {
    return v.nodes().stream()
        .filter(n -> v.upcalls(n, Granted.class).size() > v.upcalls(n, Released.class).size())
        .count();
  }

  private static Exploration.Result explore(
      Simulation.Builder<Object> group, MutexProtocol<?> mutex, boolean fifo, int depth) {
    Exploration.Result result = search(group, mutex, fifo, depth);
    result.assertNoViolation();
    return result;
  }

  private static Exploration.Result search(
      Simulation.Builder<Object> group, MutexProtocol<?> mutex, boolean fifo, int depth) {
    return Exploration.of(group)
        .setup(sim -> {
          for (NodeId node : sim.nodes()) {
            sim.tell(node, mutex.acquire());
            sim.tell(node, mutex.release());
          }
        })
        .invariant("at most one holder", v -> holders(v) <= 1)
        .duplicates(!fifo)
        .fifoLinks(fifo)
        .maxDepth(depth)
        .run();
  }

  @Test
  void ricartAgrawalaWithDuplicates() {
    explore(Algorithms.ricartAgrawala(2), RicartAgrawala.MUTEX, false, 10);
  }

  @Test
  void lamportOverFifoLinks() {
    assertThat(explore(Algorithms.lamport(2), LamportMutex.MUTEX, true, 14).complete()).isTrue();
  }

  @Test
  void lamportOverLinksThatReorderLetsTwoNodesIn() {
    Exploration.Result result = search(Algorithms.lamport(2), LamportMutex.MUTEX, false, 14);
    assertThat(result.violation()).isPresent();
    assertThat(result.violation().get().toString()).contains("at most one holder");
  }

  @Test
  void maekawaOverFifoLinks() {
    explore(Algorithms.maekawa(3), Maekawa.MUTEX, true, 8);
  }
}
