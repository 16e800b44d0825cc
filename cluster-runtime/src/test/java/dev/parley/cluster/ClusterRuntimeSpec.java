package dev.parley.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.protocols.core.NodeId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three nodes in one JVM on loopback, driven through their HTTP APIs as a user would. */
class ClusterRuntimeSpec {

  static final NodeId N1 = NodeId.n(1);
  static final NodeId N2 = NodeId.n(2);
  static final NodeId N3 = NodeId.n(3);

  @TempDir static Path data;
  static LocalCluster cluster;

  @BeforeAll
  static void start() {
    cluster = new LocalCluster(3, data,
        List.of("causal=causal-multicast", "basic=basic-multicast", "locks=lock-server"));
    cluster.awaitAllStarted();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static List<String> delivered(NodeId node, String protocol) {
    List<String> out = new ArrayList<>();
    for (JsonNode e : cluster.get(node, "/protocols/" + protocol + "/upcalls").body()) {
      if (e.get("type").asText().equals("Delivered")) {
        out.add(e.get("upcall").get("payload").asText());
      }
    }
    return out;
  }

  @Test
  void membersDiscoverEachOtherAndReportStatus() {
    JsonNode status = cluster.get(N2, "/status").body();
    assertThat(status.get("node").asText()).isEqualTo("n2");
    cluster.eventually(Duration.ofSeconds(10), () ->
        assertThat(cluster.get(N2, "/status").body().get("members").findValuesAsText("node"))
            .containsExactlyInAnyOrder("n1", "n2", "n3"));
    assertThat(status.get("protocols").get("causal").get("started").asBoolean()).isTrue();
    assertThat(cluster.get(N2, "/protocols/causal").body().get("peers"))
        .extracting(JsonNode::asText).containsExactly("n1", "n3");
    List<String> ups = new ArrayList<>();
    for (JsonNode change : cluster.get(N2, "/membership").body()) {
      if (change.get("upcall").get("change").asText().equals("MemberUp")) {
        ups.add(change.get("upcall").get("node").asText());
      }
    }
    assertThat(ups).contains("n1", "n2", "n3");
  }

  @Test
  void aMulticastThroughHttpReachesEveryNodeInCausalOrder() {
    assertThat(cluster.post(N1, "/protocols/causal/multicast", "{\"payload\":\"question\"}").status())
        .isEqualTo(202);
    cluster.eventually(Duration.ofSeconds(10), () ->
        assertThat(delivered(N2, "causal")).contains("question"));
    cluster.post(N2, "/protocols/causal/multicast", "{\"payload\":\"answer\"}");
    cluster.eventually(Duration.ofSeconds(10), () -> {
      for (NodeId n : List.of(N1, N2, N3)) {
        assertThat(delivered(n, "causal")).containsSubsequence("question", "answer");
      }
    });
    assertThat(cluster.get(N1, "/history").status()).isEqualTo(200);
    JsonNode history = cluster.get(N1, "/status").body().path("history");
    assertThat(history.path("capacity").asLong()).as("parley.history.capacity's default").isEqualTo(100_000);
    assertThat(history.path("dropped").asLong()).as("operations dropped from the history").isZero();
  }

  @Test
  void aPartitionThroughTheNemesisCutsTheMinorityOffUntilHealed() {
    String partition = "{\"type\":\"partition\",\"sides\":[[\"n1\"],[\"n2\",\"n3\"]]}";
    for (NodeId n : List.of(N1, N2, N3)) {
      assertThat(cluster.post(n, "/nemesis", partition).status()).isEqualTo(200);
    }
    cluster.post(N1, "/protocols/basic/multicast", "{\"payload\":\"alone\"}");
    cluster.post(N2, "/protocols/basic/multicast", "{\"payload\":\"majority\"}");
    cluster.eventually(Duration.ofSeconds(10), () -> {
      assertThat(delivered(N3, "basic")).contains("majority");
      assertThat(delivered(N1, "basic")).contains("alone");
    });
    assertThat(delivered(N3, "basic")).doesNotContain("alone");
    assertThat(delivered(N1, "basic")).doesNotContain("majority");

    for (NodeId n : List.of(N1, N2, N3)) {
      cluster.post(n, "/nemesis", "{\"type\":\"heal\"}");
    }
    cluster.post(N1, "/protocols/basic/multicast", "{\"payload\":\"healed\"}");
    cluster.eventually(Duration.ofSeconds(10), () -> assertThat(delivered(N3, "basic")).contains("healed"));
  }

  @Test
  void theLockServerKeepsItsHolderAndQueueAcrossACrash() {
    var granted = cluster.post(N2, "/protocols/locks/acquire?client=c2", "");
    assertThat(granted.status()).isEqualTo(200);
    assertThat(granted.body().get("upcall").get("node").asText()).isEqualTo("n2");
    long token = granted.body().get("upcall").get("fencingToken").asLong();
    assertThat(token).isPositive();

    CompletableFuture<LocalCluster.Response> waiting = CompletableFuture.supplyAsync(() ->
        cluster.post(N3, "/protocols/locks/acquire?client=c3&timeout=60000", ""));
    cluster.eventually(Duration.ofSeconds(5), () -> assertQueue(N2, "n3"));

    assertThat(cluster.post(N1, "/nemesis/crash/locks", "").status()).isEqualTo(200);
    assertThat(cluster.post(N1, "/nemesis/restart/locks", "").status()).isEqualTo(200);
    cluster.eventually(Duration.ofSeconds(10), () -> assertQueue(N2, "n3"));
    assertThat(waiting).as("c3 waits while c2 holds").isNotDone();

    assertThat(cluster.post(N2, "/protocols/locks/release?client=c2", "").status()).isEqualTo(200);
    LocalCluster.Response granted3 = waiting.join();
    assertThat(granted3.status()).as(String.valueOf(granted3.body())).isEqualTo(200);
    assertThat(granted3.body().get("fencingToken").asLong()).isGreaterThan(token);
    JsonNode live = cluster.get(N1, "/protocols/locks").body().get("live");
    assertThat(live.get("holder").asText()).isEqualTo("n3");
    assertThat(live.get("holderToken").asLong()).isEqualTo(granted3.body().get("fencingToken").asLong());
    assertThat(cluster.post(N1, "/protocols/locks/acquire", "").body().get("error").asText())
        .contains("n1 runs the lock server of this group");
    assertThat(cluster.post(N3, "/protocols/locks/release?client=c3", "").status()).isEqualTo(200);
  }

  private static void assertQueue(NodeId holder, String... queue) {
    JsonNode live = cluster.get(N1, "/protocols/locks").body().get("live");
    assertThat(live.get("holder").asText()).isEqualTo(holder.name());
    List<String> waiting = new ArrayList<>();
    live.get("queue").forEach(n -> waiting.add(n.asText()));
    assertThat(waiting).containsExactly(queue);
  }

  @Test
  void badInputGetsAClearErrorAndTheNodeCarriesOn() {
    var malformed = cluster.post(N1, "/protocols/causal/multicast", "{\"payload\": ");
    assertThat(malformed.status()).isEqualTo(400);
    assertThat(malformed.body().get("error").asText()).startsWith("the body is not valid JSON");

    var wrongShape = cluster.post(N1, "/protocols/causal/multicast", "{\"message\": 3}");
    assertThat(wrongShape.status()).isEqualTo(400);
    assertThat(wrongShape.body().get("error").asText()).contains("unknown field \"message\"")
        .contains("multicast takes {\"payload\": string}");

    var unknownProtocol = cluster.get(N1, "/protocols/paxos");
    assertThat(unknownProtocol.status()).isEqualTo(404);
    assertThat(unknownProtocol.body().get("error").asText())
        .isEqualTo("unknown protocol 'paxos'; this node runs [basic, causal, locks]");

    var unknownOp = cluster.post(N1, "/protocols/causal/acquire", "");
    assertThat(unknownOp.status()).isEqualTo(404);
    assertThat(unknownOp.body().get("error").asText()).contains("its operations are [multicast]");

    var unknownNode = cluster.post(N1, "/nemesis", "{\"type\":\"partition\",\"sides\":[[\"n9\"]]}");
    assertThat(unknownNode.status()).isEqualTo(400);
    assertThat(unknownNode.body().get("error").asText()).contains("unknown node n9");

    var notACommand = cluster.post(N1, "/nemesis", "{\"type\":\"explode\"}");
    assertThat(notACommand.status()).isEqualTo(400);
    assertThat(notACommand.body().get("error").asText()).contains("the types are partition");

    var noSuchPath = cluster.get(N1, "/nowhere");
    assertThat(noSuchPath.status()).isEqualTo(404);

    assertThat(cluster.get(N1, "/status").status()).isEqualTo(200);
  }

  @Test
  void badSettingsAreRefusedBeforeAnythingStarts() {
    assertThatThrownBy(() -> NodeSettings.parseProtocols(List.of("x=paxos"), ProtocolKinds.load()))
        .hasMessageContaining("unknown protocol kind 'paxos'; the kinds are");
    assertThatThrownBy(() -> NodeSettings.parseSeed("localhost"))
        .hasMessageContaining("a seed is host:port");
    int busy = cluster.httpPorts.get(N1);
    NodeSettings clash = new NodeSettings(NodeId.of("n9"), "127.0.0.1", busy, busy + 1,
        List.of("127.0.0.1:" + busy), List.of(NodeId.of("n9")), java.util.Map.of(), data.resolve("n9"), 1);
    assertThatThrownBy(() -> Node.start(clash, LocalCluster.BASE))
        .hasMessageContaining("port 127.0.0.1:" + busy + " cannot be used")
        .hasMessageContaining("Choose another with --port");
  }
}
