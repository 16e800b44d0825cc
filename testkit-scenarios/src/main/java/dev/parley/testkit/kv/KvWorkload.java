package dev.parley.testkit.kv;

import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.history.History;
import dev.parley.protocols.history.HistoryRecorder;
import dev.parley.protocols.replication.Cas;
import dev.parley.protocols.replication.Get;
import dev.parley.protocols.replication.KvReply;
import dev.parley.protocols.replication.KvRequest;
import dev.parley.protocols.replication.Put;
import dev.parley.protocols.replication.RequestId;
import dev.parley.testkit.sim.Simulation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Clients of a replicated key-value store in the deterministic simulation, Jepsen style: each client
 * runs one operation at a time (put, get or cas on a few keys), recorded as invoke and ok / fail /
 * info in a {@link History} at virtual times, ready for the {@code LinearizabilityChecker}.
 *
 * <pre>{@code
 * KvWorkload.Result r = KvWorkload.of(sim, request -> request).clients(5).keys(3)
 *     .operations(20).run(Duration.ofSeconds(60));
 * LinearizabilityChecker.forRegisters().check(r.history()).requireValid();
 * }</pre>
 *
 * <p>Client i starts at node i (mod N) and stays there ({@link #roaming()}: each operation goes to a
 * node drawn at random). A {@link KvReply.NotLeader} sends the same request (same id,
 * so a store applies it once) to the leader it names, or the next node; a node that is down, an
 * {@link KvReply.Unavailable} or silence past the timeout ends the operation as info (it may or may
 * not have taken effect) and the client goes on; a {@link KvReply.Rejected} (refused by the client
 * sessions, without effect) ends it as fail. Choices come from a random seeded by the run's
 * seed, so a seed replays exactly.
 *
 * @param <C> the protocol's message type (its {@code Command}, which the requests implement)
 */
public final class KvWorkload<C> {

  /** What a run produced: the history and the messages sent meanwhile. */
  public record Result(History history, long messagesSent, Map<String, Long> sentByType) {

    /** Operations completed ok. */
    public long ok() {
      return history.operations().stream().filter(o -> o.isOk()).count();
    }

    /** Messages sent per completed operation. */
    public double messagesPerOperation() {
      long ok = ok();
      return ok == 0 ? 0 : (double) messagesSent / ok;
    }
  }

  private final Simulation<C> sim;
  private final Function<KvRequest, C> downcall;
  private int clients = 3;
  private int keys = 2;
  private int operations = 10;
  private double puts = 0.4;
  private double cas = 0.2;
  private Duration thinkMax = Duration.ofMillis(20);
  private Duration timeout = Duration.ofSeconds(2);
  private Duration retryPause = Duration.ofMillis(20);
  private boolean roaming;

  private KvWorkload(Simulation<C> sim, Function<KvRequest, C> downcall) {
    this.sim = Objects.requireNonNull(sim, "sim");
    this.downcall = Objects.requireNonNull(downcall, "downcall");
  }

  /** Clients of the store simulated by {@code sim}; {@code downcall} turns a request into a message. */
  public static <C> KvWorkload<C> of(Simulation<C> sim, Function<KvRequest, C> downcall) {
    return new KvWorkload<>(sim, downcall);
  }

  public KvWorkload<C> clients(int n) {
    this.clients = requirePositive("clients", n);
    return this;
  }

  public KvWorkload<C> keys(int n) {
    this.keys = requirePositive("keys", n);
    return this;
  }

  /** Operations per client. */
  public KvWorkload<C> operations(int n) {
    this.operations = requirePositive("operations", n);
    return this;
  }

  /** The share of puts and of cas; the rest are gets. */
  public KvWorkload<C> mix(double putShare, double casShare) {
    if (putShare < 0 || casShare < 0 || putShare + casShare > 1) {
      throw new IllegalArgumentException("shares of put and cas must be >= 0 and sum to at most 1");
    }
    this.puts = putShare;
    this.cas = casShare;
    return this;
  }

  /** How long a client waits between operations, uniformly up to {@code max}. */
  public KvWorkload<C> think(Duration max) {
    this.thinkMax = Objects.requireNonNull(max, "max");
    return this;
  }

  /** How long a client waits for an answer before it records the operation as info. */
  public KvWorkload<C> timeout(Duration d) {
    this.timeout = Objects.requireNonNull(d, "timeout");
    return this;
  }

  /**
   * Each operation starts at a node drawn at random, as behind a load balancer without sticky
   * sessions: what a client sees of its own writes and earlier reads is then the store's doing, not
   * its staying with one replica (the session guarantees' setting).
   */
  public KvWorkload<C> roaming() {
    this.roaming = true;
    return this;
  }

  private static int requirePositive(String what, int n) {
    if (n < 1) {
      throw new IllegalArgumentException(what + " must be at least 1, got " + n);
    }
    return n;
  }

  /** Runs until every client is done, the events run out, or virtual time reaches {@code deadline}. */
  public Result run(Duration deadline) {
    return new Run().run(deadline.toNanos());
  }

  /** One client's operation in flight. */
  private static final class Pending {
    final HistoryRecorder.Handle handle;
    final KvRequest request;
    NodeId at;
    long deadline;

    Pending(HistoryRecorder.Handle handle, KvRequest request, NodeId at, long deadline) {
      this.handle = handle;
      this.request = request;
      this.at = at;
      this.deadline = deadline;
    }
  }

  private final class Run {
    private final Random random = new Random(NodeEnv.mix(sim.seed(), "kv-workload"));
    private final HistoryRecorder history = new HistoryRecorder(() -> sim.elapsed().toNanos());
    private final Map<String, Pending> pending = new HashMap<>();
    private final Map<String, Long> nextAt = new TreeMap<>();
    private final Map<String, Integer> done = new HashMap<>();
    private final Map<String, NodeId> home = new HashMap<>();
    private final Map<NodeId, Integer> seen = new HashMap<>();
    private long seq;

    Result run(long deadline) {
      long sentBefore = sim.stats().sent();
      Map<String, Long> typesBefore = sim.stats().sentByType();
      List<NodeId> nodes = sim.nodes();
      nodes.forEach(n -> seen.put(n, sim.upcalls(n).size()));
      for (int i = 0; i < clients; i++) {
        String client = "c" + (i + 1);
        home.put(client, nodes.get(i % nodes.size()));
        done.put(client, 0);
        nextAt.put(client, sim.elapsed().toNanos() + draw(thinkMax));
      }
      while (!finished() && sim.elapsed().toNanos() < deadline) {
        startDue();
        if (!sim.step()) {
          if (pending.isEmpty() && nextAt.isEmpty()) {
            break;
          }
          sim.runFor(Duration.ofMillis(1)); // nothing in flight: let time reach the next client
        }
        observe();
        expire();
      }
      pending.values().forEach(p -> history.info(p.handle, "run ended"));
      Map<String, Long> sentByType = new TreeMap<>();
      sim.stats().sentByType().forEach((type, n) -> {
        long d = n - typesBefore.getOrDefault(type, 0L);
        if (d > 0) {
          sentByType.put(type, d);
        }
      });
      return new Result(history.history(), sim.stats().sent() - sentBefore, sentByType);
    }

    private boolean finished() {
      return pending.isEmpty() && nextAt.isEmpty();
    }

    private void startDue() {
      long now = sim.elapsed().toNanos();
      for (var it = nextAt.entrySet().iterator(); it.hasNext(); ) {
        var e = it.next();
        if (e.getValue() <= now) {
          String client = e.getKey(); // read first: a TreeMap entry removed may take its successor's key
          it.remove();
          start(client);
        }
      }
    }

    private void start(String client) {
      String key = "k" + (1 + random.nextInt(keys));
      RequestId id = new RequestId(client, ++seq);
      double r = random.nextDouble();
      KvRequest request;
      HistoryRecorder.Handle h;
      if (r < puts) {
        String value = client + "-" + seq;
        request = new Put(id, key, value);
        h = history.invoke(client, "put", key, value);
      } else if (r < puts + cas) {
        String expected = random.nextBoolean() ? null : "c" + (1 + random.nextInt(clients)) + "-" + random.nextInt((int) seq + 1);
        String value = client + "-" + seq;
        request = new Cas(id, key, expected, value);
        List<Object> pair = new ArrayList<>();
        pair.add(expected);
        pair.add(value);
        h = history.invoke(client, "cas", key, pair);
      } else {
        request = new Get(id, key);
        h = history.invoke(client, "get", key, null);
      }
      NodeId at = roaming ? sim.nodes().get(random.nextInt(sim.nodes().size())) : home.get(client);
      Pending p = new Pending(h, request, at, sim.elapsed().toNanos() + timeout.toNanos());
      pending.put(client, p);
      send(p, sim.elapsed());
    }

    private void send(Pending p, Duration at) {
      sim.tell(at, p.at, downcall.apply(p.request));
    }

    private void observe() {
      for (NodeId node : sim.nodes()) {
        List<Object> upcalls = sim.upcalls(node);
        for (int i = seen.get(node); i < upcalls.size(); i++) {
          if (upcalls.get(i) instanceof KvReply reply) {
            answer(reply);
          }
        }
        seen.put(node, upcalls.size());
      }
    }

    private void answer(KvReply reply) {
      String client = reply.id().client();
      Pending p = pending.get(client);
      if (p == null || !p.request.id().equals(reply.id())) {
        return; // an answer to a retry already settled, or to an operation given up on
      }
      if (reply instanceof KvReply.NotLeader n) {
        p.at = n.leader() != null && sim.nodes().contains(n.leader()) ? n.leader() : next(p.at);
        home.put(client, p.at);
        send(p, sim.elapsed().plus(retryPause));
        return;
      }
      pending.remove(client);
      if (reply instanceof KvReply.Ok ok) {
        if (p.request instanceof Get) {
          history.ok(p.handle, ok.value());
        } else {
          history.ok(p.handle);
        }
      } else if (reply instanceof KvReply.CasFailed) {
        history.fail(p.handle, "cas failed");
      } else if (reply instanceof KvReply.Rejected rejected) {
        history.fail(p.handle, rejected.reason());
      } else {
        history.info(p.handle, ((KvReply.Unavailable) reply).reason());
        home.put(client, next(p.at));
      }
      settle(client);
    }

    private void expire() {
      long now = sim.elapsed().toNanos();
      for (var it = pending.entrySet().iterator(); it.hasNext(); ) {
        var e = it.next();
        if (e.getValue().deadline <= now) {
          String client = e.getKey();
          Pending p = e.getValue();
          it.remove();
          history.info(p.handle, "no answer within " + timeout.toMillis() + " ms");
          home.put(client, next(p.at));
          settle(client);
        }
      }
    }

    private void settle(String client) {
      int n = done.merge(client, 1, Integer::sum);
      if (n < operations) {
        nextAt.put(client, sim.elapsed().toNanos() + draw(thinkMax));
      }
    }

    private NodeId next(NodeId node) {
      List<NodeId> nodes = sim.nodes();
      return nodes.get((nodes.indexOf(node) + 1) % nodes.size());
    }

    private long draw(Duration max) {
      return (long) (random.nextDouble() * max.toNanos());
    }
  }
}
