package dev.parley.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.trace.ConsistentCut;
import dev.parley.protocols.trace.ShiVizCheck;
import dev.parley.protocols.trace.ShiVizLog;
import dev.parley.protocols.trace.StampedEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/parley trace} on three nodes in one JVM while Raft heartbeats and clients go on, with
 * trace buffers small enough to overflow within seconds: the cut trace is one ShiViz accepts.
 */
class ClusterTraceSpec {

  static final int CAPACITY = 400;

  @TempDir static Path data;
  static LocalCluster cluster;

  @BeforeAll
  static void start() {
    cluster = new LocalCluster(3, data, List.of("raft=raft-kv", "causal=causal-multicast"), ProtocolKinds.load(),
        ConfigFactory.parseString("parley.trace.capacity = " + CAPACITY).withFallback(LocalCluster.BASE));
    cluster.awaitAllStarted();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  private static List<NodeClient> clients() {
    return cluster.httpPorts.values().stream().map(p -> new NodeClient("127.0.0.1:" + p)).toList();
  }

  @Test
  void aTraceTakenUnderHeartbeatsFromOverflowedBuffersIsValidAndNamesEveryInstance() {
    for (NodeId n : cluster.nodes.keySet()) {
      cluster.post(n, "/protocols/causal/multicast", "{\"payload\":\"hello from " + n + "\"}");
      cluster.eventually(Duration.ofSeconds(10), () ->
          assertThat(cluster.put(n, "/kv/raft/k" + n.name() + "?timeout=2000", "v").status()).isIn(200, 307));
    }
    cluster.eventually(Duration.ofSeconds(30), () -> cluster.nodes.forEach((id, node) -> {
      List<StampedEvent> events = node.runtime().tracer().events();
      assertThat(events).as("%s's buffer", id).hasSize(CAPACITY);
      assertThat(events.get(0).clock().get(id)).as("%s's oldest event kept", id).isGreaterThan(1);
    }));

    for (int attempt = 0; attempt < 3; attempt++) { // the heartbeats go on while each trace travels
      ClusterTrace.Taken taken = ClusterTrace.take(clients(), Duration.ofSeconds(10));
      ConsistentCut cut = taken.cut();
      ShiVizCheck.Report check = ShiVizCheck.check(ShiVizLog.of(taken.header(), cut.events()));

      assertThat(taken.missing()).isEmpty();
      assertThat(check.problems()).isEmpty();
      assertThat(check.eventsPerHost()).containsOnlyKeys("n1", "n2", "n3");
      cut.windows().values().forEach(w -> {
        assertThat(w.kept()).as("%s kept", w.node()).isPositive();
        assertThat(w.leftOutFirst()).as("%s's lost head", w.node()).isPositive();
      });
      assertThat(cut.events()).allMatch(e -> e.instance().equals("raft") || e.instance().equals("causal"));
      assertThat(taken.header()).anyMatch(h -> h.startsWith("n1: ") && h.contains("ring buffer"));
    }
  }

  @Test
  void oneNodesOwnShiVizLogIsValidOnItsOwn() {
    NodeClient.Response r = clients().get(0).get("/trace?format=shiviz");
    assertThat(r.ok()).isTrue();
    ShiVizCheck.Report check = ShiVizCheck.check(r.text());
    assertThat(check.problems()).isEmpty();
    assertThat(check.eventsPerHost()).containsOnlyKeys("n1");
  }

  @Test
  void aNodeThatDoesNotAnswerIsNamedOnceAndTheOthersTraceSaysSo(@TempDir Path out) throws Exception {
    String dead = "127.0.0.1:" + NodeProcesses.freePorts(1).get(0);
    List<String> addresses = new ArrayList<>(cluster.httpPorts.values().stream().map(p -> "127.0.0.1:" + p).toList());
    addresses.add(dead);

    CtlRun run = CtlRun.of(
        "trace", "--nodes", String.join(",", addresses), "--out", out.toString(), "--wait", "3");

    String err = run.err();
    assertThat(run.exit()).as("exit status; standard error: %s", err).isEqualTo(1);
    assertThat(err.lines().toList()).singleElement().satisfies(line -> assertThat(line)
        .startsWith("parley: the node at " + dead + " did not answer")
        .contains("bin/parley status").doesNotContain("Exception"));
    assertThat(run.out()).contains("events from 3 nodes");
    String log = Files.readString(out.resolve("trace.shiviz"));
    assertThat(log).startsWith("# MISSING: the node at " + dead);
    assertThat(ShiVizCheck.check(log).problems()).isEmpty();
    assertThat(Files.readString(out.resolve("trace.html"))).contains("MISSING: the node at " + dead);
  }
}
