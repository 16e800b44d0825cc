package dev.parley.testkit.pubsub;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.cluster.NodeClient;
import dev.parley.cluster.NodeProcesses;
import dev.parley.protocols.core.NodeId;
import dev.parley.testkit.checker.PubSubChecker;
import dev.parley.testkit.cluster.ClusterDriver;
import dev.parley.testkit.cluster.DurableSubscriberOverHttp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The topic broker, the partitioned log and the at-most-once RPC server on one cluster of three
 * JVMs (their default journals, ports the OS picks free), each through its HTTP routes while the JVM it depends
 * on is killed with SIGKILL and restarted: a durable subscriber gets every acknowledged message once,
 * in order; every acknowledged log record reads back where it was acknowledged; a repeated RPC
 * request id is answered from the journaled reply cache and executed once. Bounded: every wait has
 * a deadline, and every JVM is killed in {@link #stopCluster()}, whatever happened.
 */
@Execution(ExecutionMode.CONCURRENT) // beside the in-JVM specs; see junit-platform.properties
@ResourceLock("node-jvms")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PubSubMultiJvmSpec {

  private static final Duration UP = Duration.ofSeconds(90);
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final NodeId FIRST = NodeId.n(1);

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) static Path data; // on failure, the nodes' logs stay

  static NodeProcesses cluster;

  @BeforeAll
  static void startCluster() {
    cluster = new NodeProcesses(3, data,
        List.of("pubsub=topic-broker", "log=partitioned-log", "rpc=rpc"));
    cluster.startAll().awaitUp(3, UP);
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static NodeClient node(int i) {
    return cluster.client(NodeId.n(i));
  }

  private static void killAndRestart(NodeId victim, Runnable whileDown) {
    cluster.kill(victim);
    whileDown.run();
    cluster.start(victim);
    cluster.awaitUp(3, UP);
  }

  private static void await(String what, BooleanSupplier condition) {
    assertThat(ClusterDriver.awaitUntil(WAIT, condition)).as(what + " within " + WAIT).isTrue();
  }

  @Test
  @Order(1)
  void aDurableSubscriberGetsEveryAcknowledgedMessageOnceInOrderAcrossKillOfTheBroker() throws Exception {
    DurableSubscriberOverHttp run = new DurableSubscriberOverHttp(node(2), node(3), "pubsub", "orders",
        "mjvm", "shop", WAIT);
    assertThat(run.subscribe()).as("subscribed at n2").isTrue();
    run.publish(1, 5, "before");
    ExecutorService publisher = Executors.newSingleThreadExecutor();
    try {
      CompletableFuture<Void> during = new CompletableFuture<>();
      killAndRestart(FIRST, () -> {
        int before = run.attempts();
        publisher.submit(() -> {
          run.publish(6, 8, "during");
          during.complete(null);
        });
        await("a publish tried while the broker is down", () -> run.attempts() > before);
      });
      during.get(2 * WAIT.toSeconds(), TimeUnit.SECONDS);
    } finally {
      publisher.shutdownNow();
    }
    run.publish(9, 12, "after");

    assertThat(run.sent()).as("every publish answered").allMatch(PubSubChecker.Sent::acknowledged).hasSize(12);
    List<PubSubChecker.Got> got = run.pullAll();
    assertThat(got).extracting(PubSubChecker.Got::seq).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L);
    run.verdict().requireValid();
  }

  /** One acknowledged append: where the log put it. */
  private record Appended(String key, String value, int partition, long offset) {}

  @Test
  @Order(2)
  void everyAcknowledgedAppendReadsBackAfterKillOfTheRaftLeader() throws Exception {
    ConcurrentLinkedQueue<Appended> acked = new ConcurrentLinkedQueue<>();
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService clients = Executors.newFixedThreadPool(3);
    List<Future<?>> running = new ArrayList<>();
    try {
      for (int c = 0; c < 3; c++) {
        int client = c;
        running.add(clients.submit(() -> {
          for (int i = 0; !stop.get(); i++) {
            String key = "c" + client + "-k" + i % 4;
            String value = "c" + client + "-" + i;
            try {
              NodeClient.Response r = node(1 + (client + i) % 3)
                  .postFollowing("/log/log/topics/events?timeout=2000&key=" + key, value);
              if (r.ok()) {
                acked.add(new Appended(key, value, r.body().get("partition").asInt(), r.body().get("offset").asLong()));
              } else {
                ClusterDriver.pause(Duration.ofMillis(50));
              }
            } catch (IllegalStateException down) {
              ClusterDriver.pause(Duration.ofMillis(50));
            }
          }
        }));
      }
      await("20 appends acknowledged", () -> acked.size() >= 20);
      NodeId leader = leader();
      killAndRestart(leader, () -> {
        int before = acked.size();
        await("20 more appends acknowledged with the leader down", () -> acked.size() >= before + 20);
      });
      int afterRestart = acked.size();
      await("20 more appends acknowledged after the restart", () -> acked.size() >= afterRestart + 20);
    } finally {
      stop.set(true);
      clients.shutdown();
    }
    for (Future<?> f : running) {
      f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    Map<Integer, Map<Long, String>> logs = new TreeMap<>();
    Map<String, Set<Integer>> partitionsOfKey = new TreeMap<>();
    for (int p = 0; p < 4; p++) {
      int partition = p;
      Map<Long, String> records = new TreeMap<>();
      await("partition " + p + " read", () -> {
        NodeClient.Response r = node(2).getFollowing("/log/log/topics/events/partitions/" + partition
            + "?from=0&max=10000&timeout=5000");
        if (!r.ok()) {
          return false;
        }
        records.clear();
        long expected = r.body().get("start").asLong();
        for (JsonNode rec : r.body().get("records")) {
          assertThat(rec.get("offset").asLong()).as("offsets of partition " + partition + " consecutive")
              .isEqualTo(expected++);
          records.put(rec.get("offset").asLong(), rec.get("value").asText());
          partitionsOfKey.computeIfAbsent(rec.get("key").asText(), k -> new TreeSet<>()).add(partition);
        }
        assertThat(expected).as("partition " + partition + " read to its end").isEqualTo(r.body().get("end").asLong());
        return true;
      });
      logs.put(p, records);
    }
    assertThat(acked).as("acknowledged appends").hasSizeGreaterThanOrEqualTo(60);
    for (Appended a : acked) {
      assertThat(logs.get(a.partition())).as("partition " + a.partition()).containsEntry(a.offset(), a.value());
    }
    partitionsOfKey.forEach((key, partitions) -> assertThat(partitions).as("partitions of key " + key).hasSize(1));
  }

  /**
   * The log's Raft leader, as a read at n1 asking for the redirect says (not forwarded): n1 if it
   * answers, else where its 307 points.
   */
  private static NodeId leader() {
    NodeId[] leader = {null};
    await("the log's leader known", () -> {
      NodeClient.Response r = node(1).get("/log/log/topics/events/partitions/0?max=1&timeout=2000&redirect=true");
      if (r.ok()) {
        leader[0] = FIRST;
      } else if (r.status() == 307) {
        leader[0] = NodeId.of(r.body().get("leader").asText());
      }
      return leader[0] != null;
    });
    return leader[0];
  }

  @Test
  @Order(3)
  void aRepeatedRequestIdIsAnsweredFromTheReplyCacheAfterKillOfTheServer() {
    String call = "{\"op\":\"increment\",\"account\":\"mjvm\",\"amount\":5,\"requestId\":4242}";
    JsonNode[] first = {null};
    await("the first call answered", () -> {
      NodeClient.Response r = node(2).post("/protocols/rpc/call", call);
      first[0] = r.ok() ? r.body().get("upcall") : null;
      return first[0] != null;
    });
    assertThat(first[0].get("result").get("value").asLong()).isEqualTo(5);
    long executionsBefore = executions();

    killAndRestart(FIRST, () -> { });

    JsonNode[] again = {null};
    await("the repeated call answered", () -> {
      NodeClient.Response r = node(2).post("/protocols/rpc/call", call);
      again[0] = r.ok() ? r.body().get("upcall") : null;
      return again[0] != null;
    });
    assertThat(again[0].get("requestId").asLong()).isEqualTo(4242);
    assertThat(again[0].get("result")).as("the cached reply").isEqualTo(first[0].get("result"));
    assertThat(executions()).as("executions after the repeat").isEqualTo(executionsBefore);
    JsonNode balance = cluster.client(FIRST).get("/protocols/rpc").body().at("/live/service/balances/mjvm");
    assertThat(balance.asLong()).as("the effect, counted once").isEqualTo(5);
  }

  private static long executions() {
    long[] executions = {-1};
    await("the server's status", () -> {
      NodeClient.Response r = cluster.client(FIRST).get("/protocols/rpc");
      JsonNode live = r.ok() ? r.body().get("live") : null;
      if (live == null || !live.has("executions")) {
        return false;
      }
      executions[0] = live.get("executions").asLong();
      return true;
    });
    return executions[0];
  }
}
