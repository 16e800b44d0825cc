package dev.parley.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.parley.protocols.core.NodeId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Raft follower catches up from a snapshot larger than Artery's frame (256 KiB), on three nodes in
 * this JVM over Artery TCP on loopback, each with its own journal: the store grows to 320 KiB
 * through {@code /kv}, a follower's replica crashes (its journal kept), the writes go on past the
 * snapshot interval so the leader compacts away the entries the follower lacks, and once the
 * replica restarts it is sent the snapshot (in chunks) and applies as far as the leader. Sent whole,
 * the snapshot would be dropped by Artery ({@code OversizedPayloadException}) and the follower would
 * stay behind for good.
 */
class RaftSnapshotCatchUpSpec {

  static final int VALUES = 40;
  static final int VALUE_BYTES = 8 * 1024;

  @TempDir Path data;

  @Test
  void aFollowerBackAfterTheLeaderCompactedCatchesUpFromASnapshotLargerThanAFrame() {
    Config config = ConfigFactory.parseString("parley.kinds.raft-kv.snapshot-interval = 20")
        .withFallback(LocalCluster.BASE);
    try (LocalCluster cluster = new LocalCluster(3, data, List.of("raft=raft-kv"), ProtocolKinds.load(), config)) {
      cluster.awaitAllStarted();
      NodeId leader = cluster.eventually(Duration.ofSeconds(20), () -> {
        LocalCluster.Response r = cluster.put(NodeId.n(1), "/kv/raft/probe?timeout=1000&redirect=true", "1");
        assertThat(r.status()).isIn(200, 307);
        return r.status() == 200 ? NodeId.n(1) : NodeId.of(r.body().get("leader").asText());
      });
      NodeId follower = cluster.nodes.keySet().stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();

      Random random = new Random(7);
      for (int i = 0; i < VALUES; i++) {
        assertThat(cluster.put(leader, "/kv/raft/big-" + i, value(random)).status()).as("big-%d", i).isEqualTo(200);
      }
      assertThat(cluster.post(follower, "/nemesis/crash/raft", "").status()).isEqualTo(200);
      for (int i = 0; i < 30; i++) {
        assertThat(cluster.put(leader, "/kv/raft/small-" + i, "v" + i).status()).as("small-%d", i).isEqualTo(200);
      }
      // the leader keeps what a follower lacks until that follower is silent for an election timeout
      cluster.eventually(Duration.ofSeconds(20), () -> assertThat(live(cluster, leader).get("snapshotIndex").asLong())
          .as("the leader compacted past the entries the follower holds").isGreaterThan(VALUES + 1));
      assertThat(cluster.post(follower, "/nemesis/restart/raft", "").status()).isEqualTo(200);

      cluster.eventually(Duration.ofSeconds(25), () -> {
        JsonNode behind = live(cluster, follower);
        JsonNode ahead = live(cluster, leader);
        assertThat(behind.get("lastApplied").asLong()).as("%s applied as far as the leader: %s", follower, behind)
            .isEqualTo(ahead.get("lastApplied").asLong());
        assertThat(behind.get("keys").asInt()).as("%s's keys", follower).isEqualTo(ahead.get("keys").asInt())
            .isGreaterThanOrEqualTo(VALUES + 30);
        assertThat(behind.get("snapshotIndex").asLong()).as("%s installed the leader's snapshot", follower)
            .isGreaterThan(VALUES + 1);
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

  private static JsonNode live(LocalCluster cluster, NodeId node) {
    LocalCluster.Response r = cluster.get(node, "/protocols/raft");
    assertThat(r.status()).as("status of %s: %s", node, r.body()).isEqualTo(200);
    return r.body().get("live");
  }
}
