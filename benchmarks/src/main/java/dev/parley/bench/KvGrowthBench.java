package dev.parley.bench;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import dev.parley.cluster.KvKind;
import dev.parley.cluster.ProtocolKinds;
import dev.parley.persistence.Journal;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.replication.KvReply;
import dev.parley.protocols.replication.Put;
import dev.parley.protocols.replication.RequestId;
import dev.parley.testkit.group.LocalGroup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Does the Raft key-value store stay fast and small under many anonymous writes, and how long does a
 * full restart leave it unserved? Three nodes of real actors in this JVM, journals on disk (the
 * file journal, or H2 with {@code --journal h2}; the store's default settings: snapshots every 10,000
 * entries): closed-loop clients put anonymous
 * requests (one of their own each, as the HTTP edge makes for a request naming no client) on
 * {@code --keys} keys; every {@code --every} writes it prints the throughput of those writes, the
 * heap used after a GC and the journals' size on disk.
 * Then all three nodes crash and restart from their journals, and it prints the time from the
 * restart until the store acknowledges a write again.
 *
 * <p>Model: anonymous writes leave no client session, and a write costs O(log n) in the store's
 * persistent map, so throughput and heap should stay flat as writes accumulate, and recovery costs
 * one snapshot plus at most {@code snapshot-interval} entries per node.
 */
@Command(name = "kv-growth", mixinStandardHelpOptions = true,
    description = "Raft key-value store under many anonymous writes: throughput, heap after GC and journal size"
        + " per block of writes, then the time a full restart leaves it unserved.")
final class KvGrowthBench implements Runnable {

  @Option(names = "--writes", description = "anonymous writes in all (default ${DEFAULT-VALUE})")
  int writes = 100_000;

  @Option(names = "--every", description = "writes per printed row (default ${DEFAULT-VALUE})")
  int every = 10_000;

  @Option(names = "--clients", description = "closed-loop clients (default ${DEFAULT-VALUE})")
  int clients = 16;

  @Option(names = "--keys", description = "distinct keys written (default ${DEFAULT-VALUE})")
  int keys = 20_000;

  @Option(names = "--journal", description = "file or h2, as parley.persistence.backend (default ${DEFAULT-VALUE})")
  String journal = "file";

  private static final Duration ANSWER_WAIT = Duration.ofSeconds(10);

  private final Map<RequestId, Pending> pending = new ConcurrentHashMap<>();
  private final AtomicReference<NodeId> leader = new AtomicReference<>(NodeId.n(1));
  private final AtomicLong next = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private LocalGroup<Object> group;
  private KvKind<?> kind;

  /** A write in flight and where its answer goes. */
  private record Pending(Put put, CompletableFuture<KvReply> done) {}

  @Override
  public void run() {
    if (writes < 1 || every < 1 || clients < 1 || keys < 1) {
      throw new IllegalArgumentException("--writes, --every, --clients and --keys must be at least 1");
    }
    if (!journal.equals("file") && !journal.equals("h2")) {
      throw new IllegalArgumentException("--journal is file or h2, got '" + journal + "'");
    }
    kind = (KvKind<?>) ProtocolKinds.load().all().get("raft-kv");
    Path dir = Scratch.directory("kv-growth");
    ActorTestKit kit = ActorTestKit.create("bench-kv-growth", Scratch.journal(dir, journal));
    try {
      Journal.prepare(kit.system());
      System.out.printf("Raft key-value store on 3 nodes in one JVM, %s journals on disk: %,d anonymous writes by %d"
          + " closed-loop clients on %,d keys%n", journal.equals("file") ? "file (forced)" : "H2", writes, clients, keys);
      Figures.machine();
      Figures.row("writes", "writes per second (this block)", "heap used after GC", "journal on disk", "failed");
      Figures.row("---", "---", "---", "---", "---");
      group = KvGroups.start(kit, kind, "growth", this::answer);
      long done = 0;
      while (done < writes) {
        int block = (int) Math.min(every, writes - done);
        long started = System.nanoTime();
        writeBlock(block);
        double seconds = (System.nanoTime() - started) / 1e9;
        done += block;
        Figures.row(String.format("%,d", done), String.format("%,.0f", block / seconds), mib(heapAfterGc()),
            mib(size(dir)), String.valueOf(failed.get()));
      }
      restartAll(dir);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } finally {
      if (group != null) {
        group.close();
      }
      kit.shutdownTestKit();
      Scratch.delete(dir);
    }
  }

