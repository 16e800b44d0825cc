package dev.parley.bench;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorRef;
import akka.actor.typed.javadsl.Behaviors;
import dev.parley.cluster.LogKind;
import dev.parley.persistence.Journal;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.pubsub.PartitionedLog;
import dev.parley.testkit.group.LocalGroup;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The partitioned log on three nodes of real actors in this JVM (one Raft group, fault-injecting
 * links with no faults, the H2 journal on disk): appends per second and their latency (p50/p99,
 * HdrHistogram) with 1 and 16 closed-loop producers, each appending a record of {@code --record-bytes}
 * with a random key to a topic of 4 partitions, answered once committed; then records read per
 * second by one reader going through every partition from offset 0 in batches (again and again for
 * the measured window), each batch a read through the Raft log at the leader.
 */
@Command(name = "log", mixinStandardHelpOptions = true,
    description = "Partitioned log replicated by Raft on 3 nodes (H2 journal): append and read throughput.")
final class LogBench implements Runnable {

  @Option(names = "--producers", split = ",", description = "concurrent producers (default ${DEFAULT-VALUE})")
  List<Integer> producers = List.of(1, 16);

  @Option(names = "--warmup-ms", description = "warm-up per measurement (default ${DEFAULT-VALUE})")
  long warmupMillis = 1000;

  @Option(names = "--measure-ms", description = "measured window per measurement (default ${DEFAULT-VALUE})")
  long measureMillis = 4000;

  @Option(names = "--record-bytes", description = "bytes per record (default ${DEFAULT-VALUE})")
  int recordBytes = 100;

  @Option(names = "--journal", description = "file (forced, group commit) or h2 (default ${DEFAULT-VALUE})")
  String journal = "h2";

  @Option(names = "--reads", negatable = true, description = "also measure reads (default ${DEFAULT-VALUE})")
  boolean reads = true;

  @Option(names = "--batch", description = "records per read (default ${DEFAULT-VALUE})")
  int batch = 500;

  @Mixin
  LatencyCharts charts = new LatencyCharts();

  private final Map<String, CompletableFuture<PartitionedLog.Reply>> pending = new ConcurrentHashMap<>();
  private final AtomicLong calls = new AtomicLong();
  /** The first append answered with anything but success, to say why appends failed. */
  private final AtomicReference<String> firstFailure = new AtomicReference<>();

  @Override
  public void run() {
    Path dir = Scratch.directory("log");
    ActorTestKit kit = ActorTestKit.create("bench-log", Scratch.journal(dir, journal));
    LogKind kind = new LogKind();
    AtomicReference<LocalGroup<Object>> group = new AtomicReference<>();
    List<NodeId> nodes = List.of(NodeId.n(1), NodeId.n(2), NodeId.n(3));
    try {
      Journal.prepare(kit.system());
      try (LocalGroup<Object> g = new LocalGroup.Builder(kit, nodes, 1, b -> {})
          .start((peers, env, upcalls) -> Behaviors.setup(ctx -> {
            ActorRef<Object> listener = ctx.spawn(Behaviors.receiveMessage(upcall -> {
              if (upcall instanceof PartitionedLog.Reply reply) {
                CompletableFuture<PartitionedLog.Reply> f = pending.remove(reply.call());
                if (f != null) {
                  f.complete(reply);
                }
              }
              return Behaviors.same();
            }), "clients");
            return kind.create("bench-log", peers, env, listener);
          }))) {
        group.set(g);
        System.out.printf("Partitioned log (topic of 4 partitions) replicated by Raft on 3 nodes in one JVM, %s journal;"
            + " %d-byte records, random keys; %d ms warm-up, %d ms measured%n", journalName(), recordBytes, warmupMillis,
            measureMillis);
        Figures.machine();
        NodeId leader = leader(g);
        Figures.row("operation", "clients", "per second", "p50", "p99", "failed");
        Figures.row("---", "---", "---", "---", "---", "---");
        String record = "r".repeat(recordBytes);
        List<String> failures = new java.util.ArrayList<>();
        for (int p : producers) {
          NodeId[] target = new NodeId[p];
          Arrays.fill(target, leader);
          ClosedLoop.Figures f = ClosedLoop.run(p, i -> append(g, target, i, "key-" + calls.get() % 1000, record),
              Duration.ofMillis(warmupMillis), Duration.ofMillis(measureMillis));
          Figures.row("append", String.valueOf(p), Figures.perSecond(f.perSecond()), f.p50(), f.p99(),
              String.valueOf(f.failures()));
          String why = firstFailure.getAndSet(null);
          if (f.failures() > 0 && why != null) {
            failures.add(p + " producer" + (p == 1 ? "" : "s") + ": the first failed append was answered " + why);
          }
          charts.add("log-append", "Append latency, " + recordBytes + "-byte records, Raft on 3 nodes (" + journalName()
              + " journal)",
              p + " producer" + (p == 1 ? "" : "s"), f.samples());
        }
        failures.forEach(System.out::println);
        if (reads) {
          read(g, leader);
        }
        charts.write();
      }
    } catch (Exception e) {
      throw new IllegalStateException("the log benchmark failed: " + e, e);
    } finally {
      kit.shutdownTestKit();
      Scratch.delete(dir);
    }
  }

