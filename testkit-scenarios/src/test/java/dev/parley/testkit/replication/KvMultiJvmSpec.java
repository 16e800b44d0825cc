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
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each durable store on three JVMs with their journals (forced segment files, the default): clients
 * work through the HTTP API while the node serving them is killed with SIGKILL and restarted; the
 * clients' history must be linearizable and the store must go on serving (the gossip store: its
 * replicas must converge). Raft's store is held to the same, and more (a partition, hostile
 * clients), by {@code RequestPathMultiJvmSpec}, which kills its leader; here a Raft follower killed
 * behind a snapshot larger than Artery's frame catches up ({@link RaftSnapshotCatchUp}).
 * Primary-backup and chain get a cluster each: on a shared one, they could meet their kill while a
 * replica the previous test restarted was still rejoining (chain's two replicas, one still taking
 * the state, cannot lose the other), which tests the previous kill, not this one; the stores whose
 * replicas are alike share one. Bounded: every wait has a deadline, and every process started is
 * killed at the end.
 */
@Execution(ExecutionMode.CONCURRENT) // beside the in-JVM specs; see junit-platform.properties
@ResourceLock("node-jvms")
class KvMultiJvmSpec {

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

  /** Primary-backup and chain each on a cluster of their own (see the head comment). */
  @ParameterizedTest(name = "{0}")
  @CsvSource({"primary-backup", "chain"})
  void theServingNodeKilledAndRestartedLosesNoAcknowledgedWrite(String store) throws Exception {
    try (NodeProcesses cluster = new NodeProcesses(3, Files.createDirectories(data.resolve(store)),
        List.of(store + "=" + store))) {
      cluster.startAll().awaitUp(3, Duration.ofSeconds(120));
      servingNodeKilledAndRestarted(cluster, store, true);
    }
  }

  /**
   * The stores whose replicas are alike (quorum, two-phase commit, gossip) share one cluster, one
   * after the other: none needs a particular replica to have caught up before the next kill. Raft's
   * store, idle meanwhile, comes last: a follower killed behind a 320 KiB snapshot catches up.
   */
  @Test
  void theSymmetricStoresOnOneClusterLoseNoAcknowledgedWriteAndConverge() throws Exception {
    try (NodeProcesses cluster = new NodeProcesses(3, Files.createDirectories(data.resolve("shared")),
        List.of("quorum=quorum", "two-phase-commit=two-phase-commit", "gossip=gossip", "raft=raft-kv"), List.of(),
        List.of("parley.kinds.raft-kv.snapshot-interval=" + RaftSnapshotCatchUp.SNAPSHOT_INTERVAL))) {
      cluster.startAll().awaitUp(3, Duration.ofSeconds(120));
      servingNodeKilledAndRestarted(cluster, "quorum", true);
      // two-phase commit need not serve while the node is down: a partition's keys wait for their
      // owner, and a dead coordinator blocks
      servingNodeKilledAndRestarted(cluster, "two-phase-commit", false);
      gossipConvergesAfterANodeIsKilledAndRestarted(cluster);
      new RaftSnapshotCatchUp(cluster, "raft", kit).aKilledFollowerCatchesUpFromASnapshotLargerThanAFrame();
    }
  }

  /**
   * Clients of {@code store} work while the node that served them last is killed and restarted;
   * their history must be linearizable.
   *
   * @param availableWithOneDown whether it must go on serving while the killed node is down
   */
  private static void servingNodeKilledAndRestarted(NodeProcesses cluster, String store, boolean availableWithOneDown) {
    cluster.awaitUp(3, Duration.ofSeconds(120));
    List<String> https = cluster.nodes().stream().map(cluster::http).toList();
    HttpKvClients clients = new HttpKvClients(store, https).timeout(Duration.ofSeconds(2)).start(4, 3, 42);
    try {
      eventually(Duration.ofSeconds(90), () -> assertThat(clients.ok()).isGreaterThanOrEqualTo(30));
      NodeId victim = cluster.nodes().get(Math.max(0, https.indexOf(clients.lastServedBy())));
      cluster.kill(victim);
      if (availableWithOneDown) {
        long beforeRestart = clients.ok();
        eventually(Duration.ofSeconds(60), () ->
            assertThat(clients.ok()).isGreaterThanOrEqualTo(beforeRestart + 30));
      }
      cluster.start(victim);
      cluster.awaitUp(3, Duration.ofSeconds(120));
      long afterRestart = clients.ok();
      eventually(Duration.ofSeconds(60), () -> assertThat(clients.ok()).isGreaterThanOrEqualTo(afterRestart + 30));
    } finally {
      History history = clients.stop();
      LinearizabilityChecker.forRegisters().check(history).requireValid();
    }
  }

  private static void gossipConvergesAfterANodeIsKilledAndRestarted(NodeProcesses cluster) {
    cluster.awaitUp(3, Duration.ofSeconds(120));
    List<String> https = cluster.nodes().stream().map(cluster::http).toList();
    HttpKvClients clients = new HttpKvClients("gossip", https).timeout(Duration.ofSeconds(2)).start(3, 3, 9);
    try {
      eventually(Duration.ofSeconds(90), () -> assertThat(clients.ok()).isGreaterThanOrEqualTo(30));
      cluster.kill(NodeId.n(2));
      long before = clients.ok();
      eventually(Duration.ofSeconds(60), () -> assertThat(clients.ok()).isGreaterThanOrEqualTo(before + 30));
      cluster.start(NodeId.n(2));
      cluster.awaitUp(3, Duration.ofSeconds(120));
    } finally {
      clients.stop();
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
