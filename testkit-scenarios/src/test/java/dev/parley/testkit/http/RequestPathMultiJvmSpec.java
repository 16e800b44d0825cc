package dev.parley.testkit.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.cluster.NodeClient;
import dev.parley.cluster.NodeProcesses;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.history.HistoryJson;
import dev.parley.testkit.cluster.ClusterDriver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The HTTP request path on three JVMs, through the {@link ClientHarness}: key-value clients (named
 * with retries, reordering, anonymous, hostile), log appenders and readers, lock clients at n2 and
 * n3, and publishers with a durable subscriber, all at once, while the nemesis isolates n1 (the
 * lock server's and the broker's node) and heals, then kills the key-value store's leader with
 * SIGKILL and restarts it. Every checker must find its history valid, and every workload must have
 * done a minimum of work, so the spec cannot pass by doing nothing.
 *
 * <p>Bounded: each phase waits for progress with a deadline (the partition lasts at least 10 s,
 * the victim stays dead at least 8 s), the load lasts at least 45 s, the harness's stop waits a
 * bounded time for each workload, and every JVM is killed when the cluster closes, whatever
 * happened.
 */
@Execution(ExecutionMode.CONCURRENT) // beside the in-JVM specs; see junit-platform.properties
@ResourceLock("node-jvms")
class RequestPathMultiJvmSpec {

  private static final Duration UP = Duration.ofSeconds(90);
  private static final Duration PHASE = Duration.ofSeconds(30);
  private static final Duration LOAD = Duration.ofSeconds(35);
  private static final Duration PARTITIONED = Duration.ofSeconds(10);
  private static final Duration DOWN = Duration.ofSeconds(8);
  private static final NodeId N1 = NodeId.n(1);

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) static Path data; // on failure, the nodes' logs and the histories stay

  private static void await(String what, Duration max, BooleanSupplier condition) {
    assertThat(ClusterDriver.awaitUntil(max, condition)).as(what + " within " + max).isTrue();
  }

  /** A fault phase: lasts at least {@code atLeast} (the fault's length), and {@code condition} must hold by {@code max}. */
  private static void during(String what, Duration atLeast, Duration max, BooleanSupplier condition) {
    long start = System.nanoTime();
    await(what, max, () -> condition.getAsBoolean() && System.nanoTime() - start >= atLeast.toNanos());
  }

  /** Every named workload has completed at least {@code more} operations ok since {@code before}. */
  private static BooleanSupplier progress(ClientHarness harness, Map<String, Long> before, long more,
      String... workloads) {
    return () -> {
      Map<String, Long> now = harness.ok();
      for (String w : workloads) {
        if (now.get(w) < before.get(w) + more) {
          return false;
        }
      }
      return true;
    };
  }

  @Test
  void everyPromiseOfTheRequestPathHoldsThroughAPartitionAndAKill() {
    long began = System.nanoTime();
    try (NodeProcesses cluster = new NodeProcesses(3, data,
        List.of("kv=raft-kv", "log=partitioned-log", "locks=lock-server", "pubsub=topic-broker"))) {
      cluster.startAll().awaitUp(3, UP);
      Nemesis nemesis = new Nemesis(cluster);
      KvClients kv = new KvClients("kv");
      LogClients log = new LogClients("log");
      LockClients locks = new LockClients("locks");
      BrokerClients broker = new BrokerClients("pubsub");
      String[] all = {kv.name(), log.name(), locks.name(), broker.name()};
      ClientHarness harness = ClientHarness.over(cluster.nodes().stream().map(cluster::http).toList())
          .with(kv).with(log).with(locks).with(broker).with(nemesis);
      HarnessReport report;
      try {
        harness.start(7);
        long loadStart = System.nanoTime();
        nemesis.note("load started");
        await("every workload under way", PHASE, progress(harness, harness.ok(), 10, all));

        nemesis.isolate(N1);
        during("kv and log go on with n1 cut off", PARTITIONED, PHASE,
            progress(harness, harness.ok(), 30, kv.name(), log.name()));
        nemesis.heal();
        await("every workload goes on after the heal", PHASE, progress(harness, harness.ok(), 10, all));

        NodeId victim = kvLeader(cluster);
        nemesis.note("kv's leader, as n2 sees it: " + victim);
        nemesis.kill(victim);
        during("kv goes on with its leader " + victim + " dead", DOWN, PHASE,
            progress(harness, harness.ok(), 30, kv.name()));
        nemesis.restart(victim, UP);
        Map<String, Long> restarted = harness.ok();
        await("every workload goes on after the restart, and the load lasts " + LOAD, LOAD, () ->
            progress(harness, restarted, 20, all).getAsBoolean()
                && System.nanoTime() - loadStart >= LOAD.toNanos());
      } finally {
        report = harness.stop();
        System.out.println(report.report());
        System.out.println("spec ran " + (System.nanoTime() - began) / 1_000_000_000 + " s");
        keepHistories(report);
      }
      report.requireValid();
      assertMinimumWork(report);
    }
  }

  /** Each workload's history as JSON lines next to the nodes' logs (kept when the spec fails). */
  private static void keepHistories(HarnessReport report) {
    for (WorkloadResult r : report.results()) {
      try {
        Files.writeString(data.resolve(r.workload().replace(' ', '-') + ".history.jsonl"),
            HistoryJson.toJsonLines(r.history()));
      } catch (IOException e) {
        System.out.println("could not keep the history of " + r.workload() + ": " + e.getMessage());
      }
    }
  }

  private static void assertMinimumWork(HarnessReport report) {
    Summary kv = report.workload("kv").summary();
    assertThat(kv.ok()).as("kv operations ok").isGreaterThanOrEqualTo(300);
    assertThat(kv.clientErrors()).as("kv requests refused (malformed, reused ids)").isGreaterThanOrEqualTo(10);
    Summary log = report.workload("log").summary();
    assertThat(log.ok()).as("log appends and reads ok").isGreaterThanOrEqualTo(200);
    assertThat(log.answers("400")).as("malformed log requests refused").isGreaterThanOrEqualTo(5);
    Summary locks = report.workload("lock").summary();
    assertThat(locks.ok()).as("lock grants and releases ok").isGreaterThanOrEqualTo(30);
    Summary broker = report.workload("broker").summary();
    assertThat(broker.ok()).as("publishes and pulls ok").isGreaterThanOrEqualTo(100);
  }

  /**
   * The key-value store's Raft leader as n2 sees it: n2 if it answers a read itself, else where its
   * 307 points (the probe asks for the 307, so no forward hides the leader); n2 if that cannot be told
   * within the phase.
   */
  private static NodeId kvLeader(NodeProcesses cluster) {
    NodeId[] leader = {null};
    ClusterDriver.awaitUntil(PHASE, () -> {
      NodeClient.Response r = cluster.client(NodeId.n(2)).get("/kv/kv/leader-probe?timeout=1000&redirect=true");
      if (r.ok()) {
        leader[0] = NodeId.n(2);
      } else if (r.status() == 307 && r.body() != null && r.body().has("leader")) {
        leader[0] = NodeId.of(r.body().get("leader").asText());
      }
      return leader[0] != null;
    });
    return leader[0] == null ? NodeId.n(2) : leader[0];
  }
}
