package dev.parley.bench;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import dev.parley.cluster.KvKind;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.replication.KvReply;
import dev.parley.protocols.replication.Put;
import dev.parley.protocols.replication.RequestId;
import dev.parley.testkit.group.LocalGroup;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One replicated key-value store on three nodes of real actors in this JVM (fault-injecting links
 * with no faults; durable stores journal to H2 on disk): closed-loop clients, each putting one key
 * after another. A client starts at n1 and follows {@link KvReply.NotLeader} to the node named; an
 * {@link KvReply.Unavailable} counts as a failure and the client goes on.
 */
final class KvThroughput {

  private static final AtomicInteger RUNS = new AtomicInteger();

  private KvThroughput() {}

  /** A client's operation in flight. */
  private record Pending(Put put, CompletableFuture<KvReply> done) {}

  static ClosedLoop.Figures run(ActorTestKit kit, KvKind<?> kind, int clients, Duration warmup, Duration measure) {
    String instance = "bench-" + kind.name() + "-" + RUNS.incrementAndGet();
    Map<RequestId, Pending> pending = new ConcurrentHashMap<>();
    NodeId[] target = new NodeId[clients];
    Arrays.fill(target, NodeId.n(1));
    AtomicLong seq = new AtomicLong();
    AtomicReference<LocalGroup<Object>> group = new AtomicReference<>();
    try (LocalGroup<Object> g = KvGroups.start(kit, kind, instance,
        reply -> answer(reply, pending, group.get(), kind, target))) {
      group.set(g);
      return ClosedLoop.run(clients, i -> {
        Put put = new Put(new RequestId("c" + i, seq.incrementAndGet()), "k" + (i % 10), "v" + seq.get());
        CompletableFuture<KvReply> done = new CompletableFuture<>();
        pending.put(put.id(), new Pending(put, done));
        g.tell(target[i], kind.command(put));
        return done;
      }, warmup, measure);
    }
  }

  private static void answer(KvReply reply, Map<RequestId, Pending> pending, LocalGroup<Object> group,
      KvKind<?> kind, NodeId[] target) {
    Pending p = pending.get(reply.id());
    if (p == null) {
      return;
    }
    int client = Integer.parseInt(reply.id().client().substring(1));
    if (reply instanceof KvReply.NotLeader n) {
      List<NodeId> nodes = group.nodes();
      target[client] = n.leader() != null ? n.leader()
          : nodes.get((nodes.indexOf(target[client]) + 1) % nodes.size());
      group.tell(target[client], kind.command(p.put()));
      return;
    }
    pending.remove(reply.id());
    if (reply instanceof KvReply.Unavailable u) {
      p.done().completeExceptionally(new IllegalStateException(u.reason()));
    } else {
      p.done().complete(reply);
    }
  }
}
