package dev.parley.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.protocols.core.NodeId;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Three nodes as three JVMs; the lock server's JVM is killed with SIGKILL, restarted, and must come
 * back with its holder and queue from its journal and rejoin the cluster. The nodes are also
 * given the example user project's jar ({@code --with}, packaged at test time as in {@link
 * UserKindSpec}): its roll call runs over the network, the kind loaded by each JVM's class loader
 * and its messages carried between them. Bounded: every wait has a deadline, and every process it
 * starts is killed at the end.
 */
@Execution(ExecutionMode.CONCURRENT) // beside the in-JVM specs; see junit-platform.properties
@ResourceLock("node-jvms")
class MultiJvmSpec {

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) static Path data; // on failure, the nodes' logs stay

  static final ActorTestKit kit = ActorTestKit.create();
  static NodeProcesses cluster;

  @AfterAll
  static void cleanUp() {
    if (cluster != null) {
      cluster.close();
    }
    kit.shutdownTestKit();
  }

  private static void eventually(Duration max, Runnable assertion) {
    TestProbe<Object> probe = kit.createTestProbe();
    probe.awaitAssert(max, Duration.ofMillis(250), () -> {
      assertion.run();
      return null;
    });
  }

  private static NodeClient client(int i) {
    return cluster.client(NodeId.n(i));
  }

  private static JsonNode lockServer() {
    return client(1).get("/protocols/locks").body().get("live");
  }

  /** The roll call of the jar, asked at every node: each hears from the two others. */
  private static void theUsersKindRunsOverTheNetwork() {
    TestProbe<Object> probe = kit.createTestProbe();
    for (NodeId at : cluster.nodes()) {
      JsonNode roll = probe.awaitAssert(Duration.ofSeconds(20), Duration.ofMillis(250), () -> {
        NodeClient.Response r = cluster.client(at).post("/protocols/roll/call", "");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body().get("upcall").get("complete").asBoolean()).isTrue();
        return r.body().get("upcall");
      });
      List<String> others = new ArrayList<>(List.of("n1", "n2", "n3"));
      others.remove(at.name());
      assertThat(UserKindSpec.names(roll.get("present"))).isEqualTo(others);
      assertThat(roll.get("caller").asText()).isEqualTo(at.name());
    }
  }

  @Test
  void aKilledLockServerComesBackWithItsHolderAndQueueAndRejoins() throws Exception {
    Path jar = KindJars.jar(KindJars.EXAMPLES, data.resolve("parley-example.jar"));
    cluster = new NodeProcesses(3, data, List.of("locks=lock-server", "roll=roll-call"), List.of(jar)).startAll();
    cluster.awaitUp(3, Duration.ofSeconds(90));
    theUsersKindRunsOverTheNetwork();

    var granted = client(2).post("/protocols/locks/acquire?client=c2", "");
    assertThat(granted.body().get("upcall").get("node").asText()).isEqualTo("n2");
    long token = granted.body().get("fencingToken").asLong();
    CompletableFuture<NodeClient.Response> waiting = CompletableFuture.supplyAsync(() ->
        client(3).post("/protocols/locks/acquire?client=c3&timeout=300000", "", Duration.ofSeconds(310)));
    eventually(Duration.ofSeconds(10), () ->
        assertThat(lockServer().get("queue").get(0).asText()).isEqualTo("n3"));

    cluster.kill(NodeId.n(1));
    eventually(Duration.ofSeconds(60), () ->
        assertThat(client(2).get("/status").body().get("members").findValuesAsText("node"))
            .containsExactlyInAnyOrder("n2", "n3"));

    cluster.start(NodeId.n(1));
    cluster.awaitUp(3, Duration.ofSeconds(90));
    eventually(Duration.ofSeconds(20), () ->
        assertThat(client(1).get("/protocols/locks").body().get("started").asBoolean()).isTrue());
    JsonNode recovered = lockServer();
    assertThat(recovered.get("holder").asText()).isEqualTo("n2");
    List<String> queue = new ArrayList<>();
    recovered.get("queue").forEach(n -> queue.add(n.asText()));
    assertThat(queue).containsExactly("n3");

    NodeClient.Response released = client(2).post("/protocols/locks/release?client=c2", "");
    assertThat(released.status() == 200 || released.text().contains("its lease ended"))
        .as("c2 releases, or its lease ran out while the server was down: " + released.text()).isTrue();
    NodeClient.Response granted3 = waiting.get(60, TimeUnit.SECONDS);
    assertThat(granted3.status()).as(granted3.text()).isEqualTo(200);
    assertThat(granted3.body().get("fencingToken").asLong()).isGreaterThan(token);
    assertThat(lockServer().get("holder").asText()).isEqualTo("n3");
    assertThat(new File(data.resolve("n1").toFile(), "journal")).isDirectory(); // the default, forced file journal
  }
}
