package dev.parley.bench;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import dev.parley.cluster.KvKind;
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
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
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
 * disk) and on a cluster of three JVMs (clients over HTTP); messages per operation measured in the
 * simulation; and, in the same run, Apache Ratis's counter on three in-process servers with its log
 * on disk, with the same client counts. Then the leader's failover as a client sees it: crash to
 * the first acknowledged write, Parley's Raft beside Ratis.
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

  @Mixin
  LatencyCharts charts = new LatencyCharts();

  private final Map<String, Double> rates = new LinkedHashMap<>();

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
      Figures.row("store", "where", "clients", "ops per second", "p50", "p99", "failed", "messages per op");
      Figures.row("---", "---", "---", "---", "---", "---", "---", "---");
      KvThroughput.run(kit, kinds.get(0), clients.get(0), warmup, measure); // JIT warm-up
      for (KvKind<?> kind : kinds) {
        for (int c : clients) {
          row(kind.name(), "one JVM", "kv-one-jvm-", c, KvThroughput.run(kit, kind, c, warmup, measure),
              String.format("%.1f", messagesPerOperation(kind, c)));
        }
      }
      if (!noRatis) {
        ratis(dir, warmup, measure);
      }
      if (!noCluster) {
        cluster(kinds, dir, warmup, measure);
      }
      ratios();
      failover(kit, kinds, dir);
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
  private void row(String store, String where, String chart, int c, ClosedLoop.Figures f, String messages) {
    rates.put(store + "|" + where + "|" + c, f.perSecond());
    charts.add(chart + c, "Put latency, " + c + " closed-loop client" + (c == 1 ? "" : "s") + ", "
        + (chart.contains("one-jvm") ? "3 nodes in one JVM" : "3 JVMs over HTTP"), store + ", " + where, f.samples());
    Figures.row(store, where, String.valueOf(c), Figures.perSecond(f.perSecond()), f.p50(), f.p99(),
        String.valueOf(f.failures()), messages);
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
      for (int c : clients) {
        List<RaftClient> raftClients = new ArrayList<>();
        for (int i = 0; i < c; i++) {
          raftClients.add(ratis.client());
        }
        try {
          ClosedLoop.Figures f = ClosedLoop.run(c, i -> raftClients.get(i).async()
              .send(Message.valueOf("INCREMENT")).thenApply(reply -> {
                if (!reply.isSuccess()) {
                  throw new CompletionException(reply.getException());
                }
                return reply;
              }), warmup, measure);
          row("Apache Ratis counter", "one JVM, gRPC", "kv-one-jvm-", c, f, "");
        } finally {
          for (RaftClient rc : raftClients) {
            rc.close();
          }
        }
      }
    }
  }

  private void cluster(List<KvKind<?>> kinds, Path dir, Duration warmup, Duration measure) {
    List<String> protocols = kinds.stream().map(k -> k.name() + "=" + k.name()).toList();
    try (NodeProcesses cluster = new NodeProcesses(3, Files.createDirectories(dir.resolve("cluster")), protocols)) {
      cluster.startAll().awaitUp(3, Duration.ofSeconds(120));
      HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();
      for (KvKind<?> kind : kinds) {
        for (int c : clients) {
          String[] base = new String[c];
          AtomicLong seq = new AtomicLong();
          ClosedLoop.Figures f = ClosedLoop.run(c, i -> {
            String at = base[i] == null ? "http://" + cluster.http(NodeId.n(1)) : base[i];
            long n = seq.incrementAndGet();
            HttpRequest put = HttpRequest.newBuilder(URI.create(at + "/kv/" + kind.name() + "/k" + (i % 10)
                    + "?client=bench-" + kind.name() + "-" + c + "-" + i + "&seq=" + n))
                .PUT(HttpRequest.BodyPublishers.ofString("v" + n)).build();
            CompletionStage<HttpResponse<String>> answer = http.sendAsync(put, HttpResponse.BodyHandlers.ofString());
            return answer.thenApply(r -> {
              base[i] = r.uri().getScheme() + "://" + r.uri().getAuthority();
              if (r.statusCode() != 200) {
                throw new CompletionException(new IllegalStateException(r.statusCode() + " " + r.body()));
              }
              return r;
            });
          }, warmup, measure);
          row(kind.name(), "3 JVMs, HTTP", "kv-3-jvms-", c, f, "");
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void ratios() {
    int most = clients.get(clients.size() - 1);
    Double raft = rates.get("raft-kv|one JVM|" + most);
    Double ratis = rates.get("Apache Ratis counter|one JVM, gRPC|" + most);
    if (raft != null && ratis != null) {
      System.out.printf("%nParley raft-kv / Ratis at %d clients, one JVM: %.1fx%n", most, raft / ratis);
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
