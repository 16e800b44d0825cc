package dev.parley.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.parley.protocols.core.NodeId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes with tracing off ({@code parley.trace.enabled = off}, the request path without tracing
 * actors) on the forced file journal: a Raft store answers and reads back as with tracing on, the
 * trace stays empty, and each node's status counts what the hot-path benchmark reads: its journal's
 * forces (an acknowledged write was forced at the leader) and the protocol messages it sent.
 */
class UntracedNodeSpec {

  static final Config UNTRACED = ConfigFactory.parseString(
      "parley.persistence.backend = file\nparley.trace.enabled = off").withFallback(LocalCluster.BASE);

  private static final List<NodeId> NODES = List.of(NodeId.n(1), NodeId.n(2), NodeId.n(3));

  @TempDir Path data;

  @Test
  void aRaftStoreServesUntracedAndStatusCountsForcesAndMessages() {
    try (LocalCluster cluster = new LocalCluster(3, data, List.of("raft=raft-kv"), ProtocolKinds.load(), UNTRACED)) {
      cluster.awaitAllStarted();
      NodeId leader = cluster.eventually(Duration.ofSeconds(30), () -> NODES.stream()
          .filter(n -> cluster.put(n, "/kv/raft/colour?client=c&seq=1&timeout=1000", "blue").status() == 200)
          .findFirst().orElseThrow(() -> new AssertionError("no node served the write yet")));
      long forcedBefore = status(cluster, leader).get("journal").get("forces").asLong();
      assertThat(forcedBefore).as("the acknowledged write was forced at the leader").isPositive();

      assertThat(cluster.put(leader, "/kv/raft/colour?client=c&seq=2", "green").status()).isEqualTo(200);
      assertThat(cluster.get(leader, "/kv/raft/colour").body().get("value").asText()).isEqualTo("green");

      JsonNode after = status(cluster, leader);
      assertThat(after.get("journal").get("state").asText()).isEqualTo("ok");
      assertThat(after.get("journal").get("forces").asLong()).isGreaterThan(forcedBefore);
      assertThat(after.get("messages").get("sent").asLong()).as("AppendEntries to the followers").isPositive();
      for (NodeId n : NODES) {
        JsonNode trace = cluster.get(n, "/trace").body();
        assertThat(trace.isArray() && trace.isEmpty()).as("the trace of " + n + " with tracing off").isTrue();
      }
    }
  }

  private static JsonNode status(LocalCluster cluster, NodeId node) {
    LocalCluster.Response r = cluster.get(node, "/status");
    assertThat(r.status()).isEqualTo(200);
    return r.body();
  }
}
