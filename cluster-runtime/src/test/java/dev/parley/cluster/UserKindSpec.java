package dev.parley.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import dev.parley.protocols.core.NodeId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's own kinds on the cluster, as a user runs them: the example user project (examples/) is
 * compiled and packaged into a jar at test time, with its services file and reference.conf, and never
 * put on the test's classpath. Nodes given the jar ({@code --with}) load it through their class
 * loader, read its settings, and carry its messages between nodes (Jackson CBOR): the roll call on
 * three nodes in this JVM (on three JVMs: MultiJvmSpec); the inventory, a state machine of the user's own on
 * Raft ({@link StateMachineKind}), on three nodes in this JVM over HTTP.
 */
class UserKindSpec {

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) static Path dir; // on failure, the nodes' logs stay

  static Path jar;

  @BeforeAll
  static void packageTheKind() {
    jar = KindJars.jar(KindJars.EXAMPLES, dir.resolve("parley-example.jar"));
  }

  @Test
  void theJarsKindComesFromTheJarNotFromTheClasspath() {
    ProtocolKinds kinds = ProtocolKinds.load(List.of(jar));

    assertThat(kinds.origin("roll-call"))
        .isEqualTo(new ProtocolKinds.Origin("com.example.rollcall.RollCallKinds", jar.toString()));
    assertThat(kinds.origin("raft-kv").location()).isEqualTo(ProtocolKinds.CLASSPATH);
    assertThat(ProtocolKinds.load().all()).doesNotContainKey("roll-call");
  }

  @Test
  void threeNodesInOneJvmRunItAndTakeItsSettingsFromTheConfiguration() {
    ProtocolKinds kinds = ProtocolKinds.load(List.of(jar));
    var config = ConfigFactory.parseString("parley.kinds.roll-call.wait = 300ms").withFallback(LocalCluster.BASE);
    try (LocalCluster cluster = new LocalCluster(3, dir.resolve("in-jvm"), List.of("roll=roll-call"), kinds, config)) {
      cluster.awaitStarted("roll");

      // the first messages between two nodes may take longer than 300 ms (connections, serializers)
      JsonNode roll = cluster.eventually(Duration.ofSeconds(15), () -> {
        var answer = cluster.post(NodeId.n(1), "/protocols/roll/call", "");
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body().get("upcall").get("complete").asBoolean()).isTrue();
        return answer.body().get("upcall");
      });
      assertThat(names(roll.get("present"))).containsExactly("n2", "n3");

      // n1 stops hearing from n3: the roll call answers after the configured 300 ms, not the jar's 2 s
      String cut = "{\"type\":\"partition\",\"sides\":[[\"n1\",\"n2\"],[\"n3\"]]}";
      assertThat(cluster.post(NodeId.n(1), "/nemesis", cut).status()).isEqualTo(200);
      long started = System.nanoTime();
      var partial = cluster.post(NodeId.n(1), "/protocols/roll/call", "");
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(1500));
      assertThat(names(partial.body().get("upcall").get("present"))).containsExactly("n2");
      assertThat(partial.body().get("upcall").get("complete").asBoolean()).isFalse();
    }
  }

  @Test
  void theUsersStateMachineRunsOnThreeNodesOverHttpAndKeepsWhatItAcknowledged() {
    ProtocolKinds kinds = ProtocolKinds.load(List.of(jar));
    try (LocalCluster cluster = new LocalCluster(3, dir.resolve("inventory"), List.of("shop=inventory"), kinds,
        LocalCluster.BASE)) {
      cluster.awaitStarted("shop");
      NodeId leader = leader(cluster, cluster.nodes.keySet());

      String restock = "{\"item\":\"apple\",\"units\":5}";
      JsonNode restocked = reply(cluster.post(leader, "/protocols/shop/restock?client=alice&seq=1", restock));
      assertThat(restocked.get("type").asText()).isEqualTo("restocked");
      assertThat(restocked.get("item").asText()).isEqualTo("apple");
      assertThat(restocked.get("units").asLong()).isEqualTo(5);
      assertThat(reply(cluster.post(leader, "/protocols/shop/restock?client=alice&seq=1", restock)))
          .as("a retry: its first answer")
          .isEqualTo(restocked);
      assertThat(reply(cluster.post(leader, "/protocols/shop/reserve", "{\"item\":\"apple\",\"units\":3}"))
          .get("left").asLong()).as("applied once, then 3 reserved").isEqualTo(2);
      JsonNode refused = reply(cluster.post(leader, "/protocols/shop/reserve", "{\"item\":\"apple\",\"units\":3}"));
      assertThat(refused.get("type").asText()).isEqualTo("refused");
      assertThat(refused.get("units").asLong()).as("what is left").isEqualTo(2);

      NodeId follower = cluster.nodes.keySet().stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
      JsonNode notLeader = cluster.post(follower, "/protocols/shop/count", "{\"item\":\"apple\"}").body().get("upcall");
      assertThat(notLeader.get("leader").asText()).isEqualTo(leader.name());
      assertThat(notLeader.get("error").asText()).contains("does not lead shop", "send it to " + leader);

      var bad = cluster.post(leader, "/protocols/shop/reserve", "{\"item\":\"apple\",\"units\":0}");
      assertThat(bad.status()).isEqualTo(400);
      assertThat(bad.body().get("error").asText()).contains("\"units\" must be a whole number from 1");

      cluster.eventually(Duration.ofSeconds(5), () -> {
        JsonNode live = cluster.get(leader, "/protocols/shop").body().get("live");
        assertThat(live.get("role").asText()).isEqualTo("LEADER");
        assertThat(live.get("machine").get("apple").asLong()).isEqualTo(2);
      });

      assertThat(cluster.post(leader, "/nemesis/crash/shop", "").status()).isEqualTo(200);
      List<NodeId> rest = cluster.nodes.keySet().stream().filter(n -> !n.equals(leader)).toList();
      NodeId next = leader(cluster, rest);
      assertThat(reply(cluster.post(next, "/protocols/shop/count", "{\"item\":\"apple\"}")).get("units").asLong())
          .as("the new leader's count").isEqualTo(2);
      assertThat(cluster.post(leader, "/nemesis/restart/shop", "").status()).isEqualTo(200);
    }
  }

  /** The node that leads the inventory among {@code candidates}, found as a client finds it. */
  private static NodeId leader(LocalCluster cluster, java.util.Collection<NodeId> candidates) {
    return cluster.eventually(Duration.ofSeconds(20), () -> {
      for (NodeId n : candidates) {
        JsonNode upcall = cluster.post(n, "/protocols/shop/count", "{\"item\":\"apple\"}").body().get("upcall");
        if (upcall != null && upcall.has("reply")) {
          return n;
        }
      }
      throw new AssertionError("no node of " + candidates + " leads the inventory yet");
    });
  }

  /** The machine's reply in an answer to a call: 200, applied. */
  private static JsonNode reply(LocalCluster.Response r) {
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body().get("upcall").has("reply")).as("applied: %s", r.body()).isTrue();
    return r.body().get("upcall").get("reply");
  }

  /** The names in a JSON array of node names. */
  static List<String> names(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
