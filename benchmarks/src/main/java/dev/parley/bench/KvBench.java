package dev.parley.bench;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import dev.parley.cluster.KvKind;
import dev.parley.cluster.NodeClient;
import dev.parley.cluster.NodeProcesses;
import dev.parley.cluster.ProtocolKinds;
import dev.parley.persistence.Journal;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.election.RaftElection;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.replication.RaftKv;
import dev.parley.testkit.kv.KvWorkload;
import dev.parley.testkit.sim.Simulation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The replicated key-value stores side by side on three nodes: puts per second and their latency
 * with 1 and 16 closed-loop clients, in one JVM (actors over fault-injecting links, H2 journal on
 * disk) and on a cluster of three ParleyNode JVMs (their forced file journal; clients over HTTP/1.1,
 * kept alive, each keeping the node that serves it); and, in the same run, Apache Ratis's counter on
 * three servers over gRPC with their logs forced, with the same client counts. Beside each row:
 * messages and forced writes per operation (the cluster's and Ratis's own counters; for the one-JVM
 * rows the messages the deterministic simulation counts), and the ratios the targets are stated in
 * (Raft KV on three JVMs at least 2x Ratis at 16 clients; one client's PUT p50 at most 2 ms). Then the
 * leader's failover as a client sees it: crash to the first acknowledged write, Parley's Raft beside
 * Ratis.
 */
@Command(name = "kv", mixinStandardHelpOptions = true,
    description = "Replicated key-value stores: throughput, latency and messages per operation on 3 nodes,"
        + " beside Apache Ratis; leader failover to the first committed write.")
final class KvBench implements Runnable {

  @Option(names = "--stores", split = ",", description = "the stores (default: every key-value kind)")
  List<String> stores;

  @Option(names = "--clients", split = ",", description = "concurrent clients (default ${DEFAULT-VALUE})")
  List<Integer> clients = List.of(1, 16);

  @Option(names = "--warmup-ms", description = "warm-up per measurement (default ${DEFAULT-VALUE})")
  long warmupMillis = 1000;

  @Option(names = "--measure-ms", description = "measured window per measurement (default ${DEFAULT-VALUE})")
  long measureMillis = 3000;

  @Option(names = "--failover-runs", description = "failovers measured per system (default ${DEFAULT-VALUE})")
  int failoverRuns = 10;

  @Option(names = "--no-ratis", description = "skip Apache Ratis")
  boolean noRatis;

  @Option(names = "--no-cluster", description = "skip the cluster of three JVMs")
  boolean noCluster;

  @Option(names = "--no-one-jvm", description = "skip Parley's stores in one JVM (and their simulated messages)")
  boolean noOneJvm;

  @Option(names = "--no-failover", description = "skip the failover measurements")
  boolean noFailover;

  @Option(names = "--system-warmup-ms", description = "warm-up of Ratis's servers and of the cluster, each once"
      + " before its first row, with the most clients: their JIT compilers still ran a minute after start"
      + " (default ${DEFAULT-VALUE})")
  long systemWarmupMillis = 60000;

  @Option(names = "--node-setting", description = "a setting for every cluster node, such as"
      + " parley.kinds.raft-kv.max-batches-in-flight=4 (repeatable; printed with the rows)")
  List<String> nodeSettings = new ArrayList<>();

  @Option(names = "--cluster-tracing", description = "the cluster's nodes trace (parley.trace.enabled = on, their"
      + " default); without it they run with tracing off, as a node tuned for the request path does")
  boolean clusterTracing;

  @Mixin
  LatencyCharts charts = new LatencyCharts();

  private final Map<String, Double> rates = new LinkedHashMap<>();
  private final Map<String, String> medians = new LinkedHashMap<>();

  @Override
  public void run() {
    List<KvKind<?>> kinds = kinds();
    Duration warmup = Duration.ofMillis(warmupMillis);
    Duration measure = Duration.ofMillis(measureMillis);
    Path dir = Scratch.directory("kv");
    ActorTestKit kit = ActorTestKit.create("bench-kv", Scratch.h2Journal(dir));
    try {
      Journal.prepare(kit.system());
      System.out.printf("Replicated key-value stores on 3 nodes: closed-loop clients putting one key after"
          + " another (10 keys); %d ms warm-up, %d ms measured%n", warmupMillis, measureMillis);
      Figures.machine();
      Figures.row("store", "where", "clients", "ops per second", "p50", "p99", "failed", "messages per op",
          "forces per op");
      Figures.row("---", "---", "---", "---", "---", "---", "---", "---", "---");
      if (!noOneJvm) {
        KvThroughput.run(kit, kinds.get(0), clients.get(0), warmup, measure); // JIT warm-up
        for (KvKind<?> kind : kinds) {
          for (int c : clients) {
            row(kind.name(), "one JVM", "kv-one-jvm-", c, KvThroughput.run(kit, kind, c, warmup, measure),
                String.format("%.1f (simulated)", messagesPerOperation(kind, c)), "");
          }
        }
      }
      if (!noRatis) {
        ratis(dir, warmup, measure);
      }
      if (!noCluster) {
        cluster(kinds, dir, warmup, measure);
      }
      ratios();
      if (!noFailover) {
        failover(kit, kinds, dir);
      }
      charts.write();
    } catch (Exception e) {
      throw new IllegalStateException("the key-value benchmark failed: " + e, e);
    } finally {
      kit.shutdownTestKit();
      Scratch.delete(dir);
    }
  }

  private List<KvKind<?>> kinds() {
    List<KvKind<?>> all = ProtocolKinds.load().all().values().stream().filter(k -> k instanceof KvKind)
        .<KvKind<?>>map(k -> (KvKind<?>) k).sorted(Comparator.comparing(KvKind::name)).toList();
    if (stores == null) {
      return all;
    }
    List<KvKind<?>> chosen = new ArrayList<>();
    for (String s : stores) {
      chosen.add(all.stream().filter(k -> k.name().equals(s)).findFirst().orElseThrow(() ->
          new IllegalArgumentException("unknown store '" + s + "'; the stores are "
              + all.stream().map(KvKind::name).toList())));
    }
    return chosen;
  }

  /** Prints a row and adds its latencies to the chart {@code chart} + client count. */
  private void row(String store, String where, String chart, int c, ClosedLoop.Figures f, String messages,
      String forces) {
    rates.put(store + "|" + where + "|" + c, f.perSecond());
    medians.put(store + "|" + where + "|" + c, f.p50());
    charts.add(chart + c, "Put latency, " + c + " closed-loop client" + (c == 1 ? "" : "s") + ", "
        + (chart.contains("one-jvm") ? "3 nodes in one JVM" : "3 JVMs over HTTP"), store + ", " + where, f.samples());
    Figures.row(store, where, String.valueOf(c), Figures.perSecond(f.perSecond()), f.p50(), f.p99(),
        String.valueOf(f.failures()), messages, forces);
    System.out.print(f.failureLines(3));
  }

  /**
   * Messages sent per completed put in the deterministic simulation (links that delay 1 ms), with
   * {@code clients} clients: replication, acknowledgements and the heartbeats meanwhile.
   */
  static double messagesPerOperation(KvKind<?> kind, int clients) {
    Simulation<Object> sim = Simulation.builder(3,
            (peers, env, upcalls) -> kind.create("sim", peers, env, upcalls))
        .faults(FaultPlan.none().withDelay(Delay.fixed(Duration.ofMillis(1)))).seed(1).build();
    sim.runFor(Duration.ofSeconds(2));
    KvWorkload.Result r = KvWorkload.of(sim, request -> kind.command(request))
        .clients(clients).keys(10).operations(Math.max(10, 200 / clients)).mix(1.0, 0)
        .think(Duration.ZERO).run(Duration.ofMinutes(5));
    return r.messagesPerOperation();
  }

  private void ratis(Path dir, Duration warmup, Duration measure) throws Exception {
    try (RatisCluster ratis = new RatisCluster(3, dir, RatisCounter::new)) {
      ratis.awaitAgreement(-1, Duration.ofSeconds(30));
      ratisLoad(ratis, mostClients(), Duration.ofMillis(systemWarmupMillis), Duration.ZERO, new long[4]);
      for (int c : clients) {
        long[] counters = new long[4]; // forces and this JVM's CPU, before and after the window
        ClosedLoop.Figures f = ratisLoad(ratis, c, warmup, measure, counters);
        row(RATIS, RATIS_WHERE, "kv-one-jvm-", c, f, "", perOperation(counters[1] - counters[0], f));
        System.out.printf("  (this JVM, Ratis's servers and clients, used %s ms of CPU per operation)%n",
            perOperation(counters[3] - counters[2], f));
      }
    }
  }

  /**
   * {@code c} Ratis clients incrementing for a window; {@code counters} gets the log workers' flushes
   * and this JVM's CPU (ms) before and after it: {forces, forces, cpu, cpu}.
   */
  private static ClosedLoop.Figures ratisLoad(RatisCluster ratis, int c, Duration warmup, Duration measure,
      long[] counters) throws Exception {
    List<RaftClient> raftClients = new ArrayList<>();
    for (int i = 0; i < c; i++) {
      raftClients.add(ratis.client());
    }
    long self = ProcessHandle.current().pid();
    try {
      return ClosedLoop.run(c, i -> raftClients.get(i).async()
          .send(Message.valueOf("INCREMENT")).thenApply(reply -> {
            if (!reply.isSuccess()) {
              throw new CompletionException(reply.getException());
            }
            return reply;
          }), warmup, measure, () -> {
            counters[0] = RatisCluster.forces();
            counters[2] = cpuMillis(self);
          }, () -> {
            counters[1] = RatisCluster.forces();
            counters[3] = cpuMillis(self);
          });
    } finally {
      for (RaftClient rc : raftClients) {
        rc.close();
      }
    }
  }

  /** The most clients of the rows: the load both systems warm up with. */
  private int mostClients() {
    return clients.stream().mapToInt(Integer::intValue).max().orElse(1);
  }

  private static final String RATIS = "Apache Ratis counter";
  private static final String RATIS_WHERE = "3 servers in one JVM, gRPC, log forced";
  private static final String CLUSTER_WHERE = "3 JVMs, HTTP, file journal (forced)";

  /** {@code count} per operation of the window {@code f} measured. */
  private static String perOperation(long count, ClosedLoop.Figures f) {
    return f.operations() == 0 ? "" : String.format("%.2f", (double) count / f.operations());
  }

  /**
   * Each store on three ParleyNode JVMs (the file journal, forced, their default), each client on a
   * thread of its own over one kept-alive HTTP/1.1 connection ({@link KeepAliveHttp}). A client keeps
   * the node that answered it last: it starts at the node that served a first PUT (following the 307
   * of a follower, as every later 307 is followed; its requests ask for the 307 rather than a forward
   * inside the cluster), so requests go to the leader with no redirect each. Messages and forces per operation are the nodes'
   * own counters ({@code GET /status}: messages sent, journal forces) read around the measured window.
   */
  private void cluster(List<KvKind<?>> kinds, Path dir, Duration warmup, Duration measure) {
    List<String> protocols = kinds.stream().map(k -> k.name() + "=" + k.name()).toList();
    List<String> jvm = new ArrayList<>(List.of("parley.trace.enabled=" + (clusterTracing ? "on" : "off")));
    jvm.addAll(nodeSettings);
    if (!nodeSettings.isEmpty()) {
      System.out.println("Cluster nodes' settings: " + String.join(" ", jvm));
    }
    try (NodeProcesses cluster = new NodeProcesses(3, Files.createDirectories(dir.resolve("cluster")), protocols,
        List.of(), jvm)) {
      cluster.startAll().awaitUp(3, Duration.ofSeconds(120));
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .followRedirects(HttpClient.Redirect.NORMAL).build();
      String where = CLUSTER_WHERE + (clusterTracing ? ", tracing on" : ", tracing off");
      for (KvKind<?> kind : kinds) {
        String serving = serving(http, "http://" + cluster.http(NodeId.n(1)), kind);
        idle(cluster, "just started");
        clusterLoad(cluster, kind, serving, "warm-up", mostClients(), Duration.ofMillis(systemWarmupMillis),
            Duration.ZERO, new long[2][]);
        for (int c : clients) {
          long[][] counters = new long[2][];
          ClosedLoop.Figures f = clusterLoad(cluster, kind, serving, "" + c, c, warmup, measure, counters);
          row(kind.name(), where, "kv-3-jvms-", c, f, perOperation(counters[1][0] - counters[0][0], f),
              perOperation(counters[1][1] - counters[0][1], f));
          System.out.printf("  (the 3 node JVMs used %s ms of CPU per operation, this JVM's clients %s ms)%n",
              perOperation(counters[1][2] - counters[0][2], f), perOperation(counters[1][3] - counters[0][3], f));
        }
        idle(cluster, "after the rows");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * {@code c} clients putting at {@code serving} for a window, each on a thread of its own over one
   * kept-alive connection, their client ids named after {@code load} (each load its own sessions);
   * {@code counters} gets the nodes' counters before and after it ({@link #counters}).
   */
  private static ClosedLoop.Figures clusterLoad(NodeProcesses cluster, KvKind<?> kind, String serving, String load,
      int c, Duration warmup, Duration measure, long[][] counters) {
    List<KeepAliveHttp> connections = new ArrayList<>();
    List<ExecutorService> threads = new ArrayList<>();
    for (int i = 0; i < c; i++) {
      connections.add(new KeepAliveHttp(serving));
      threads.add(Executors.newSingleThreadExecutor());
    }
    try {
      AtomicLong seq = new AtomicLong();
      return ClosedLoop.run(c, i -> CompletableFuture.supplyAsync(() -> {
        long n = seq.incrementAndGet();
        try {
          KeepAliveHttp.Answer a = connections.get(i).put("/kv/" + kind.name() + "/k" + (i % 10)
              + "?client=bench-" + kind.name() + "-" + load + "-" + i + "&seq=" + n, "v" + n);
          if (a.status() != 200) {
            throw new IllegalStateException(a.status() + " " + a.body());
          }
          return a;
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }, threads.get(i)), warmup, measure, () -> counters[0] = counters(cluster),
          () -> counters[1] = counters(cluster));
    } finally {
      threads.forEach(ExecutorService::shutdownNow);
      connections.forEach(KeepAliveHttp::close);
    }
  }

  /**
   * Prints the CPU the node JVMs use with no client (heartbeats, gossip, their JIT and GC), over 5 s:
   * {@code when} is "just started" (the cluster serves; the JIT compilers are busiest) or "after the
   * rows" (the hot path compiled): the background every cluster row's CPU per operation includes.
   */
  private static void idle(NodeProcesses cluster, String when) {
    long before = counters(cluster)[2];
    long start = System.nanoTime();
    try {
      Thread.sleep(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf("  (with no client, %s, the 3 node JVMs used %.0f ms of CPU per second)%n", when,
        (counters(cluster)[2] - before) / seconds);
  }

  /** The CPU time (user and system) process {@code pid} used so far, in ms; 0 without /proc. */
  private static long cpuMillis(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10; // utime, stime in ticks of 10 ms
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** The base URI of the node that serves {@code kind}'s writes now, found by a PUT at {@code first}. */
  private static String serving(HttpClient http, String first, KvKind<?> kind) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(first + "/kv/" + kind.name()
            + "/leader-probe?redirect=true")).PUT(HttpRequest.BodyPublishers.ofString("1")).build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return r.uri().getScheme() + "://" + r.uri().getAuthority();
        }
        last = r.statusCode() + " " + r.body();
        Thread.sleep(200);
      } catch (IOException e) {
        last = e.toString();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
    throw new IllegalStateException(kind.name() + " served no write within 60 s: " + last);
  }

  /**
   * The protocol messages the nodes sent, their journals' forces and the CPU time their JVMs used (ms,
   * from /proc, 0 where there is none) so far, summed over the nodes; then this JVM's CPU time (its
   * clients').
   */
  private static long[] counters(NodeProcesses cluster) {
    long[] sum = new long[4];
    sum[3] = cpuMillis(ProcessHandle.current().pid());
    for (NodeId n : cluster.nodes()) {
      sum[2] += cpuMillis(cluster.pid(n));
      NodeClient.Response r = cluster.client(n).get("/status");
      if (!r.ok()) {
        throw new IllegalStateException(n + " did not answer /status: " + r.status() + " " + r.text());
      }
      sum[0] += r.body().path("messages").path("sent").asLong();
      sum[1] += r.body().path("journal").path("forces").asLong();
    }
    return sum;
  }

  /** Parley's Raft store beside Ratis at the most clients (throughput) and at one (a PUT's median). */
  private void ratios() {
    int most = mostClients();
    String where = CLUSTER_WHERE + (clusterTracing ? ", tracing on" : ", tracing off");
    Double ratis = rates.get(RATIS + "|" + RATIS_WHERE + "|" + most);
    Double oneJvm = rates.get("raft-kv|one JVM|" + most);
    Double cluster = rates.get("raft-kv|" + where + "|" + most);
    if (ratis != null && oneJvm != null) {
      System.out.printf("%nParley raft-kv (3 nodes in one JVM) / Ratis at %d clients: %.2fx%n", most, oneJvm / ratis);
    }
    if (ratis != null && cluster != null) {
      System.out.printf("%nParley raft-kv (3 JVMs, HTTP) / Ratis at %d clients: %.2fx (target: at least 2x)%n", most,
          cluster / ratis);
    }
    String p50 = medians.get("raft-kv|" + where + "|1");
    if (p50 != null) {
      System.out.printf("Parley raft-kv (3 JVMs, HTTP), one client's PUT: p50 %s (target: at most 2 ms)%n", p50);
    }
  }

  private void failover(ActorTestKit kit, List<KvKind<?>> kinds, Path dir) throws Exception {
    System.out.printf("%nLeader failover as a client sees it: the serving node crashed while one client"
        + " writes; from the crash to its first acknowledged write (%d runs)%n%n", failoverRuns);
    Figures.row("system", "setting", "median", "p99");
    Figures.row("---", "---", "---", "---");
    for (KvKind<?> kind : kinds) {
      if (kind.name().equals("raft-kv")) {
        print(KvFailover.parley(kit, kind, failoverRuns, "election timeout 300-600 ms (its default)"));
        print(KvFailover.parley(kit, raftTimedAsRatis(), failoverRuns, "election timeout "
            + RatisCluster.TIMEOUT_MIN_MS + "-" + RatisCluster.TIMEOUT_MAX_MS + " ms, as Ratis's"));
      }
    }
    if (!noRatis) {
      print(KvFailover.ratis(dir, failoverRuns));
    }
  }

  /** Parley's Raft with Ratis's election timeouts (and a heartbeat a third of the shortest). */
  private static KvKind<?> raftTimedAsRatis() {
    RaftKv.Settings settings = RaftKv.Settings.DEFAULT.withElection(new RaftElection.Settings(
        Duration.ofMillis(RatisCluster.TIMEOUT_MIN_MS / 3), Duration.ofMillis(RatisCluster.TIMEOUT_MIN_MS),
        Duration.ofMillis(RatisCluster.TIMEOUT_MAX_MS)));
    return new KvKind<>("raft-kv", "Raft, timed as Ratis", config -> settings,
        (ctx, s) -> RaftKv.create(ctx.instance(), ctx.typedPeers(), ctx.env(), s, ctx.upcalls().narrow()),
        RaftKv.Request::new, replyTo -> new RaftKv.GetStatus(replyTo.narrow()));
  }

  private void print(FailoverTimes t) {
    charts.add("kv-failover", "Leader failover: crash to the first acknowledged write",
        t.system + ", " + t.setting, t.samples());
    Figures.row(t.system, t.setting, FailoverTimes.millis(t.medianMillis()), FailoverTimes.millis(t.p99Millis()));
  }
}
