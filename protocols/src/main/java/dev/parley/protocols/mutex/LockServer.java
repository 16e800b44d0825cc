package dev.parley.protocols.mutex;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.RecoveryCompleted;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.Effect;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import akka.persistence.typed.javadsl.RetentionCriteria;
import akka.persistence.typed.javadsl.SignalHandler;
import com.fasterxml.jackson.annotation.JsonCreator;
import dev.parley.protocols.core.Durable;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;
import dev.parley.protocols.core.WriteAhead;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.pcollections.TreePMap;
import org.slf4j.Logger;

/**
 * Centralised lock server with a persistent log, leases and fencing tokens (the notes' "centralized"
 * mutual exclusion, with the notes' fixes for its three problems).
 *
 * <p>Model: one server that may crash and recover (crash-recovery: its journal survives); clients
 * that may crash; links that may lose, delay, duplicate and reorder (clients retry, see {@link
 * LockClient}); clocks synchronised within a known skew, which leases need.
 *
 * <p>Algorithm: a client's {@link LockRequest} joins a FIFO queue; the head of the queue holds the
 * lock and is sent a {@link LockClient.LockGrant} with a fencing token (one more than the last) and
 * the end of its lease; its {@link LockRelease}, or the end of its lease, hands the lock to the next
 * in line. Every change is persisted before the server acts on it (write-ahead), so a server crash
 * forgets neither the holder nor the queue; a restarted server gives the recovered holder a fresh
 * lease (never a shorter one than it was granted). Writes are grouped (group commit): a request that
 * arrives while the lock is held is written within {@link Settings#commitWindow}, or sooner with the
 * next release, whose write then carries the release, the next grant and every request that arrived
 * meanwhile at once ({@link WriteAhead}). Until written, a request is not reported queued and nothing
 * depends on it; if the server crashes in that window, the client's retry brings it again (nothing
 * acknowledged is lost). Leases free the lock of a crashed holder. Tokens strictly increase across crashes, so a resource that remembers the highest token it has seen
 * ({@link GuardedResource}) refuses a holder that was cut off by a partition and kept going after
 * its lease ended. Retries are idempotent: request ids only grow per client, a copy of a request
 * already queued is ignored, the holder's retry is answered with its grant again, and a retry of the
 * client's latest request once it is over is answered {@link LockClient.Served} (its grant was lost
 * and its lease ran out: the client asks again).
 *
 * <p>Guarantees: never two holders (with clocks within the clients' skew allowance), also across a
 * server crash; every request granted once the holders release or their leases end and the links
 * deliver (liveness); grants in the order requests were queued (FIFO); fencing tokens strictly
 * increase. Cost: 3 messages per critical-section entry without contention (request, grant,
 * release); journal writes: two per entry without contention (the request that takes the free lock,
 * the release), one per entry under contention (release, next grant and the requests that came
 * meanwhile, as one atomic write of a {@link Handover} and its {@link Enqueued} events); snapshots
 * every 1,000 events with older events deleted.
 *
 * <p>Here: the vocabulary, the durable {@link State} and the journal plumbing; how each request,
 * release and lease end changes the state, and the grants and leases that follow a write, are in
 * {@link LockRequests}.
 */
