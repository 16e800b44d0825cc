package dev.parley.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nodes as three JVMs; the lock server's JVM is killed with SIGKILL, restarted, and must come
 * back with its holder and queue from its H2 journal and rejoin the cluster. Bounded: every wait
 * has a deadline, and every process it starts is killed at the end.
 */
class MultiJvmSpec {

  @TempDir static Path data;

  static final ActorTestKit kit = ActorTestKit.create();
  static final Map<String, Process> processes = new TreeMap<>();
  static final Map<String, List<String>> commands = new TreeMap<>();
  static final Map<String, NodeClient> clients = new TreeMap<>();

  @AfterAll
  static void cleanUp() {
    processes.values().forEach(Process::destroyForcibly);
    processes.values().forEach(p -> p.onExit().join());
    kit.shutdownTestKit();
  }

  private static void start(String node) throws Exception {
    Process p = new ProcessBuilder(commands.get(node))
        .redirectErrorStream(true)
        .redirectOutput(data.resolve(node + ".log").toFile())
        .start();
    processes.put(node, p);
  }

  private static void eventually(Duration max, Runnable assertion) {
    TestProbe<Object> probe = kit.createTestProbe();
    probe.awaitAssert(max, Duration.ofMillis(250), () -> {
      assertion.run();
      return null;
    });
  }

  private static void allUp(int members) {
    eventually(Duration.ofSeconds(90), () -> clients.values().forEach(c -> {
      JsonNode status = c.get("/status").body();
      assertThat(status.get("members").findValuesAsText("status"))
          .hasSize(members).containsOnly("Up");
      assertThat(status.get("protocols").get("locks").get("started").asBoolean()).isTrue();
    }));
  }

  private static JsonNode lockServer() {
    return clients.get("n1").get("/protocols/locks").body().get("live");
  }

  @Test
  void aKilledLockServerComesBackWithItsHolderAndQueueAndRejoins() throws Exception {
    List<Integer> ports = LocalCluster.freePorts(6);
    String java = ProcessHandle.current().info().command().orElse("java");
    String seeds = "127.0.0.1:" + ports.get(0) + ",127.0.0.1:" + ports.get(1) + ",127.0.0.1:" + ports.get(2);
    for (int i = 1; i <= 3; i++) {
      String node = "n" + i;
      commands.put(node, List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
          "dev.parley.cluster.ParleyNode", "--node", node, "--port", "" + ports.get(i - 1),
          "--http-port", "" + ports.get(i + 2), "--seeds", seeds, "--group", "n1,n2,n3",
          "--data-dir", data.resolve(node).toString(), "--protocol", "locks=lock-server"));
      clients.put(node, new NodeClient("127.0.0.1:" + ports.get(i + 2)));
      start(node);
    }
    allUp(3);

    var granted = clients.get("n2").post("/protocols/locks/acquire", "");
    assertThat(granted.body().get("upcall").get("node").asText()).isEqualTo("n2");
    clients.get("n3").post("/protocols/locks/acquire?timeout=200", "");
    eventually(Duration.ofSeconds(10), () ->
        assertThat(lockServer().get("queue").get(0).asText()).isEqualTo("n3"));

    Process server = processes.get("n1");
    server.destroyForcibly(); // SIGKILL: no graceful leave, nothing flushed on the way out
    assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
    eventually(Duration.ofSeconds(60), () ->
        assertThat(clients.get("n2").get("/status").body().get("members").findValuesAsText("node"))
            .containsExactlyInAnyOrder("n2", "n3"));

    start("n1");
    allUp(3);
    JsonNode recovered = lockServer();
    assertThat(recovered.get("holder").asText()).isEqualTo("n2");
    List<String> queue = new ArrayList<>();
    recovered.get("queue").forEach(n -> queue.add(n.asText()));
    assertThat(queue).containsExactly("n3");

    clients.get("n2").post("/protocols/locks/release", "");
    eventually(Duration.ofSeconds(20), () ->
        assertThat(lockServer().get("holder").asText()).isEqualTo("n3"));
    assertThat(new File(data.resolve("n1").toFile(), "journal.mv.db")).exists();
  }
}
