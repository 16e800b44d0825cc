package dev.parley.testkit.replication;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.cluster.NodeProcesses;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.history.History;
import dev.parley.testkit.checker.ConvergenceChecker;
import dev.parley.testkit.checker.LinearizabilityChecker;
import dev.parley.testkit.kv.HttpKvClients;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every durable store on one cluster of three JVMs with their H2 journals: clients of each store
 * work through the HTTP API while the node serving primary-backup's clients, and then the one
 * serving chain's, is killed with SIGKILL and restarted; each store's history must be linearizable
 * and each must go on serving (the gossip store: its replicas must converge). Raft's store is held
 * to the same, and more (a partition, hostile clients), by {@code RequestPathMultiJvmSpec}, which
 * kills its leader. The stores share the three JVMs, so each kill also hits every other store at a
 * node it does not choose. Bounded: every wait has a deadline, and every process started is killed
 * at the end.
 */
class KvMultiJvmSpec {

  /** The stores checked linearizable, and whether each must serve while a node is down. */
  static final Map<String, Boolean> LINEARIZABLE = new LinkedHashMap<>();

  static {
    LINEARIZABLE.put("primary-backup", true);
    LINEARIZABLE.put("chain", true);
    LINEARIZABLE.put("quorum", true);
    LINEARIZABLE.put("two-phase-commit", false); // a partition's keys wait for their owner
  }

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) static Path data; // on failure, the nodes' logs stay

  static final ActorTestKit kit = ActorTestKit.create();

  @AfterAll
  static void cleanUp() {
    kit.shutdownTestKit();
  }

  private static void eventually(Duration max, Runnable assertion) {
    TestProbe<Object> probe = kit.createTestProbe();
    probe.awaitAssert(max, Duration.ofMillis(250), () -> {
      assertion.run();
      return null;
    });
  }

  /** Each of {@code stores}' clients has had at least 30 more requests answered than {@code since}. */
  private static void progress(Map<String, HttpKvClients> clients, Iterable<String> stores) {
    Map<String, Long> since = new TreeMap<>();
    stores.forEach(s -> since.put(s, clients.get(s).ok()));
    eventually(Duration.ofSeconds(90), () -> since.forEach((store, before) ->
        assertThat(clients.get(store).ok()).as("%s's answered requests", store).isGreaterThanOrEqualTo(before + 30)));
  }

  @Test
  void theServingNodesKilledAndRestartedLoseNoAcknowledgedWriteAndGossipConverges() throws Exception {
    List<String> stores = new ArrayList<>(LINEARIZABLE.keySet());
    stores.add("gossip");
    try (NodeProcesses cluster = new NodeProcesses(3, Files.createDirectories(data.resolve("stores")),
        stores.stream().map(s -> s + "=" + s).toList())) {
      cluster.startAll().awaitUp(3, Duration.ofSeconds(120));
      List<String> https = cluster.nodes().stream().map(cluster::http).toList();
      Map<String, HttpKvClients> clients = new LinkedHashMap<>();
      long seed = 42;
      for (String store : stores) {
        clients.put(store, new HttpKvClients(store, https).timeout(Duration.ofSeconds(2)).start(3, 3, seed++));
      }
      List<String> availableWithOneDown = stores.stream().filter(s -> LINEARIZABLE.getOrDefault(s, true)).toList();
      try {
        progress(clients, stores);
        for (String served : List.of("primary-backup", "chain")) {
          NodeId victim = cluster.nodes().get(Math.max(0, https.indexOf(clients.get(served).lastServedBy())));
          cluster.kill(victim);
          // chain's configuration master lives on the group's lowest node: without it, chain waits
          progress(clients, availableWithOneDown.stream()
              .filter(s -> !(s.equals("chain") && victim.equals(cluster.nodes().get(0)))).toList());
          cluster.start(victim);
          cluster.awaitUp(3, Duration.ofSeconds(120));
          progress(clients, stores);
        }
      } finally {
        for (Map.Entry<String, HttpKvClients> c : clients.entrySet()) {
          History history = c.getValue().stop();
          if (LINEARIZABLE.containsKey(c.getKey())) {
            LinearizabilityChecker.forRegisters().check(history).requireValid();
          }
        }
      }
      eventually(Duration.ofSeconds(60), () -> {
        Map<String, Map<String, String>> replicas = new TreeMap<>();
        for (NodeId n : cluster.nodes()) {
          Map<String, String> values = new TreeMap<>();
          for (String key : List.of("k1", "k2", "k3")) {
            JsonNode v = cluster.client(n).get("/kv/gossip/" + key).body().get("value");
            values.put(key, v == null || v.isNull() ? null : v.asText());
          }
          replicas.put(n.name(), values);
        }
        new ConvergenceChecker().check(replicas).requireValid();
      });
    }
  }
}