public class LockServer
    extends EventSourcedBehavior<LockServer.Command, LockServer.Event, LockServer.State> {

  /** Client requests, the lease timer and the status query. */
  public sealed interface Command extends WireMessage
      permits LockRequest, LockRelease, LeaseEnded, Commit, GetStatus {}

  /** {@code client} asks for the lock; retries carry the same {@code requestId}. */
  public record LockRequest(NodeId client, long requestId) implements Command {}

  /**
   * {@code client} gives back the lock it was granted for {@code requestId}, or withdraws that
   * request while it is still queued.
   */
  public record LockRelease(NodeId client, long requestId, long token) implements Command {}

  /** The lease of the holder with {@code token} has run out (a timer). */
  public record LeaseEnded(long token) implements Command {}

  /** The commit window is over: write the requests that arrived meanwhile (a timer). */
  public record Commit() implements Command {}

  /** Asks for the server's {@link Status}. */
  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  /**
   * What the server holds: the holder (null if free), its lease, the queue (written), the requests
   * arrived but not yet written, the last token.
   */
  public record Status(
      NodeId holder,
      long holderToken,
      Instant leaseUntil,
      List<NodeId> queue,
      List<NodeId> unwritten,
      long lastToken)
      implements WireMessage {}

  /**
   * Timing of a lock server.
   *
   * @param lease how long a grant lasts unless released
   * @param commitWindow how long a request that arrives while the lock is held may wait to be
   *     written with others (a release writes it at once); zero writes every request on arrival
   */
  public record Settings(Duration lease, Duration commitWindow) {
    public static final Settings DEFAULT = new Settings(Duration.ofSeconds(10), Duration.ofMillis(5));

    public Settings {
      if (lease == null || lease.isNegative() || lease.isZero()) {
        throw new IllegalArgumentException("a lock server's lease must be positive, got " + lease);
      }
      if (commitWindow == null || commitWindow.isNegative()) {
        throw new IllegalArgumentException("the commit window must not be negative, got " + commitWindow);
      }
    }
  }

  /** What the server persists. */
  public sealed interface Event extends WireMessage permits Enqueued, Handover, Withdrawn {}

  /** A request joined the queue (and holds the lock at once if it was free). */
  public record Enqueued(NodeId client, long requestId) implements Event {}

  /**
   * The holder with {@code token} released ({@code expired}: its lease ran out); the head of the
   * queue, if any, now holds the lock with the next token. One event for release and next grant.
   */
  public record Handover(long token, boolean expired) implements Event {}

  /** A queued request was withdrawn by its client. */
  public record Withdrawn(NodeId client, long requestId) implements Event {}

  /** The lock's holder: the client, its request and its fencing token. */
  public record Holder(NodeId client, long requestId, long token) implements WireMessage {}

  /** A queued request, with its number in order of arrival. */
  public record Waiter(NodeId client, long requestId, long arrival) implements WireMessage {}

  /** The newest request id accepted from a client. */
  public record Latest(NodeId client, long requestId) implements WireMessage {}

  /**
   * The server's durable state, changed only by events. Indexed: the queue by order of arrival, and
   * each client's queued request and newest request id by client, in persistent (structure-sharing)
   * sorted maps, so a look-up, an arrival, a withdrawal and a handover each cost O(log n) for n
   * clients or waiters, never a scan or a copy of the queue.
   *
   * @param holder who holds the lock, or null
   * @param queueByArrival the waiting requests by their number in order of arrival (first come first)
   * @param lastToken the last fencing token handed out
   * @param arrivals how many requests have been queued so far
   * @param latestByClient the newest request id accepted from each client
   * @param queuedAt each waiting client's number in {@code queueByArrival} (an index of it; rebuilt
   *     from it when absent)
   */
  public record State(
      Holder holder, Map<Long, Waiter> queueByArrival, long lastToken, long arrivals,
      Map<NodeId, Long> latestByClient, Map<NodeId, Long> queuedAt)
      implements WireMessage {

    static final State EMPTY = new State(null, List.of(), 0, 0, List.of());

    @JsonCreator
    public State {
      queueByArrival = persistent(queueByArrival);
      latestByClient = persistent(latestByClient);
      if (queuedAt == null) {
        TreePMap<NodeId, Long> index = TreePMap.empty();
        for (Waiter w : queueByArrival.values()) {
          index = index.plus(w.client(), w.arrival());
        }
        queuedAt = index;
      } else {
        queuedAt = persistent(queuedAt);
      }
    }

    /** The state from the queue in order and each client's newest request id, indexed once. */
    public State(Holder holder, List<Waiter> queue, long lastToken, long arrivals, List<Latest> latest) {
      this(holder, queue.stream().collect(TreePMap.toTreePMap(Waiter::arrival, w -> w)), lastToken, arrivals,
          latest.stream().collect(TreePMap.toTreePMap(Latest::client, Latest::requestId)), null);
    }

    private static <K extends Comparable<? super K>, V> TreePMap<K, V> persistent(Map<K, V> map) {
      if (map == null) {
        return TreePMap.empty();
      }
      return map instanceof TreePMap<K, V> p ? p : TreePMap.from(map);
    }

    /** The waiting requests, first come first. */
    public List<Waiter> queue() {
      return List.copyOf(queueByArrival.values());
    }

    /** The newest request id accepted from each client, in client order. */
    public List<Latest> latest() {
      return latestByClient.entrySet().stream().map(e -> new Latest(e.getKey(), e.getValue())).toList();
    }

    /** The newest request id accepted from {@code client}, 0 if none. */
    public long latest(NodeId client) {
      return latestByClient.getOrDefault(client, 0L);
    }

    /** {@code client}'s queued request, or null. */
    public Waiter waiting(NodeId client) {
      Long at = queuedAt.get(client);
      return at == null ? null : queueByArrival.get(at);
    }

    State apply(Event event) {
      TreePMap<Long, Waiter> q = (TreePMap<Long, Waiter>) queueByArrival;
      TreePMap<NodeId, Long> at = (TreePMap<NodeId, Long>) queuedAt;
      if (event instanceof Enqueued e) {
        Waiter w = new Waiter(e.client(), e.requestId(), arrivals + 1);
        Waiter before = waiting(e.client());
        if (before != null) {
          q = q.minus(before.arrival());
        }
        return new State(holder, q.plus(w.arrival(), w), lastToken, arrivals + 1,
            ((TreePMap<NodeId, Long>) latestByClient).plus(e.client(), e.requestId()), at.plus(e.client(), w.arrival()))
            .promote();
      } else if (event instanceof Handover h) {
        if (holder == null || holder.token() != h.token()) {
          return this;
        }
        return new State(null, queueByArrival, lastToken, arrivals, latestByClient, queuedAt).promote();
      } else if (event instanceof Withdrawn w) {
        Waiter queued = waiting(w.client());
        if (queued == null || queued.requestId() != w.requestId()) {
          return this;
        }
        return new State(holder, q.minus(queued.arrival()), lastToken, arrivals, latestByClient, at.minus(w.client()));
      }
      throw new IllegalArgumentException("unknown lock server event " + event);
    }

    /** A free lock goes to the head of the queue with the next token. */
    private State promote() {
      if (holder != null || queueByArrival.isEmpty()) {
        return this;
      }
      TreePMap<Long, Waiter> q = (TreePMap<Long, Waiter>) queueByArrival;
      Waiter head = q.firstEntry().getValue();
      return new State(
          new Holder(head.client(), head.requestId(), lastToken + 1),
          q.minusFirstEntry(),
          lastToken + 1,
          arrivals,
          latestByClient,
          ((TreePMap<NodeId, Long>) queuedAt).minus(head.client()));
    }
  }

  private final LockRequests requests;

  /**
   * A lock server for the lock named {@code lockName} (its persistence id), granting to the members
   * of {@code clients}; it reports {@link Requested} for every request it queues to {@code listener}.
   */
  public static Behavior<Command> create(String lockName, Peers<LockClient.Command> clients, NodeEnv env,
      ActorRef<MutexUpcall> listener, Settings settings) {
    return Durable.of((context, timers) ->
        new LockServer(lockName, clients, env, listener, settings, context, timers, LockRequests::new));
  }

  /** How the server's handling of requests is made (the broken variants of the specs subclass it). */
  interface Variant {
    LockRequests make(Peers<LockClient.Command> clients, NodeEnv env, ActorRef<MutexUpcall> listener,
        Settings settings, Logger log, TimerScheduler<Command> timers, WriteAhead<Command, Event, State> writes);
  }

  /**
   * This member's behavior in a group where node {@code server} runs the lock server and every other
   * member a {@link LockClient} of it (the shape specs, simulations and a cluster use).
   */
  public static Behavior<Object> inGroup(NodeId server, String lockName, Settings serverSettings,
      LockClient.Settings clientSettings, Peers<Object> peers, NodeEnv env, ActorRef<MutexUpcall> listener) {
    return inGroup(server, lockName, serverSettings, clientSettings, peers, env, listener, LockRequests::new);
  }

  static Behavior<Object> inGroup(NodeId server, String lockName, Settings serverSettings,
      LockClient.Settings clientSettings, Peers<Object> peers, NodeEnv env, ActorRef<MutexUpcall> listener,
      Variant variant) {
    if (peers.self().equals(server)) {
      Peers<LockClient.Command> clients = peers.map((id, ref) -> ref.narrow());
      return Durable.<Command>of((context, timers) ->
          new LockServer(lockName, clients, env, listener, serverSettings, context, timers, variant)).unsafeCast();
    }
    ActorRef<LockServer.Command> ref = peers.ref(server).narrow();
    return LockClient.create(ref, env, listener, clientSettings).unsafeCast();
  }

  private LockServer(String lockName, Peers<LockClient.Command> clients, NodeEnv env, ActorRef<MutexUpcall> listener,
      Settings settings, ActorContext<Command> context, TimerScheduler<Command> timers, Variant variant) {
    super(PersistenceId.of("lock-server", Objects.requireNonNull(lockName, "lockName")));
    this.requests = variant.make(clients, env, listener, settings, context.getLog(), timers,
        new WriteAhead<>(Effect()));
  }

  @Override
  public State emptyState() {
    return State.EMPTY;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(1_000, 2).withDeleteEventsOnSnapshot();
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(LockRequest.class, requests::onRequest)
        .onCommand(LockRelease.class, requests::onRelease)
        .onCommand(LeaseEnded.class, requests::onLeaseEnded)
        .onCommand(Commit.class, requests::onCommit)
        .onCommand(GetStatus.class, requests::onGetStatus)
        .build();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(State::apply);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> requests.startLease(state.holder()))
        .build();
  }
}
