package dev.parley.bench;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import ch.qos.logback.classic.Level;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.failure.HeartbeatFailureDetector;
import dev.parley.protocols.failure.Suspect;
import dev.parley.testkit.group.LocalGroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Failover time side by side: the leader's node is killed abruptly, and the clock runs until every
 * live node agrees on a new leader. Parley's four elections with N = 3, 5, 7, first in one JVM (real
 * actors and timers), then on Akka Cluster nodes (one ActorSystem per node on loopback); then, in
 * the same run, what a user would pick instead: Akka's Cluster Singleton (default and tightened
 * failure detector and split-brain resolver), Apache Curator's LeaderLatch on a ZooKeeper ensemble
 * of 3, and Apache Ratis's Raft election on 3 servers. Median and p99 of each; ratios of Parley's
 * medians to the peers'; the false-suspicion rate of the best election's timeout, measured with the
 * heartbeat detector at the same settings.
 */
@Command(name = "failover", mixinStandardHelpOptions = true,
    description = "Failover time of Parley's elections (one JVM and Akka Cluster nodes) beside Akka's Cluster "
        + "Singleton, Curator's LeaderLatch and Ratis. Takes about 30 minutes with the defaults (the default "
        + "singleton alone about 12).")
final class FailoverBench implements Runnable {

  @Option(names = "--runs", description = "failovers measured per row, after one warm-up (default ${DEFAULT-VALUE})")
  int runs = 20;

  @Option(names = "--sizes", split = ",", description = "Parley group sizes (default ${DEFAULT-VALUE})")
  List<Integer> sizes = List.of(3, 5, 7);

  @Option(names = "--no-cluster", description = "skip Parley on Akka Cluster nodes")
  boolean noCluster;

  @Option(names = "--elections", split = ",", description = "which of Parley's elections: ${COMPLETION-CANDIDATES} "
      + "(default all)")
  List<ParleyElections> elections = List.of(ParleyElections.values());

  @Option(names = "--no-one-jvm", description = "skip Parley in one JVM")
  boolean noOneJvm;

  @Option(names = "--trace", description = "on Akka Cluster nodes, record every election message and remoting "
      + "event, and print for each run over twice the median what its election waited on")
  boolean trace;

  @Option(names = "--no-peers", description = "skip the singleton, Curator and Ratis")
  boolean noPeers;

  @Option(names = "--no-default-singleton", description = "skip the singleton with Akka's default settings (the slow row)")
  boolean noDefaultSingleton;

  @Option(names = "--suspicion-seconds", description = "how long the false-suspicion rate is measured (default ${DEFAULT-VALUE})")
  int suspicionSeconds = 30;

  @Mixin
  LatencyCharts charts = new LatencyCharts();

  @Override
  public void run() {
    quietLogs();
    try {
      Path data = Files.createTempDirectory("parley-failover");
      List<FailoverTimes> parley = new ArrayList<>();
      ActorTestKit kit = ParleyFailover.testKit();
      try {
        for (ParleyElections e : noOneJvm ? List.<ParleyElections>of() : elections) {
          for (int n : sizes) {
            attempt(parley, "Parley " + e.label + ", one JVM", n, () -> ParleyFailover.inOneJvm(kit, e, n, runs));
          }
        }
      } finally {
        kit.shutdownTestKit();
      }
      if (!noCluster) {
        for (ParleyElections e : elections) {
          for (int n : sizes) {
            attempt(parley, "Parley " + e.label + ", Akka Cluster nodes", n,
                () -> ParleyFailover.onClusterNodes(e, n, runs, data, trace));
          }
        }
      }
      List<FailoverTimes> peers = new ArrayList<>();
      if (!noPeers) {
        attempt(peers, "Apache Ratis", 3, () -> RatisFailover.measure(runs, data));
        attempt(peers, "Curator LeaderLatch", 3, () -> CuratorFailover.measure(runs));
        attempt(peers, "Akka Cluster Singleton, tightened", 3, () -> SingletonFailover.measure(true, runs));
        if (!noDefaultSingleton) {
          attempt(peers, "Akka Cluster Singleton, default", 3, () -> SingletonFailover.measure(false, runs));
        }
      }
      print(parley, peers);
      chart(parley, peers);
    } catch (Exception e) {
      throw new IllegalStateException("the failover harness failed: " + e, e);
    }
  }

  /** One row's measurement; a row that fails is reported and left out, and the others go on. */
  private static void attempt(List<FailoverTimes> rows, String what, int n, Callable<FailoverTimes> measure) {
    try {
      FailoverTimes t = measure.call();
      System.err.printf("  measured %s, N=%d: median %s, p99 %s%n", t.system, t.nodes,
          FailoverTimes.millis(t.medianMillis()), FailoverTimes.millis(t.p99Millis()));
      rows.add(t);
    } catch (Exception e) {
      System.err.printf("  FAILED %s, N=%d: %s%n", what, n, e);
      System.out.printf("(%s, N=%d: not measured, %s)%n", what, n, e.getMessage());
    }
  }