  private String journalName() {
    return journal.equals("file") ? "file (forced)" : journal.equals("h2") ? "H2" : journal;
  }

  private CompletableFuture<PartitionedLog.Reply> call(LocalGroup<Object> g, NodeId node,
      java.util.function.Function<String, PartitionedLog.Command> command) {
    String call = "bench-" + calls.incrementAndGet();
    CompletableFuture<PartitionedLog.Reply> done = new CompletableFuture<>();
    pending.put(call, done);
    g.tell(node, command.apply(call));
    return done.orTimeout(10, TimeUnit.SECONDS);
  }

  /** Appends until one is acknowledged, following redirects: the leader. */
  private NodeId leader(LocalGroup<Object> g) throws Exception {
    NodeId at = g.nodes().get(0);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      PartitionedLog.Reply r;
      try {
        r = call(g, at, c -> new PartitionedLog.Append(c, "warmup", null, "x")).get();
      } catch (java.util.concurrent.ExecutionException timeout) {
        continue;
      }
      if (r instanceof PartitionedLog.Appended) {
        return at;
      }
      if (r instanceof PartitionedLog.NotLeader n && n.leader() != null) {
        at = n.leader();
      } else {
        Thread.sleep(100); // no leader yet: an election is under way
      }
    }
    throw new IllegalStateException("no leader elected within 30 s");
  }

  private CompletableFuture<PartitionedLog.Reply> append(LocalGroup<Object> g, NodeId[] target, int i, String key,
      String record) {
    return call(g, target[i], c -> new PartitionedLog.Append(c, "bench", key, record)).thenCompose(r -> {
      if (r instanceof PartitionedLog.NotLeader n && n.leader() != null) {
        target[i] = n.leader();
        return append(g, target, i, key, record);
      }
      if (!(r instanceof PartitionedLog.Appended)) {
        firstFailure.compareAndSet(null, String.valueOf(r));
        return CompletableFuture.failedFuture(new IllegalStateException(String.valueOf(r)));
      }
      return CompletableFuture.completedFuture(r);
    });
  }

  /** One reader through every partition of the topic from offset 0, in batches, pass after pass. */
  private void read(LocalGroup<Object> g, NodeId leader) throws Exception {
    Reader reader = new Reader(g, leader);
    long start = System.nanoTime();
    long until = start + Duration.ofMillis(measureMillis).toNanos();
    long passes = 0;
    do {
      passes++;
      for (int p = 0; p < 4; p++) {
        reader.partition(p);
      }
    } while (System.nanoTime() < until);
    double seconds = (System.nanoTime() - start) / 1e9;
    Figures.row("read (records, " + batch + " per batch)", "1", Figures.perSecond(reader.records / seconds),
        String.format("%.2f ms", reader.latency.getValueAtPercentile(50) / 1e6) + " per batch",
        String.format("%.2f ms", reader.latency.getValueAtPercentile(99) / 1e6) + " per batch",
        String.valueOf(reader.failed));
    System.out.printf("%nread %d records in %d batches (%d passes over every partition) in %.2f s%n",
        reader.records, reader.batches, passes, seconds);
  }

  /** Reads partitions whole, following the leader. */
  private final class Reader {
    final LocalGroup<Object> g;
    final org.HdrHistogram.Histogram latency = new org.HdrHistogram.Histogram(3);
    NodeId leader;
    long records;
    long batches;
    long failed;

    Reader(LocalGroup<Object> g, NodeId leader) {
      this.g = g;
      this.leader = leader;
    }

    void partition(int partition) throws Exception {
      long from = 0;
      while (true) {
        long at = from;
        long t = System.nanoTime();
        PartitionedLog.Reply r = call(g, leader, c -> new PartitionedLog.Read(c, "bench", partition, at, batch)).get();
        if (!(r instanceof PartitionedLog.Records rs)) {
          failed++; // the leader changed under load: find it again, read the batch again
          leader = leader(g);
          continue;
        }
        latency.recordValue(System.nanoTime() - t);
        batches++;
        records += rs.records().size();
        if (rs.records().isEmpty() || rs.records().get(rs.records().size() - 1).offset() + 1 >= rs.end()) {
          return;
        }
        from = rs.records().get(rs.records().size() - 1).offset() + 1;
      }
    }
  }
}
