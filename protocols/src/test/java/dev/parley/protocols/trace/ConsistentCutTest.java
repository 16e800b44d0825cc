package dev.parley.protocols.trace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.trace.StampedEvent.Kind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Cutting traces recorded apart, one tracer per node as on a cluster, and fetched at different
 * moments, from ring buffers that overflowed, or with a node missing.
 */
class ConsistentCutTest {

  static final NodeId N1 = NodeId.n(1);
  static final NodeId N2 = NodeId.n(2);
  static final NodeId N3 = NodeId.n(3);
  static final List<NodeId> NODES = List.of(N1, N2, N3);

  /** Three nodes, each with its own tracer, exchanging messages at random, as a cluster does. */
  static final class Traffic {
    final Map<NodeId, Tracer> tracers = new TreeMap<>();
    final List<Object[]> inFlight = new ArrayList<>(); // {from, to, stamp}
    final Random random;

    Traffic(long seed, Map<NodeId, Integer> capacities) {
      random = new Random(seed);
      NODES.forEach(n -> tracers.put(n, new Tracer(() -> 0, capacities.getOrDefault(n, Integer.MAX_VALUE))));
    }

    /** {@code steps} random steps; {@code busy} sends more often than the others. */
    Traffic run(int steps, NodeId busy) {
      for (int i = 0; i < steps; i++) {
        NodeId node = random.nextInt(3) == 0 ? busy : NODES.get(random.nextInt(3));
        int what = random.nextInt(10);
        List<Object[]> mine = inFlight.stream().filter(m -> m[1].equals(node)).toList();
        if (what < 4 && !mine.isEmpty()) {
          Object[] m = mine.get(random.nextInt(mine.size()));
          inFlight.remove(m);
          tracers.get(node).receive("raft", node, (NodeId) m[0], "Heartbeat", "Heartbeat", (Tracer.Stamp) m[2]);
        } else if (what < 9) {
          NodeId to = NODES.get((NODES.indexOf(node) + 1 + random.nextInt(2)) % 3);
          inFlight.add(new Object[] {node, to, tracers.get(node).send("raft", node, to, "Heartbeat", "Heartbeat")});
        } else {
          tracers.get(node).local("causal", node, "upcall", "Delivered");
        }
      }
      return this;
    }

    List<StampedEvent> fetch(NodeId node) {
      return tracers.get(node).events();
    }
  }

  @Test
  void nodesFetchedOneAfterAnotherWhileTrafficGoesOnAreCutToAValidTrace() {
    Traffic t = new Traffic(1, Map.of()).run(300, N1);
    Map<NodeId, List<StampedEvent>> fetched = new TreeMap<>();
    for (NodeId n : NODES) {
      fetched.put(n, t.fetch(n));
      t.run(100, N1); // the others go on while this node's trace travels
    }
    String naive = ShiVizLog.of(Traces.merge(fetched.values()));
    assertThat(ShiVizCheck.check(naive).problems()).anyMatch(p -> p.contains("invalid clock value"));

    ConsistentCut cut = ConsistentCut.of(fetched, List.of());
    assertValid(cut);
    assertConsistentAndGreatest(cut, fetched);
    assertThat(cut.windows().get(N1).leftOutNewest()).isZero(); // fetched first: nothing of it came too late
    assertThat(cut.leftOut()).isPositive();
    assertThat(cut.summary()).anyMatch(s -> s.contains("newest") && s.contains("left out"));
  }

  @Test
  void overflowedRingBuffersKeepTheLogValidAndSayHowMuchIsLeftOut() {
    Traffic t = new Traffic(2, Map.of(N1, 200, N2, 300, N3, 400)).run(3000, N1);
    Map<NodeId, List<StampedEvent>> fetched = new TreeMap<>();
    NODES.forEach(n -> fetched.put(n, t.fetch(n)));
    assertThat(fetched.get(N1).get(0).clock().get(N1)).isGreaterThan(1); // its head is gone

    ConsistentCut cut = ConsistentCut.of(fetched, List.of());
    assertValid(cut);
    assertConsistentAndGreatest(cut, fetched);
    assertLowerCutLeavesOutNoDependency(cut, fetched);
    for (NodeId n : NODES) {
      assertThat(cut.windows().get(n).leftOutFirst()).isPositive();
      assertThat(cut.events()).filteredOn(e -> e.node().equals(n)).first()
          .satisfies(e -> assertThat(e.clock().get(n)).isEqualTo(1));
    }
    assertThat(cut.summary()).anyMatch(s -> s.startsWith("n1:") && s.contains("first") && s.contains("ring buffer"));
  }