  /** {@code count} writes by the closed-loop clients; returns once all are answered. */
  private void writeBlock(int count) throws InterruptedException {
    AtomicLong left = new AtomicLong(count);
    CompletableFuture<Void> all = new CompletableFuture<>();
    for (int c = 0; c < Math.min(clients, count); c++) {
      loop(left, all);
    }
    try {
      all.get(30, TimeUnit.MINUTES);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("the writes did not finish: " + e, e);
    }
  }

  /** One client: a write, then the next once it is answered, while {@code left} lasts. */
  private void loop(AtomicLong left, CompletableFuture<Void> all) {
    if (left.getAndDecrement() <= 0) {
      return;
    }
    write().whenComplete((reply, error) -> {
      if (error != null || !(reply instanceof KvReply.Ok)) {
        failed.incrementAndGet();
      }
      if (left.get() <= 0 && pending.isEmpty()) {
        all.complete(null);
      }
      loop(left, all);
    });
  }

  /** One anonymous put, given to the node thought to lead; its answer (or a timeout). */
  private CompletableFuture<KvReply> write() {
    long n = next.incrementAndGet();
    Put put = new Put(new RequestId(RequestId.ANONYMOUS_PREFIX + "growth-" + n, 1), "k" + (n % keys), "v" + n);
    CompletableFuture<KvReply> done = new CompletableFuture<>();
    pending.put(put.id(), new Pending(put, done));
    group.tell(leader.get(), kind.command(put));
    return done.orTimeout(ANSWER_WAIT.toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete((r, e) -> pending.remove(put.id()));
  }

  /** A reply: a NotLeader sends the same request (it had no effect) to the leader named, or the next node. */
  private void answer(KvReply reply) {
    Pending p = pending.get(reply.id());
    if (p == null) {
      return;
    }
    if (reply instanceof KvReply.NotLeader n) {
      List<NodeId> nodes = group.nodes();
      NodeId to = n.leader() != null ? n.leader() : nodes.get((nodes.indexOf(leader.get()) + 1) % nodes.size());
      leader.set(to);
      group.tell(to, kind.command(p.put()));
      return;
    }
    pending.remove(reply.id());
    p.done().complete(reply);
  }

  /** Crashes every node, restarts them all from their journals, and prints how long until a write is acknowledged. */
  private void restartAll(Path dir) throws InterruptedException {
    for (NodeId n : group.nodes()) {
      group.crash(n);
    }
    Thread.sleep(1000); // the crashed instances stop before the restarts
    long restarted = System.nanoTime();
    for (NodeId n : group.nodes()) {
      group.restart(n);
    }
    int attempts = 0;
    while (true) {
      attempts++;
      KvReply reply;
      try {
        reply = write().get();
      } catch (ExecutionException e) {
        reply = null;
      }
      if (reply instanceof KvReply.Ok) {
        break;
      }
      if ((System.nanoTime() - restarted) / 1e9 > 600) {
        System.out.println("\nAfter restarting all three nodes: no write acknowledged within 10 minutes");
        return;
      }
      List<NodeId> nodes = group.nodes();
      leader.set(nodes.get((nodes.indexOf(leader.get()) + 1) % nodes.size()));
      Thread.sleep(50);
    }
    double seconds = (System.nanoTime() - restarted) / 1e9;
    System.out.printf("%nAfter restarting all three nodes from their journals (%s on disk): the first write"
        + " acknowledged %.1f s after the restart (%d attempts)%n", mib(size(dir)), seconds, attempts);
  }

  private static long heapAfterGc() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static long size(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot measure the journal in " + dir, e);
    }
  }

  private static String mib(long bytes) {
    return String.format("%.1f MiB", bytes / (1024.0 * 1024.0));
  }
}
