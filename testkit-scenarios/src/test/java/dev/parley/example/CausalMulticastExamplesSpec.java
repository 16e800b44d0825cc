package dev.parley.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.link.LinkStack;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.protocols.multicast.CausalMulticast;
import dev.parley.protocols.multicast.Delivered;
import dev.parley.protocols.multicast.MessageId;
import dev.parley.protocols.trace.ShiVizLog;
import dev.parley.testkit.ParleyTestKit;
import dev.parley.testkit.checker.DeliveryOrderChecker;
import dev.parley.testkit.group.LocalGroup;
import dev.parley.testkit.report.ExplorerRuns;
import dev.parley.testkit.sim.Exploration;
import dev.parley.testkit.sim.SimView;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** docs/writing-specs.md's examples, run as written: causal multicast three ways. */
class CausalMulticastExamplesSpec {

  @RegisterExtension static final ParleyTestKit parley = new ParleyTestKit();

  static final FaultPlan UNRULY = FaultPlan.NONE
      .withDelay(Delay.uniform(Duration.ofMillis(1), Duration.ofMillis(10)))
      .withReorder(0.3)
      .withDuplicate(0.1);

  // 1. A group of real actors in this JVM, links that lose 20%, a reliable link layer on top.
  @Test
  void inAGroupEveryoneDeliversInCausalOrder(@TempDir Path dir) {
    LocalGroup<CausalMulticast.Command> group = parley.group(5)
        .links(LinkStack.faulty().reliable())
        .faults(UNRULY.withDrop(0.2))
        .traced()
        .start((peers, env, upcalls) -> CausalMulticast.create(peers, upcalls.narrow()));

    group.nodes().forEach(n -> group.tell(n, new CausalMulticast.Multicast("hello from " + n)));
    group.nemesis(NemesisCommand.Partition.parse("n1,n2/n3,n4,n5"));
    group.tell(NodeId.n(1), new CausalMulticast.Multicast("during the partition"));
    group.nemesis(new NemesisCommand.Heal());

    group.await(Duration.ofSeconds(10), () ->
        assertThat(group.upcalls().of(Delivered.class)).hasSize(30));
    var deliveries = group.upcalls().byNode(group.nodes(), Delivered.class, Delivered::id);
    DeliveryOrderChecker.causal(deliveries).requireValid();

    ShiVizLog.write(group.trace(), dir.resolve("run.shiviz"));
    ExplorerRuns.write(dir, "run", group.record("causal multicast")); // run.html: open it in a browser
  }

  // 2. The same behavior in the deterministic simulation, over 100 seeds.
  @Test
  void inTheSimulationOverManySeeds() {
    Simulations.forSeeds(1, 100, seed -> {
      Simulation<CausalMulticast.Command> sim = Simulation.<CausalMulticast.Command>builder(
              4, (peers, env, upcalls) -> CausalMulticast.create(peers, upcalls.narrow()))
          .seed(seed)
          .faults(UNRULY)
          .build();
      for (int i = 1; i <= 4; i++) {
        sim.tell(Duration.ofMillis(i), NodeId.n(i), new CausalMulticast.Multicast("m" + i));
      }
      sim.crash(Duration.ofMillis(30), NodeId.n(4));
      sim.runUntilQuiescent();
      sim.check(v -> DeliveryOrderChecker.causal(deliveries(v)).requireValid());
    });
  }

  // 3. Every interleaving of a small group, up to a depth.
  @Test
  void everyInterleavingOfThreeNodes() {
    Exploration.Result result = Exploration.of(Simulation.<CausalMulticast.Command>builder(
                3, (peers, env, upcalls) -> CausalMulticast.create(peers, upcalls.narrow())))
        .setup(sim -> {
          sim.tell(NodeId.n(1), new CausalMulticast.Multicast("a"));
          sim.tell(NodeId.n(2), new CausalMulticast.Multicast("b"));
        })
        .whenQuiescent("causal order", v -> DeliveryOrderChecker.causal(deliveries(v)).valid())
        .duplicates(true)
        .maxDepth(10)
        .run();
    result.assertNoViolation();
    assertThat(result.complete()).isTrue();
  }

  static Map<NodeId, List<MessageId>> deliveries(SimView view) {
    Map<NodeId, List<MessageId>> out = new TreeMap<>();
    view.nodes().forEach(n ->
        out.put(n, view.upcalls(n, Delivered.class).stream().map(Delivered::id).toList()));
    return out;
  }
}