  @Test
  void aMissingNodeLeavesNoLaneAndNoClockEntryAndIsNamed() {
    Traffic t = new Traffic(3, Map.of()).run(500, N2);
    Map<NodeId, List<StampedEvent>> fetched = new TreeMap<>(Map.of(N1, t.fetch(N1), N2, t.fetch(N2)));

    ConsistentCut cut = ConsistentCut.of(fetched, Set.of(N3));
    assertValid(cut);
    assertThat(cut.absent()).containsExactly(N3);
    assertThat(cut.events()).noneMatch(e -> e.node().equals(N3) || e.clock().get(N3) > 0);
    assertThat(cut.summary()).anyMatch(s -> s.startsWith("n3: no trace"));
  }

  @Test
  void aRestartedNodeKeepsOnlyItsNumberingSinceTheRestart() {
    Traffic t = new Traffic(4, Map.of()).run(400, N1);
    t.tracers.put(N2, new Tracer(() -> 0)); // n2's JVM restarted: a new tracer, which counts from 1 again
    t.inFlight.removeIf(m -> m[1].equals(N2));
    t.run(400, N1);
    Map<NodeId, List<StampedEvent>> fetched = new TreeMap<>();
    NODES.forEach(n -> fetched.put(n, t.fetch(n)));

    ConsistentCut cut = ConsistentCut.of(fetched, List.of());
    assertValid(cut);
    assertThat(cut.windows().get(N2).beforeRestart()).isPositive();
  }

  @Test
  void everyEventKeptNamesItsInstance() {
    Traffic t = new Traffic(5, Map.of()).run(300, N3);
    Map<NodeId, List<StampedEvent>> fetched = new TreeMap<>();
    NODES.forEach(n -> fetched.put(n, t.fetch(n)));
    ConsistentCut cut = ConsistentCut.of(fetched, List.of());
    assertThat(cut.events()).allMatch(e -> e.instance().equals(e.kind() == Kind.LOCAL ? "causal" : "raft"));
    assertThat(ShiVizLog.of(cut.events())).contains("[raft] send Heartbeat to n").contains("[causal] upcall Delivered");
  }

  @Test
  void randomSkewsAndOverflowsAlwaysGiveAValidConsistentCut() {
    Random random = new Random(42);
    for (int run = 0; run < 200; run++) {
      Map<NodeId, Integer> capacities = new HashMap<>();
      NODES.forEach(n -> capacities.put(n, random.nextBoolean() ? Integer.MAX_VALUE : 20 + random.nextInt(200)));
      Traffic t = new Traffic(run, capacities).run(random.nextInt(800), NODES.get(random.nextInt(3)));
      Map<NodeId, List<StampedEvent>> fetched = new TreeMap<>();
      for (NodeId n : NODES) {
        fetched.put(n, t.fetch(n));
        t.run(random.nextInt(100), N1);
      }
      ConsistentCut cut = ConsistentCut.of(fetched, List.of());
      assertValid(cut);
      assertConsistentAndGreatest(cut, fetched);
      assertLowerCutLeavesOutNoDependency(cut, fetched);
    }
  }

  private static void assertValid(ConsistentCut cut) {
    ShiVizCheck.Report r = ShiVizCheck.check(ShiVizLog.of(cut.summary(), cut.events()));
    assertThat(r.problems()).isEmpty();
    assertThat(r.events()).isEqualTo(cut.events().size());
  }

  /**
   * In the nodes' own numbering: no kept event names an event of another node after that node's
   * last kept one (consistent), and each node's next fetched event does (nothing more could be kept).
   */
  private static void assertConsistentAndGreatest(ConsistentCut cut, Map<NodeId, List<StampedEvent>> fetched) {
    Map<NodeId, ConsistentCut.Window> w = cut.windows();
    for (NodeId n : fetched.keySet()) {
      for (StampedEvent e : fetched.get(n)) {
        long own = e.clock().get(n);
        boolean names = NODES.stream().anyMatch(g -> !g.equals(n) && e.clock().get(g) > w.get(g).last());
        if (own >= w.get(n).first() && own <= w.get(n).last()) {
          assertThat(names).as("kept event %s names an event after the cut", e).isFalse();
        }
        if (own == w.get(n).last() + 1) {
          assertThat(names).as("event %s could have been kept", e).isTrue();
        }
      }
    }
  }

  /** No left-out event before a window names a kept event (the lower cut is consistent too). */
  private static void assertLowerCutLeavesOutNoDependency(ConsistentCut cut, Map<NodeId, List<StampedEvent>> fetched) {
    Map<NodeId, ConsistentCut.Window> w = cut.windows();
    for (NodeId n : fetched.keySet()) {
      for (StampedEvent e : fetched.get(n)) {
        if (e.clock().get(n) < w.get(n).first()) {
          for (NodeId g : NODES) {
            if (!g.equals(n) && w.get(g).kept() > 0) {
              assertThat(e.clock().get(g)).as("left-out %s names kept events of %s", e, g).isLessThan(w.get(g).first());
            }
          }
        }
      }
    }
  }
}
