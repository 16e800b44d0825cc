package dev.parley.protocols.naming;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A DNS-style iterative resolver with a cache that honours TTLs, over a tree of {@link NameServer}
 * zone servers.
 *
 * <p>Model: the zone servers form a tree from the root ({@code ""}: {@code "c"} delegated by the
 * root, {@code "b.c"} by the server of {@code "c"}, ...). Links may lose, delay and duplicate; the
 * resolver retries a query that is not answered in time. Each node's clock is its {@link NodeEnv}
 * clock; clocks need not agree, since a TTL is a duration counted by the resolver from the answer's
 * arrival.
 *
 * <p>Algorithm. To resolve {@code "a.b.c"} the resolver first looks in its cache: an unexpired
 * binding is answered at once, without a message. Otherwise it starts at the server of the longest
 * zone containing the name whose referral it has cached (else at the root) and asks iteratively:
 * each {@link NameServer.Referral} names the next server down and is cached for its TTL, until a
 * server answers the binding ({@link NameServer.Answer}, cached for its TTL) or says it does not exist
 * ({@link NameServer.NxDomain}; not cached). A query unanswered within {@code timeout} is sent again,
 * up to {@code attempts} times, then the resolution fails.
 *
 * <p>Guarantees: an answer was the binding at its authority at some moment no longer ago than its TTL
 * (plus the query's delay): within the TTL a cached answer may be stale, the price of answering
 * without messages; after it the resolver asks again and sees the change. Cost: a cache miss costs one
 * query and one reply per level of the hierarchy below the deepest cached referral (the depth of the
 * name, 3 for {@code "a.b.c"} from a cold cache); a hit costs nothing.
 */
public final class HierarchicalResolver extends AbstractBehavior<HierarchicalResolver.Command> {

  /** Downcalls, server replies, timeouts and the status query. */
  public sealed interface Command extends WireMessage
      permits Resolve, GetStatus, NameServer.Reply, Timeout {}

  /** Downcall: resolve {@code name}, answered by an {@link Upcall} carrying {@code requestId}. */
  public record Resolve(long requestId, String name) implements Command {}

  /** Asks for this resolver's {@link Status}. */
  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  /** Query {@code query} was not answered in time. */
  record Timeout(long query) implements Command {}

  /** Upcalls. */
  public sealed interface Upcall extends WireMessage permits Resolved, NotFound, ResolveFailed {
    long requestId();
  }

  /**
   * {@code name} is bound to {@code value}; {@code queries} were sent to resolve it (0: from the cache).
   */
  public record Resolved(NodeId node, long requestId, String name, String value, int queries, boolean cached)
      implements Upcall {}

  /** {@code name} does not exist (NXDOMAIN from the authority of {@code zone}). */
  public record NotFound(NodeId node, long requestId, String name, String zone, int queries) implements Upcall {}

  /** No server answered. */
  public record ResolveFailed(NodeId node, long requestId, String name, String reason) implements Upcall {}

  /** Cache entries with the instant they expire, and the counts so far. */
  public record Status(NodeId node, Map<String, Instant> answersUntil, Map<String, Instant> referralsUntil,
      long queriesSent, long cacheHits) implements WireMessage {
    public Status {
      answersUntil = Map.copyOf(answersUntil);
      referralsUntil = Map.copyOf(referralsUntil);
    }
  }

  /**
   * @param root the root server
   * @param timeout how long to wait for a server's reply before asking again
   * @param attempts how many times a query is sent before the resolution fails
   */
  public record Settings(NodeId root, Duration timeout, int attempts) {
    public Settings {
      Objects.requireNonNull(root, "root");
      if (timeout == null || timeout.isZero() || timeout.isNegative()) {
        throw new IllegalArgumentException("the query timeout must be positive, got " + timeout);
      }
      if (attempts < 1) {
        throw new IllegalArgumentException("a query needs at least one attempt, got " + attempts);
      }
    }

    /** Root {@code root}, 200 ms per query, 5 attempts. */
    public static Settings of(NodeId root) {
      return new Settings(root, Duration.ofMillis(200), 5);
    }
  }

  /** The resolver on node {@code peers.self()}; it asks servers through {@code peers}. */
  public static Behavior<Command> create(Settings settings, Peers<NameServer.Command> peers, NodeEnv env,
      ActorRef<Upcall> listener) {
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(listener, "listener");
    return Behaviors.setup(ctx -> Behaviors.withTimers(
        timers -> new HierarchicalResolver(ctx, settings, peers, env, listener, timers)));
  }

  private record Cached<T>(T value, Instant until) {}

  private static final class Pending {
    final long requestId;
    final String name;
    NodeId server;
    int queries;
    int attempts;

    Pending(long requestId, String name, NodeId server) {
      this.requestId = requestId;
      this.name = name;
      this.server = server;
    }
  }

  private final Settings settings;
  private final Peers<NameServer.Command> peers;
  private final NodeEnv env;
  private final ActorRef<Upcall> listener;
  private final TimerScheduler<Command> timers;
  private final Map<String, Cached<String>> answers = new HashMap<>();
  private final Map<String, Cached<NodeId>> referrals = new HashMap<>();
  private final Map<Long, Pending> pending = new HashMap<>();
  private long nextQuery;
  private long queriesSent;
  private long cacheHits;

  private HierarchicalResolver(ActorContext<Command> context, Settings settings, Peers<NameServer.Command> peers,
      NodeEnv env, ActorRef<Upcall> listener, TimerScheduler<Command> timers) {
    super(context);
    this.settings = settings;
    this.peers = peers;
    this.env = env;
    this.listener = listener;
    this.timers = timers;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Resolve.class, this::onResolve)
        .onMessage(NameServer.Answer.class, this::onAnswer)
        .onMessage(NameServer.Referral.class, this::onReferral)
        .onMessage(NameServer.NxDomain.class, this::onNxDomain)
        .onMessage(Timeout.class, this::onTimeout)
        .onMessage(GetStatus.class, this::onGetStatus)
        .build();
  }

  private Behavior<Command> onResolve(Resolve r) {
    Instant now = env.now();
    Cached<String> hit = answers.get(r.name());
    if (hit != null && now.isBefore(hit.until())) {
      cacheHits++;
      listener.tell(new Resolved(peers.self(), r.requestId(), r.name(), hit.value(), 0, true));
      return this;
    }
    NodeId start = settings.root();
    int deepest = -1;
    for (Map.Entry<String, Cached<NodeId>> e : referrals.entrySet()) {
      if (NameServer.inZone(r.name(), e.getKey()) && now.isBefore(e.getValue().until())
          && e.getKey().length() > deepest) {
        start = e.getValue().value();
        deepest = e.getKey().length();
      }
    }
    long q = nextQuery++;
    Pending p = new Pending(r.requestId(), r.name(), start);
    pending.put(q, p);
    ask(q, p);
    return this;
  }

  private void ask(long q, Pending p) {
    p.queries++;
    p.attempts++;
    queriesSent++;
    peers.tell(p.server, new NameServer.Query(peers.self(), q, p.name));
    timers.startSingleTimer(new Timeout(q), new Timeout(q), settings.timeout());
  }

  /** The pending resolution {@code reply} answers, or null for a late or repeated reply. */
  private Pending settle(NameServer.Reply reply) {
    Pending p = pending.remove(reply.query());
    if (p != null) {
      timers.cancel(new Timeout(reply.query()));
    }
    return p;
  }

  private Behavior<Command> onAnswer(NameServer.Answer a) {
    Pending p = settle(a);
    if (p != null) {
      answers.put(a.name(), new Cached<>(a.value(), env.now().plus(a.ttl())));
      listener.tell(new Resolved(peers.self(), p.requestId, p.name, a.value(), p.queries, false));
    }
    return this;
  }

  private Behavior<Command> onReferral(NameServer.Referral r) {
    Pending p = settle(r);
    if (p != null) {
      referrals.put(r.zone(), new Cached<>(r.server(), env.now().plus(r.ttl())));
      long q = nextQuery++;
      p.server = r.server();
      p.attempts = 0;
      pending.put(q, p);
      ask(q, p);
    }
    return this;
  }

  private Behavior<Command> onNxDomain(NameServer.NxDomain n) {
    Pending p = settle(n);
    if (p != null) {
      listener.tell(new NotFound(peers.self(), p.requestId, p.name, n.zone(), p.queries));
    }
    return this;
  }

  private Behavior<Command> onTimeout(Timeout t) {
    Pending p = pending.get(t.query());
    if (p == null) {
      return this;
    }
    if (p.attempts >= settings.attempts()) {
      pending.remove(t.query());
      listener.tell(new ResolveFailed(peers.self(), p.requestId, p.name,
          "server " + p.server + " did not answer " + p.attempts + " queries"));
      return this;
    }
    ask(t.query(), p);
    return this;
  }

  private Behavior<Command> onGetStatus(GetStatus g) {
    Map<String, Instant> a = new HashMap<>();
    answers.forEach((k, v) -> a.put(k, v.until()));
    Map<String, Instant> r = new HashMap<>();
    referrals.forEach((k, v) -> r.put(k, v.until()));
    g.replyTo().tell(new Status(peers.self(), a, r, queriesSent, cacheHits));
    return this;
  }
}
