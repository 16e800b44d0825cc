package dev.parley.testkit.replication;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.cluster.NodeClient;
import dev.parley.cluster.NodeProcesses;
import dev.parley.protocols.core.NodeId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Raft follower killed with SIGKILL catches up from a snapshot larger than Artery's frame (256
 * KiB), on three JVMs with forced file journals: the store grows to 320 KiB through {@code /kv}, a
 * follower's JVM is killed, the writes go on past the snapshot interval so the leader compacts away
 * the entries the follower lacks, and the restarted JVM recovers its own journal, is sent the
 * leader's snapshot in chunks, and serves every key the leader has. Sent whole, the snapshot would
 * be dropped by Artery and the follower would stay behind for good. Bounded: every wait has a
 * deadline, and every process started is killed at the end.
 */
class RaftSnapshotMultiJvmSpec {

  static final int VALUES = 40;
  static final int VALUE_BYTES = 8 * 1024;
  static final int SMALL = 30;

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) static Path data; // on failure, the nodes' logs stay

  static final ActorTestKit kit = ActorTestKit.create();

  @AfterAll
  static void cleanUp() {
    kit.shutdownTestKit();
  }

  private static <T> T eventually(Duration max, Supplier<T> attempt) {
    TestProbe<Object> probe = kit.createTestProbe();
    return probe.awaitAssert(max, Duration.ofMillis(250), attempt::get);
  }

  @Test
  void aKilledFollowerCatchesUpFromASnapshotLargerThanAFrame() {
    try (NodeProcesses cluster = new NodeProcesses(3, data, List.of("raft=raft-kv"), List.of(),
        List.of("parley.kinds.raft-kv.snapshot-interval=20"))) {
      cluster.startAll().awaitUp(3, Duration.ofSeconds(120));
      NodeId leader = eventually(Duration.ofSeconds(60), () -> {
        NodeClient.Response r = cluster.client(NodeId.n(1)).put("/kv/raft/probe?timeout=2000", "1");
        assertThat(r.status()).as(r.text()).isIn(200, 307);
        return r.status() == 200 ? NodeId.n(1) : NodeId.of(r.body().get("leader").asText());
      });
      NodeId follower = cluster.nodes().stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
      NodeClient client = cluster.client(leader); // PUTs follow a 307 if the leadership moves

      Random random = new Random(7);
      for (int i = 0; i < VALUES; i++) {
        NodeClient.Response put = client.putFollowing("/kv/raft/big-" + i, value(random));
        assertThat(put.status()).as("big-%d: %s", i, put.text()).isEqualTo(200);
      }
      cluster.kill(follower);
      for (int i = 0; i < SMALL; i++) {
        NodeClient.Response put = client.putFollowing("/kv/raft/small-" + i, "v" + i);
        assertThat(put.status()).as("small-%d: %s", i, put.text()).isEqualTo(200);
      }
      List<NodeId> others = cluster.nodes().stream().filter(n -> !n.equals(follower)).toList();
      assertThat(others).allSatisfy(n -> assertThat(live(cluster, n).get("snapshotIndex").asLong())
          .as("%s compacted past the entries the follower holds", n).isGreaterThan(VALUES + 1));

      cluster.start(follower);
      cluster.awaitUp(3, Duration.ofSeconds(120));
      eventually(Duration.ofSeconds(60), () -> {
        JsonNode behind = live(cluster, follower);
        JsonNode ahead = others.stream().map(n -> live(cluster, n))
            .max(Comparator.comparingLong(l -> l.get("lastApplied").asLong())).orElseThrow();
        assertThat(behind.get("lastApplied").asLong()).as("%s applied as far as the others: %s", follower, behind)
            .isEqualTo(ahead.get("lastApplied").asLong());
        assertThat(behind.get("keys").asInt()).as("%s's keys", follower).isEqualTo(ahead.get("keys").asInt())
            .isGreaterThanOrEqualTo(VALUES + SMALL);
        assertThat(behind.get("snapshotIndex").asLong()).as("%s installed the leader's snapshot", follower)
            .isGreaterThan(VALUES + 1);
        return null;
      });
    }
  }

  private static String value(Random random) {
    StringBuilder v = new StringBuilder(VALUE_BYTES);
    for (int c = 0; c < VALUE_BYTES; c++) {
      v.append((char) ('a' + random.nextInt(26)));
    }
    return v.toString();
  }

  private static JsonNode live(NodeProcesses cluster, NodeId node) {
    NodeClient.Response r = cluster.client(node).get("/protocols/raft");
    assertThat(r.status()).as("status of %s: %s", node, r.text()).isEqualTo(200);
    return r.body().get("live");
  }
}
