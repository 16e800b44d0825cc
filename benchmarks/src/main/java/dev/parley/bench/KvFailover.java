package dev.parley.bench;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import dev.parley.cluster.KvKind;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.replication.KvReply;
import dev.parley.protocols.replication.Put;
import dev.parley.protocols.replication.RequestId;
import dev.parley.testkit.group.LocalGroup;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;

/**
 * Leader failover seen by a client: the serving node is crashed (its memory lost; Parley's durable
 * stores keep their journal, Ratis's server is closed) while one client writes; the time runs from
 * the crash to the client's first acknowledged write after it. The crashed node is restarted and the
 * store settles before the next run.
 */
final class KvFailover {

  private static final Duration ATTEMPT = Duration.ofMillis(250);
  private static final AtomicInteger RUNS = new AtomicInteger();

  private KvFailover() {}

  /** Parley's store {@code kind} on three nodes in this JVM. */
  static FailoverTimes parley(ActorTestKit kit, KvKind<?> kind, int runs, String setting) throws Exception {
    FailoverTimes times = new FailoverTimes("Parley " + kind.name(), "3 nodes in one JVM, H2 journal, "
        + setting, 3);
    AtomicReference<CompletableFuture<KvReply>> waiting = new AtomicReference<>(new CompletableFuture<>());
    String instance = "failover-" + kind.name() + "-" + RUNS.incrementAndGet(); // a journal of its own
    try (LocalGroup<Object> group = KvGroups.start(kit, kind, instance, reply -> waiting.get().complete(reply))) {
      Writer writer = new Writer(kit.system(), group, kind, waiting);
      writer.writeUntilAcknowledged(Duration.ofSeconds(30));
      for (int run = 0; run <= runs; run++) {
        NodeId leader = writer.target;
        long start = System.nanoTime();
        group.crash(leader);
        writer.writeUntilAcknowledged(Duration.ofSeconds(30));
        if (run > 0) {
          times.add(System.nanoTime() - start);
        }
        group.restart(leader);
        for (int i = 0; i < 20; i++) {
          writer.writeUntilAcknowledged(Duration.ofSeconds(30));
        }
      }
    }
    return times;
  }

  /** One client writing one put at a time, following redirects, giving a node up after a silence. */
  private static final class Writer {
    private final ActorSystem<?> system;
    private final LocalGroup<Object> group;
    private final KvKind<?> kind;
    private final AtomicReference<CompletableFuture<KvReply>> waiting;
    private NodeId target = NodeId.n(1);
    private long seq;

    Writer(ActorSystem<?> system, LocalGroup<Object> group, KvKind<?> kind,
        AtomicReference<CompletableFuture<KvReply>> waiting) {
      this.system = system;
      this.group = group;
      this.kind = kind;
      this.waiting = waiting;
    }

    void writeUntilAcknowledged(Duration max) throws Exception {
      long deadline = System.nanoTime() + max.toNanos();
      Put put = new Put(new RequestId("failover", ++seq), "k", "v" + seq);
      while (System.nanoTime() < deadline) {
        CompletableFuture<KvReply> reply = new CompletableFuture<>();
        waiting.set(reply);
        group.tell(target, kind.command(put));
        KvReply r;
        try {
          r = reply.get(ATTEMPT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException silent) {
          target = next(target);
          continue;
        }
        if (!r.id().equals(put.id())) {
          continue; // a late answer to an earlier put
        }
        if (r instanceof KvReply.Ok || r instanceof KvReply.CasFailed) {
          return;
        }
        if (r instanceof KvReply.NotLeader n) {
          target = n.leader() != null ? n.leader() : next(target);
        }
        Thread.sleep(5); // not served: an election or a repair is under way
      }
      throw new TimeoutException("no write acknowledged within " + max + "; the nodes say " + statuses());
    }

    /** What every live node says of itself, for a failure's message. */
    private String statuses() {
      StringBuilder out = new StringBuilder();
      for (NodeId n : group.nodes()) {
        try {
          out.append(AskPattern.ask(group.node(n), (ActorRef<Object> replyTo) -> kind.statusQuery(null, replyTo),
              Duration.ofSeconds(1), system.scheduler()).toCompletableFuture().get()).append("; ");
        } catch (Exception e) {
          out.append(n).append(": no answer; ");
        }
      }
      return out.toString();
    }

    private NodeId next(NodeId node) {
      List<NodeId> nodes = group.nodes();
      return nodes.get((nodes.indexOf(node) + 1) % nodes.size());
    }
  }

  /** Ratis's counter on three servers: the leader's server closed, a client incrementing. */
  static FailoverTimes ratis(Path dataDir, int runs) throws Exception {
    FailoverTimes times = new FailoverTimes("Apache Ratis counter", "3 servers over gRPC, "
        + RatisCluster.timeouts(), 3);
    try (RatisCluster ratis = new RatisCluster(3, dataDir, RatisCounter::new);
         RaftClient client = ratis.client()) {
      ratis.awaitAgreement(-1, Duration.ofSeconds(30));
      client.io().send(Message.valueOf("INCREMENT"));
      for (int run = 0; run <= runs; run++) {
        int old = ratis.leader(0);
        long start = System.nanoTime();
        ratis.stop(old);
        client.io().send(Message.valueOf("INCREMENT"));
        if (run > 0) {
          times.add(System.nanoTime() - start);
        }
        ratis.restart(old);
        ratis.awaitAgreement(-1, Duration.ofSeconds(30));
        for (int i = 0; i < 20; i++) {
          client.io().send(Message.valueOf("INCREMENT"));
        }
      }
    } catch (ExecutionException e) {
      throw new IllegalStateException("Ratis failed: " + e.getCause(), e);
    }
    return times;
  }
}
