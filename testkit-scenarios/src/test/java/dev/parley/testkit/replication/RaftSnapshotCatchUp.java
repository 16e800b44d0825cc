package dev.parley.testkit.replication;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.cluster.NodeClient;
import dev.parley.cluster.NodeProcesses;
import dev.parley.protocols.core.NodeId;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/**
 * A Raft follower killed with SIGKILL catches up from a snapshot larger than Artery's frame (256
 * KiB), on a cluster of JVMs with forced file journals whose raft-kv kind snapshots every {@link
 * #SNAPSHOT_INTERVAL} entries: the store grows to 320 KiB through {@code /kv}, a follower's JVM is
 * killed, the writes go on past the snapshot interval so the others compact away the entries the
 * follower lacks, and the restarted JVM recovers its own journal, is sent the leader's snapshot in
 * chunks, and applies as far as the others. Sent whole, the snapshot would be dropped by Artery and
 * the follower would stay behind for good. Every wait has a deadline.
 */
final class RaftSnapshotCatchUp {

  static final int SNAPSHOT_INTERVAL = 20;
  static final int VALUES = 40;
  static final int VALUE_BYTES = 8 * 1024;
  static final int SMALL = 30;

  private final NodeProcesses cluster;
  private final String store;
  private final ActorTestKit kit;

  RaftSnapshotCatchUp(NodeProcesses cluster, String store, ActorTestKit kit) {
    this.cluster = cluster;
    this.store = store;
    this.kit = kit;
  }

  void aKilledFollowerCatchesUpFromASnapshotLargerThanAFrame() {
    NodeId leader = eventually(Duration.ofSeconds(60), () -> {
      NodeClient.Response r = cluster.client(NodeId.n(1)).put("/kv/" + store + "/probe?timeout=2000&redirect=true", "1");
      assertThat(r.status()).as(r.text()).isIn(200, 307);
      return r.status() == 200 ? NodeId.n(1) : NodeId.of(r.body().get("leader").asText());
    });
    NodeId follower = cluster.nodes().stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
    NodeClient client = cluster.client(leader); // PUTs follow a 307 if the leadership moves

    Random random = new Random(7);
    for (int i = 0; i < VALUES; i++) {
      NodeClient.Response put = client.putFollowing("/kv/" + store + "/big-" + i, value(random));
      assertThat(put.status()).as("big-%d: %s", i, put.text()).isEqualTo(200);
    }
    cluster.kill(follower);
    for (int i = 0; i < SMALL; i++) {
      NodeClient.Response put = client.putFollowing("/kv/" + store + "/small-" + i, "v" + i);
      assertThat(put.status()).as("small-%d: %s", i, put.text()).isEqualTo(200);
    }
    List<NodeId> others = cluster.nodes().stream().filter(n -> !n.equals(follower)).toList();
    // the leader keeps what a follower lacks until that follower is silent for an election timeout
    eventually(Duration.ofSeconds(30), () -> {
      assertThat(others).allSatisfy(n -> assertThat(live(n).get("snapshotIndex").asLong())
          .as("%s compacted past the entries the follower holds", n).isGreaterThan(VALUES + 1));
      return null;
    });

    cluster.start(follower);
    cluster.awaitUp(3, Duration.ofSeconds(120));
    eventually(Duration.ofSeconds(60), () -> {
      JsonNode behind = live(follower);
      JsonNode ahead = others.stream().map(this::live)
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

  private <T> T eventually(Duration max, Supplier<T> attempt) {
    return kit.<Object>createTestProbe().awaitAssert(max, Duration.ofMillis(250), attempt::get);
  }

  private static String value(Random random) {
    StringBuilder v = new StringBuilder(VALUE_BYTES);
    for (int c = 0; c < VALUE_BYTES; c++) {
      v.append((char) ('a' + random.nextInt(26)));
    }
    return v.toString();
  }

  private JsonNode live(NodeId node) {
    NodeClient.Response r = cluster.client(node).get("/protocols/" + store);
    assertThat(r.status()).as("status of %s: %s", node, r.text()).isEqualTo(200);
    return r.body().get("live");
  }
}