  private void print(List<FailoverTimes> parley, List<FailoverTimes> peers) throws Exception {
    System.out.printf("Failover: leader killed abruptly -> every live node agrees on a new leader; median and p99 "
        + "of %d runs each (after one warm-up)%n", runs);
    Figures.machine();
    List<String> header = new ArrayList<>(List.of("system", "N", "median", "p99"));
    peers.forEach(p -> header.add("/ " + p.system));
    Figures.row(header.toArray(String[]::new));
    Figures.row(header.stream().map(h -> "---").toArray(String[]::new));
    for (FailoverTimes t : parley) {
      List<String> row = new ArrayList<>(List.of(t.system, String.valueOf(t.nodes),
          FailoverTimes.millis(t.medianMillis()), FailoverTimes.millis(t.p99Millis())));
      peers.forEach(p -> row.add(String.format("%.3f", t.medianMillis() / p.medianMillis())));
      Figures.row(row.toArray(String[]::new));
    }
    for (FailoverTimes p : peers) {
      List<String> row = new ArrayList<>(List.of(p.system, String.valueOf(p.nodes),
          FailoverTimes.millis(p.medianMillis()), FailoverTimes.millis(p.p99Millis())));
      peers.forEach(q -> row.add(""));
      Figures.row(row.toArray(String[]::new));
    }
    System.out.println();
    System.out.println("Settings:");
    for (ParleyElections e : ParleyElections.values()) {
      System.out.println("- Parley " + e.label + ": " + e.settings);
    }
    peers.forEach(p -> System.out.println("- " + p.system + ": " + p.setting));
    System.out.println("(the ratio columns are Parley's median divided by the peer's: below 1 is faster)");

    FailoverTimes best = parley.stream().min(Comparator.comparingDouble(FailoverTimes::medianMillis)).orElseThrow();
    ParleyElections bestElection = electionOf(best);
    double rate = falseSuspicionsPerPairPerMinute(bestElection, best.nodes);
    System.out.printf("%nBest: %s, N=%d, median %s. The false-suspicion rate of its settings (heartbeat %d ms, "
            + "timeout %d ms), measured with the heartbeat detector at those settings on %d nodes in this JVM for "
            + "%d s: %.2f false suspicions per monitored pair per minute.%n",
        best.system, best.nodes, FailoverTimes.millis(best.medianMillis()), bestElection.heartbeat.toMillis(),
        bestElection.timeout.toMillis(), best.nodes, suspicionSeconds, rate);
  }

  /** One chart per group size: every row measured with that many nodes, Parley's and the peers'. */
  private void chart(List<FailoverTimes> parley, List<FailoverTimes> peers) {
    List<FailoverTimes> rows = new ArrayList<>(parley);
    rows.addAll(peers);
    rows.sort(Comparator.comparingInt(t -> t.nodes));
    for (FailoverTimes t : rows) {
      charts.add("failover-" + t.nodes, "Failover, " + t.nodes + " nodes: leader killed to a new leader agreed",
          t.system, t.samples());
    }
    charts.write();
  }

  private static ParleyElections electionOf(FailoverTimes t) {
    for (ParleyElections e : ParleyElections.values()) {
      if (t.system.startsWith("Parley " + e.label + ",")) {
        return e;
      }
    }
    throw new IllegalStateException("not a Parley row: " + t.system);
  }

  /** No node crashes: every suspicion is false. */
  private double falseSuspicionsPerPairPerMinute(ParleyElections e, int n) throws Exception {
    ActorTestKit kit = ActorTestKit.create("suspicions");
    try (LocalGroup<HeartbeatFailureDetector.Command> group =
        new LocalGroup.Builder(kit, ParleyFailover.nodes(n), 1, g -> {})
            .start((peers, env, upcalls) -> HeartbeatFailureDetector.create(peers,
                new HeartbeatFailureDetector.Settings(e.heartbeat, e.timeout), upcalls.narrow()))) {
      Thread.sleep(Duration.ofSeconds(suspicionSeconds).toMillis());
      long suspicions = 0;
      for (NodeId node : group.nodes()) {
        suspicions += group.upcalls().of(node, Suspect.class).size();
      }
      return suspicions / (double) (n * (n - 1)) / (suspicionSeconds / 60.0);
    } finally {
      kit.shutdownTestKit();
    }
  }

  private static void quietLogs() {
    for (String name : List.of("org.apache.zookeeper", "org.apache.curator", "org.apache.ratis", "akka",
        "io.grpc", "org.apache.ratis.thirdparty")) {
      ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(name)).setLevel(Level.ERROR);
    }
  }
}
