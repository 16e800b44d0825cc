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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.pcollections.TreePMap;

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

  private static final String LEASE = "lease";

  private final Peers<LockClient.Command> clients;
  private final NodeEnv env;
  private final ActorRef<MutexUpcall> listener;
  private final Settings settings;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final WriteAhead<Command, Event, State> writes;
  /** Requests arrived while the lock is held, not yet written (group commit), in order. */
  private final WriteAhead<Command, Event, State>.Batch<Enqueued> requests;
  private Instant leaseUntil;

  /**
   * A lock server for the lock named {@code lockName} (its persistence id), granting to the members
   * of {@code clients}; it reports {@link Requested} for every request it queues to {@code listener}.
   */
  public static Behavior<Command> create(String lockName, Peers<LockClient.Command> clients, NodeEnv env,
      ActorRef<MutexUpcall> listener, Settings settings) {
    return Durable.of((context, timers) -> new LockServer(lockName, clients, env, listener, settings, context, timers));
  }

  /** How a variant of the server is made (the broken ones of the specs subclass it). */
  interface Variant {
    LockServer make(String lockName, Peers<LockClient.Command> clients, NodeEnv env, ActorRef<MutexUpcall> listener,
        Settings settings, ActorContext<Command> context, TimerScheduler<Command> timers);
  }

  /**
   * This member's behavior in a group where node {@code server} runs the lock server and every other
   * member a {@link LockClient} of it (the shape specs, simulations and a cluster use).
   */
  public static Behavior<Object> inGroup(NodeId server, String lockName, Settings serverSettings,
      LockClient.Settings clientSettings, Peers<Object> peers, NodeEnv env, ActorRef<MutexUpcall> listener) {
    return inGroup(server, lockName, serverSettings, clientSettings, peers, env, listener, LockServer::new);
  }

  static Behavior<Object> inGroup(NodeId server, String lockName, Settings serverSettings,
      LockClient.Settings clientSettings, Peers<Object> peers, NodeEnv env, ActorRef<MutexUpcall> listener,
      Variant variant) {
    if (peers.self().equals(server)) {
      Peers<LockClient.Command> clients = peers.map((id, ref) -> ref.narrow());
      return Durable.<Command>of((context, timers) ->
          variant.make(lockName, clients, env, listener, serverSettings, context, timers)).unsafeCast();
    }
    ActorRef<LockServer.Command> ref = peers.ref(server).narrow();
    return LockClient.create(ref, env, listener, clientSettings).unsafeCast();
  }

  LockServer(String lockName, Peers<LockClient.Command> clients, NodeEnv env, ActorRef<MutexUpcall> listener,
      Settings settings, ActorContext<Command> context, TimerScheduler<Command> timers) {
    super(PersistenceId.of("lock-server", Objects.requireNonNull(lockName, "lockName")));
    this.clients = clients;
    this.env = env;
    this.listener = listener;
    this.settings = settings;
    this.context = context;
    this.timers = timers;
    this.writes = new WriteAhead<>(Effect());
    this.requests = writes.batch(timers, new Commit(), settings.commitWindow(),
        (state, waiting) -> List.copyOf(waiting));
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
        .onCommand(LockRequest.class, this::onRequest)
        .onCommand(LockRelease.class, this::onRelease)
        .onCommand(LeaseEnded.class, this::onLeaseEnded)
        .onCommand(Commit.class, this::onCommit)
        .onCommand(GetStatus.class, this::onGetStatus)
        .build();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(State::apply);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> startLease(state.holder()))
        .build();
  }

  private Effect<Event, State> onRequest(State state, LockRequest r) {
    NodeId client = r.client();
    if (!clients.contains(client) || client.equals(clients.self())) {
      context.getLog().warn("lock request from {}, which is not a client of this server", client);
      return Effect().none();
    }
    Holder holder = state.holder();
    if (holder != null && holder.client().equals(client)) {
      if (r.requestId() == holder.requestId()) {
        sendGrant(holder); // a retry: the grant may have been lost
        return Effect().none();
      }
      if (r.requestId() > holder.requestId()) { // its release was lost, and it asks again
        return change(state, List.of(new Handover(holder.token(), false), new Enqueued(client, r.requestId())));
      }
      return Effect().none();
    }
    Long arrived = arrived(client);
    if (r.requestId() <= state.latest(client) || (arrived != null && r.requestId() <= arrived)) {
      if (arrived == null && state.waiting(client) == null && r.requestId() == state.latest(client)) {
        // served and over (its lease ended, or it was withdrawn): a client still waiting lost the grant
        clients.tell(client, new LockClient.Served(r.requestId()));
      }
      return Effect().none(); // a copy of a request already queued or served
    }
    requests.withdraw(e -> e.client().equals(client));
    Waiter queued = state.waiting(client);
    if (queued != null) {
      return change(state, List.of(new Withdrawn(client, queued.requestId()), new Enqueued(client, r.requestId())));
    }
    if (holder == null || settings.commitWindow().isZero()) {
      return change(state, List.of(new Enqueued(client, r.requestId())));
    }
    requests.take(new Enqueued(client, r.requestId())); // written with the next release, or when the window ends
    return requests.due(state);
  }

  /** The id of {@code client}'s request arrived but not yet written, or null. */
  private Long arrived(NodeId client) {
    for (Enqueued e : requests.waiting()) {
      if (e.client().equals(client)) {
        return e.requestId();
      }
    }
    return null;
  }

  private Effect<Event, State> onCommit(State state, Commit c) {
    return requests.waiting().isEmpty() ? Effect().none() : change(state, List.of());
  }

  private Effect<Event, State> onRelease(State state, LockRelease r) {
    Holder holder = state.holder();
    if (holder != null && holder.client().equals(r.client()) && holder.requestId() == r.requestId()) {
      return change(state, List.of(new Handover(holder.token(), false)));
    }
    Waiter queued = state.waiting(r.client());
    if (queued != null && queued.requestId() == r.requestId()) {
      return change(state, List.of(new Withdrawn(r.client(), r.requestId())));
    }
    Long arrived = arrived(r.client());
    if (arrived != null && arrived == r.requestId()) {
      requests.withdraw(e -> e.client().equals(r.client())); // withdrawn before it was written
    }
    return Effect().none(); // a late copy, or the release of a lease that already ended
  }

  private Effect<Event, State> onLeaseEnded(State state, LeaseEnded e) {
    Holder holder = state.holder();
    if (holder == null || holder.token() != e.token()) {
      return Effect().none();
    }
    context.getLog().info("lease of {} (token {}) ended", holder.client(), holder.token());
    return change(state, List.of(new Handover(holder.token(), true)));
  }

  private Effect<Event, State> onGetStatus(State state, GetStatus q) {
    Holder h = state.holder();
    q.replyTo()
        .tell(
            new Status(
                h == null ? null : h.client(),
                h == null ? 0 : h.token(),
                h == null ? null : leaseUntil,
                state.queue().stream().map(Waiter::client).toList(),
                requests.waiting().stream().map(Enqueued::client).toList(),
                state.lastToken()));
    return Effect().none();
  }

  /**
   * Persists, in one write, the requests not yet written and then {@code events}; afterwards reports
   * the requests now queued and tells a new holder.
   */
  Effect<Event, State> change(State before, List<Event> events) {
    List<Event> all = new ArrayList<>(requests.waiting());
    all.addAll(events);
    return requests.write(before, events, after -> {
      long arrival = before.arrivals();
      for (Event e : all) {
        if (e instanceof Enqueued queued) {
          listener.tell(new Requested(queued.client(), ++arrival));
        }
      }
      Holder was = before.holder();
      Holder now = after.holder();
      if (now == null) {
        timers.cancel(LEASE);
        leaseUntil = null;
      } else if (was == null || was.token() != now.token()) {
        startLease(now);
        sendGrant(now);
      }
    });
  }

  void startLease(Holder holder) {
    if (holder == null) {
      return;
    }
    leaseUntil = env.now().plus(settings.lease());
    timers.startSingleTimer(LEASE, new LeaseEnded(holder.token()), settings.lease());
  }

  void sendGrant(Holder holder) {
    clients.tell(
        holder.client(), new LockClient.LockGrant(holder.requestId(), holder.token(), leaseUntil));
  }
}
