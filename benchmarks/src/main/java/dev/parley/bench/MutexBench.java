package dev.parley.bench;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import dev.parley.persistence.Journal;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.testkit.mutex.SimContention;
import dev.parley.testkit.sim.Simulation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Every mutual-exclusion algorithm side by side, for groups of 3, 5 and 7 contenders in one JVM:
 * critical-section entries per second and acquisition latency (real actors over fault-injecting
 * links with no faults; the lock server journals to H2 on disk), messages per entry measured in the
 * simulation next to the catalogue's formula, and, in the same run, Apache Curator's
 * InterProcessMutex on an in-process ZooKeeper ensemble of 3 with as many contending clients.
 */
@Command(name = "mutex", mixinStandardHelpOptions = true,
    description = "Mutual exclusion: entries per second, latency and messages per entry of every algorithm,"
        + " beside Curator's InterProcessMutex on a ZooKeeper ensemble of 3.")
final class MutexBench implements Runnable {

  @Option(names = "--sizes", split = ",", description = "numbers of contenders (default ${DEFAULT-VALUE})")
  List<Integer> sizes = List.of(3, 5, 7);

  @Option(names = "--warmup-ms", description = "warm-up per measurement (default ${DEFAULT-VALUE})")
  long warmupMillis = 500;

  @Option(names = "--measure-ms", description = "measured window per measurement (default ${DEFAULT-VALUE})")
  long measureMillis = 1500;

  @Option(names = "--no-curator", description = "skip the Curator / ZooKeeper comparison")
  boolean noCurator;

  @Mixin
  LatencyCharts charts = new LatencyCharts();

  @Override
  public void run() {
    Duration warmup = Duration.ofMillis(warmupMillis);
    Duration measure = Duration.ofMillis(measureMillis);
    Path dir = Scratch.directory("mutex");
    ActorTestKit kit = ActorTestKit.create("bench-mutex", Scratch.h2Journal(dir));
    try {
      Journal.prepare(kit.system());
      System.out.printf("Mutual exclusion: every contender acquires, releases when granted, acquires again;"
          + " %d ms warm-up, %d ms measured%n", warmupMillis, measureMillis);
      Figures.machine();
      Figures.row("algorithm", "contenders", "entries per second", "acquire p50", "acquire p99",
          "messages per entry, uncontended (measured)", "formula", "messages per entry, all contending (measured)");
      Figures.row("---", "---", "---", "---", "---", "---", "---", "---");
      MutexThroughput.run(kit, MutexAlgorithm.LOCK_SERVER, sizes.get(0), warmup, measure); // JIT warm-up
      Map<Integer, Double> lockServer = new HashMap<>();
      for (MutexAlgorithm algorithm : MutexAlgorithm.values()) {
        for (int n : sizes) {
          LockFigures f = MutexThroughput.run(kit, algorithm, n, warmup, measure);
          if (algorithm == MutexAlgorithm.LOCK_SERVER) {
            lockServer.put(n, f.perSecond());
          }
          chart(n, algorithm.title(), f);
          Figures.row(algorithm.title(), String.valueOf(n), Figures.perSecond(f.perSecond()), f.p50(), f.p99(),
              String.format("%.2f", messagesPerEntry(algorithm, n, true)), algorithm.formula(n),
              String.format("%.2f", messagesPerEntry(algorithm, n, false)));
        }
      }
      if (!noCurator) {
        curator(lockServer, warmup, measure);
      }
      charts.write();
    } finally {
      kit.shutdownTestKit();
      Scratch.delete(dir);
    }
  }

  private void curator(Map<Integer, Double> lockServer, Duration warmup, Duration measure) {
    try (CuratorMutexThroughput curator = new CuratorMutexThroughput()) {
      Map<Integer, Double> zk = new HashMap<>();
      for (int n : sizes) {
        LockFigures f = curator.run(n, warmup, measure);
        zk.put(n, f.perSecond());
        chart(n, "Curator InterProcessMutex, ZooKeeper ensemble of 3", f);
        Figures.row("Curator InterProcessMutex, ZooKeeper ensemble of 3", String.valueOf(n),
            Figures.perSecond(f.perSecond()), f.p50(), f.p99(), "", "", "");
      }
      System.out.println();
      for (int n : sizes) {
        System.out.printf("lock server / Curator at %d contenders: %.1fx%n", n, lockServer.get(n) / zk.get(n));
      }
    } catch (Exception e) {
      throw new IllegalStateException("the Curator comparison failed: " + e, e);
    }
  }

  /** The acquisitions of one row, in the chart of its group size. */
  private void chart(int n, String system, LockFigures f) {
    charts.add("mutex-" + n, "Lock acquisition, " + n + " contenders: from asking to holding the lock",
        system, f.acquire());
  }

  /**
   * Messages sent per completed entry in the deterministic simulation (links that only delay, 1 ms,
   * FIFO where the model asks for it): the contenders taking turns (each acquiring a few ms after the
   * previous released, once its messages have settled), or all contending at once. For the token
   * ring taking turns: the passes from request to entry.
   */
  static double messagesPerEntry(MutexAlgorithm algorithm, int n, boolean uncontended) {
    Simulation<Object> sim = Simulation.builder(algorithm.nodes(n),
            (peers, env, upcalls) -> algorithm.create(peers, env, upcalls.narrow(), "sim"))
        .faults(FaultPlan.none().withDelay(Delay.fixed(Duration.ofMillis(1))))
        .fifoLinks(algorithm.fifo()).seed(1).build();
    List<NodeId> contenders = MutexAlgorithm.contenders(n);
    SimContention<Object> workload = SimContention.of(sim, contenders, algorithm.mutex()).rounds(20)
        .hold(Duration.ofMillis(1), Duration.ofMillis(1));
    SimContention.Result r = uncontended
        ? workload.oneAtATime().think(Duration.ofMillis(3), Duration.ofMillis(10)).run(Duration.ofMinutes(10))
        : workload.think(Duration.ZERO, Duration.ZERO).run(Duration.ofMinutes(10));
    if (algorithm == MutexAlgorithm.TOKEN_RING && uncontended) {
      return r.messagesFromRequestToGrant().stream().mapToLong(Long::longValue).average().orElse(0);
    }
    return r.messagesPerEntry();
  }
}
