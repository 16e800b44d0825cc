package dev.parley.protocols.replication;

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
import dev.parley.protocols.core.Durable;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.PersistThen;
import dev.parley.protocols.core.WireMessage;
import dev.parley.protocols.replication.TpcState.CoordinatorTx;
import dev.parley.protocols.replication.TpcState.ParticipantTx;
import dev.parley.protocols.replication.TpcState.Part;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Two-phase commit (Gray 1978; the notes' version with states) of multi-key transactions over a key
 * space partitioned among the group's nodes.
 *
 * <p>Model: crash-recovery nodes with stable storage (each node's journal), links that lose, delay,
 * duplicate and reorder (every step is retried), no bound on delays (timeouts only guess). Key
 * {@code k} lives on node {@link #partitionOf}: {@code floorMod(k.hashCode(), N)}-th member in id
 * order. Every node is the participant for its partition and the coordinator of the transactions
 * its own clients give it ({@link Transact}, or a single-key {@link Request} as a one-partition
 * transaction, named {@code kv:<client>:<seq>}); transaction ids are unique in the group, and a
 * client retries at the same coordinator. One journal per node holds both logs ({@link TpcState}).
 *
 * <p>Algorithm. The coordinator of a new transaction (INIT, not logged) sends each participant its
 * share of the work ({@link Begin}, the notes' "send body"); a participant takes it into INIT and
 * locks its keys ({@link Joined}), or refuses it if a key is locked by another transaction (no
 * waiting, so no deadlock). Once every participant holds its work, the coordinator logs the
 * transaction (WAIT) and sends the {@link VoteRequest}s. A participant checks the preconditions
 * (the {@code expected} values) and logs READY with its share, then votes YES; or it logs ABORT,
 * then votes NO (a failed precondition, or work it lost in a crash). The coordinator decides COMMIT
 * on a unanimous YES, ABORT on any NO or refusal or when answers are missing after {@code
 * voteTimeout}; it logs the decision, then sends it to every participant (again every {@code
 * retry} until each acknowledges; then it logs the end) and answers its client. A participant logs
 * the decision, applies the writes on COMMIT, releases the locks and acknowledges. Timeouts: a
 * participant in INIT that is not asked to vote within {@code initTimeout} aborts on its own; in
 * READY it may not: it asks the coordinator every {@code retry} and, once READY for {@code
 * blockedAfter}, the other participants too (cooperative termination: one that decided tells; one
 * that has not voted aborts, logs it and tells ABORT). If every participant is READY and the
 * coordinator is down, nobody can decide: the transaction is <b>blocked</b> (its keys stay locked)
 * until the coordinator recovers; {@link Status#blocked()} shows it. Recovery from the logs: a
 * coordinator restarting in WAIT aborts (no decision was logged, so nobody can have committed), in
 * COMMIT or ABORT re-sends the decision until every participant acknowledges; one that crashed in
 * INIT forgot the transaction and its participants time out. A participant restarting in READY
 * asks as above; one that crashed in INIT lost the work and votes NO. A coordinator asked about a
 * transaction it has no record of answers ABORT (presumed abort).
 *
 * <p>Guarantees: atomic commitment (all participants decide alike; COMMIT only if all voted YES),
 * across crashes, restarts and lossy links; a single-key request is linearizable (the key is locked
 * from the work's arrival to the decision, and a read is answered at the decision). Liveness: every
 * transaction ends once its coordinator is up and the links deliver; a coordinator down with all
 * participants READY blocks them (2PC is a blocking protocol). Cost per transaction with P remote
 * participants: 6P messages (the work and its answer, then textbook 2PC's 4P: vote request,
 * vote, decision, acknowledgement; the coordinator's own partition costs none) and, in journal
 * writes, 3 at the coordinator (WAIT, decision, end), 2 per participant voting YES (READY, the
 * decision) and 1 per NO (ABORT). Snapshots every 1,000 events.
 */
public final class TwoPhaseCommit
    extends EventSourcedBehavior<TwoPhaseCommit.Command, TwoPhaseCommit.Event, TpcState> {

  /** Downcalls, wire messages and the timer. */
  public sealed interface Command extends WireMessage
      permits Request, Transact, GetStatus, Begin, Joined, VoteRequest, Voted, GlobalDecision, Ack,
          DecisionRequest, Tick {}

  /** A client's single-key request given to this node: a one-partition transaction. */
  public record Request(KvRequest request) implements Command {}

  /**
   * A client's transaction given to this node, its coordinator: set every key of {@code writes}, if
   * every key of {@code expected} holds its value (a null value: the key was never written), all or
   * nothing. Answered by the upcall {@link TxOutcome}; a retry with the same {@code txId} is
   * answered with the same outcome.
   */
  public record Transact(String txId, Map<String, String> writes, Map<String, String> expected)
      implements Command {
    public Transact {
      Objects.requireNonNull(txId, "txId");
      writes = Collections.unmodifiableMap(new TreeMap<>(writes));
      expected = Collections.unmodifiableMap(new TreeMap<>(expected == null ? Map.of() : expected));
    }
  }

  /** Asks for this node's {@link Status}. */
  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  /** Coordinator to participant: the participant's share of {@code txId}'s work. */
  public record Begin(String txId, NodeId coordinator, Part part) implements Command {}

  /** Participant to coordinator: {@code from} holds the work of {@code txId} (ok), or refuses it and why. */
  public record Joined(String txId, NodeId from, boolean ok, String reason) implements Command {}

  /** Coordinator to participant: vote on {@code txId}; {@code participants} are all of them. */
  public record VoteRequest(String txId, NodeId coordinator, List<NodeId> participants) implements Command {}

  /**
   * Participant to coordinator: its vote; {@code found} holds the values a YES read, or the values
   * that failed a NO's preconditions.
   */
  public record Voted(String txId, NodeId from, boolean yes, String reason, Map<String, String> found)
      implements Command {}

  /** The outcome of {@code txId}, from its coordinator (or, in cooperative termination, a participant). */
  public record GlobalDecision(String txId, NodeId coordinator, boolean commit) implements Command {}

  /** Participant to coordinator: {@code from} has logged the decision on {@code txId}. */
  public record Ack(String txId, NodeId from) implements Command {}

  /** A participant in READY asks {@code txId}'s coordinator, or another participant, for the outcome. */
  public record DecisionRequest(String txId, NodeId coordinator, NodeId from) implements Command {}

  private enum Tick implements Command { INSTANCE }

  /** A coordinator's states for one transaction. */
  public enum CoordinatorState { INIT, WAIT, ABORT, COMMIT }

  /** A participant's states for one transaction. */
  public enum ParticipantState { INIT, READY, ABORT, COMMIT }

  /** A participant's vote: NONE if it aborted without voting. */
  public enum Vote { YES, NO, NONE }

  /** What a node reports about transactions, besides the key-value replies. */
  public sealed interface Upcall extends WireMessage permits TxOutcome, Participation {}

  /** At the coordinator: the outcome of a {@link Transact}, with why it aborted (null if it committed). */
  public record TxOutcome(String txId, boolean committed, String reason) implements Upcall {}

  /**
   * At a participant, after each change it logged: its vote and state on {@code txId} (the stuff of
   * an atomic-commit checker's records).
   */
  public record Participation(String txId, NodeId participant, Vote vote, ParticipantState state)
      implements Upcall {}

  /** What is persisted; the coordinator's and the participant's log records. */
  public sealed interface Event extends WireMessage
      permits CoordinatorWaiting, CoordinatorDecided, CoordinatorEnded, ParticipantReady, ParticipantDecided {}

  /** The coordinator started {@code txId} (WAIT), with each participant's share. */
  public record CoordinatorWaiting(String txId, Map<NodeId, Part> parts, KvRequest request) implements Event {}

  /** The coordinator decided {@code txId}. */
  public record CoordinatorDecided(String txId, boolean commit, String reason) implements Event {}

  /** Every participant acknowledged the decision on {@code txId}. */
  public record CoordinatorEnded(String txId) implements Event {}

  /** The participant is READY on {@code txId}: it voted YES and keeps {@code part} locked. */
  public record ParticipantReady(String txId, NodeId coordinator, List<NodeId> participants, Part part)
      implements Event {}

  /** The participant decided {@code txId}, having voted {@code vote}. */
  public record ParticipantDecided(String txId, NodeId coordinator, Vote vote, boolean commit) implements Event {}

  /**
   * A node's live state: the coordinator's transactions by state, the participant's by state, the
   * blocked ones explained, the partition's values and which transaction locks which key.
   */
  public record Status(
      NodeId node,
      Map<CoordinatorState, List<String>> coordinator,
      Map<ParticipantState, List<String>> participant,
      List<String> blocked,
      Map<String, String> values,
      Map<String, String> locks)
      implements WireMessage {}

  /**
   * @param retry how often votes, decisions and decision requests are sent again
   * @param voteTimeout how long a coordinator in WAIT waits for the votes before it aborts
   * @param initTimeout how long a participant in INIT waits for the vote request before it aborts
   * @param blockedAfter how long a participant stays READY before it asks the other participants
   *     and reports itself blocked
   * @param logDecisions whether the coordinator logs its decision before sending it; false is
   *     UNSAFE (it logs it only once every participant acknowledged), for showing what the log is for
   */
  public record Settings(Duration retry, Duration voteTimeout, Duration initTimeout, Duration blockedAfter,
      boolean logDecisions) {

    public static final Settings DEFAULT = new Settings(Duration.ofMillis(50), Duration.ofSeconds(1),
        Duration.ofSeconds(1), Duration.ofMillis(500), true);

    public Settings {
      requirePositive("retry", retry);
      requirePositive("voteTimeout", voteTimeout);
      requirePositive("initTimeout", initTimeout);
      requirePositive("blockedAfter", blockedAfter);
      if (voteTimeout.compareTo(retry) <= 0 || initTimeout.compareTo(retry) <= 0
          || blockedAfter.compareTo(retry) < 0) {
        throw new IllegalArgumentException("two-phase commit needs voteTimeout and initTimeout longer than "
            + "retry, and blockedAfter at least retry, got " + this);
      }
    }

    /** These settings with the coordinator's decision written lazily: UNSAFE, see {@code logDecisions}. */
    public Settings withoutDecisionLog() {
      return new Settings(retry, voteTimeout, initTimeout, blockedAfter, false);
    }

    private static void requirePositive(String name, Duration d) {
      if (d == null || d.isZero() || d.isNegative()) {
        throw new IllegalArgumentException("two-phase commit's " + name + " must be positive, got " + d);
      }
    }
  }

  /** The node {@code key} lives on: the {@code floorMod(key.hashCode(), N)}-th of {@code members} in id order. */
  public static NodeId partitionOf(String key, Collection<NodeId> members) {
    List<NodeId> sorted = new ArrayList<>(new TreeSet<>(members));
    return sorted.get(Math.floorMod(key.hashCode(), sorted.size()));
  }

  /** The uniform factory: key-value replies to {@code upcalls}; transaction upcalls go nowhere. */
  public static Behavior<Command> create(String group, Peers<Command> peers, NodeEnv env, Settings settings,
      ActorRef<KvReply> upcalls) {
    return create(group, peers, env, settings, upcalls, null);
  }

  /**
   * Node {@code peers.self()} of the group named {@code group} (persistence id {@code
   * two-phase-commit|<group>/<node>}): key-value replies to {@code upcalls}, {@link TxOutcome}s and
   * {@link Participation}s to {@code transactions} (null: not reported).
   */
  public static Behavior<Command> create(String group, Peers<Command> peers, NodeEnv env, Settings settings,
      ActorRef<KvReply> upcalls, ActorRef<Upcall> transactions) {
    Objects.requireNonNull(settings, "settings");
    return Durable.of((context, timers) ->
        new TwoPhaseCommit(group, peers, env, settings, upcalls, transactions, context, timers));
  }

  /** A coordinator's transaction in INIT: its work handed out, and who holds it so far. */
  private record Starting(Map<NodeId, Part> parts, KvRequest request, Instant since, Set<NodeId> joined) {}

  /** A coordinator's votes so far on a transaction in WAIT (lost in a crash). */
  private record Votes(Instant since, Map<NodeId, Voted> votes) {}

  /** A participant's transaction in INIT: its work, since when it holds it. */
  private record Initial(NodeId coordinator, Part part, Instant since) {}

  /** Events to write at once and what to do once they are written. */
  private static final class Step {
    final List<Event> events = new ArrayList<>();
    final List<Runnable> then = new ArrayList<>();
  }

  private final Peers<Command> peers;
  private final NodeEnv env;
  private final Settings settings;
  private final ActorRef<KvReply> upcalls;
  private final ActorRef<Upcall> transactions;
  private final ActorContext<Command> context;
  private final Map<String, Starting> starting = new TreeMap<>();
  private final Map<String, Votes> votes = new HashMap<>();
  private final Map<String, Set<NodeId>> acks = new HashMap<>();
  private final Map<String, CoordinatorTx> unlogged = new HashMap<>();
  private final Map<String, Object> replies = new HashMap<>();
  private final Map<String, Initial> initial = new TreeMap<>();
  private final Map<String, Instant> readySince = new HashMap<>();

  private TwoPhaseCommit(String group, Peers<Command> peers, NodeEnv env, Settings settings,
      ActorRef<KvReply> upcalls, ActorRef<Upcall> transactions, ActorContext<Command> context,
      TimerScheduler<Command> timers) {
    super(PersistenceId.of("two-phase-commit", group + "/" + peers.self().name()));
    this.peers = peers;
    this.env = env;
    this.settings = settings;
    this.upcalls = upcalls;
    this.transactions = transactions;
    this.context = context;
    timers.startTimerWithFixedDelay(Tick.INSTANCE, settings.retry());
  }

  @Override
  public TpcState emptyState() {
    return TpcState.EMPTY;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(1_000, 2);
  }

  @Override
  public CommandHandler<Command, Event, TpcState> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Request.class, this::onRequest)
        .onCommand(Transact.class, this::onTransact)
        .onCommand(Begin.class, this::onBegin)
        .onCommand(Joined.class, this::onJoined)
        .onCommand(VoteRequest.class, this::onVoteRequest)
        .onCommand(Voted.class, this::onVoted)
        .onCommand(GlobalDecision.class, this::onGlobalDecision)
        .onCommand(Ack.class, this::onAck)
        .onCommand(DecisionRequest.class, this::onDecisionRequest)
        .onCommand(Tick.class, (state, t) -> onTick(state))
        .onCommand(GetStatus.class, this::onGetStatus)
        .build();
  }

  @Override
  public EventHandler<TpcState, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(TpcState::apply);
  }

  @Override
  public SignalHandler<TpcState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(),
            state -> ready(state).forEach(tx -> readySince.put(tx.txId(), now())))
        .build();
  }

  // ---------------------------------------------------------------- coordinator: phase 1

  private Effect<Event, TpcState> onRequest(TpcState state, Request r) {
    KvRequest request = r.request();
    String key = request.key();
    Part part;
    if (request instanceof Put p) {
      part = new Part(Map.of(key, p.value()), Map.of(), Set.of());
    } else if (request instanceof Cas c) {
      Map<String, String> expected = new HashMap<>();
      expected.put(key, c.expected());
      part = new Part(Map.of(key, c.value()), expected, Set.of());
    } else {
      part = new Part(Map.of(), Map.of(), Set.of(key));
    }
    String txId = "kv:" + request.id();
    KvRequest earlier = requestOf(state, txId);
    if (earlier != null && !earlier.fingerprint().equals(request.fingerprint())) {
      upcalls.tell(KvReply.Rejected.of(request.id(), ClientSessions.idReused(request, earlier)));
      return Effect().none();
    }
    return begin(state, txId, Map.of(partitionOf(key, peers.members()), part), request);
  }

  /** The key-value request transaction {@code txId} serves, if this coordinator knows it. */
  private KvRequest requestOf(TpcState state, String txId) {
    CoordinatorTx known = coordinated(state, txId);
    if (known != null) {
      return known.request();
    }
    Starting start = starting.get(txId);
    return start == null ? null : start.request();
  }

  private Effect<Event, TpcState> onTransact(TpcState state, Transact t) {
    if (t.writes().isEmpty() && t.expected().isEmpty()) {
      report(new TxOutcome(t.txId(), false, "empty transaction"));
      return Effect().none();
    }
    if (t.writes().containsValue(null)) {
      report(new TxOutcome(t.txId(), false, "a write needs a value, got " + t.writes()));
      return Effect().none();
    }
    Map<NodeId, Map<String, String>> writes = byPartition(t.writes());
    Map<NodeId, Map<String, String>> expected = byPartition(t.expected());
    Map<NodeId, Part> parts = new TreeMap<>();
    Set<NodeId> nodes = new TreeSet<>(writes.keySet());
    nodes.addAll(expected.keySet());
    for (NodeId n : nodes) {
      parts.put(n, new Part(writes.getOrDefault(n, Map.of()), expected.getOrDefault(n, Map.of()), Set.of()));
    }
    return begin(state, t.txId(), parts, null);
  }

  private Map<NodeId, Map<String, String>> byPartition(Map<String, String> values) {
    Map<NodeId, Map<String, String>> split = new TreeMap<>();
    values.forEach((k, v) ->
        split.computeIfAbsent(partitionOf(k, peers.members()), n -> new TreeMap<>()).put(k, v));
    return split;
  }

  /** A new transaction is in INIT: hand out the work (nothing is logged yet). */
  private Effect<Event, TpcState> begin(TpcState state, String txId, Map<NodeId, Part> parts, KvRequest request) {
    CoordinatorTx known = coordinated(state, txId);
    if (known != null && known.decided()) {
      Object reply = replies.get(txId);
      if (reply != null) {
        answer(reply);
      } else if (known.request() == null) {
        report(new TxOutcome(txId, known.state() == CoordinatorState.COMMIT, known.reason()));
      }
    }
    if (known == null && !starting.containsKey(txId)) {
      starting.put(txId, new Starting(parts, request, now(), new TreeSet<>()));
      parts.forEach((n, part) -> send(n, new Begin(txId, self(), part)));
    }
    return Effect().none();
  }

  /** INIT to WAIT once every participant holds its work: log the transaction, then ask for the votes. */
  private Effect<Event, TpcState> onJoined(TpcState state, Joined j) {
    Starting tx = starting.get(j.txId());
    if (tx == null) {
      return Effect().none();
    }
    if (!j.ok()) {
      abortInInit(j.txId(), j.from() + " refused the work: " + j.reason());
      return Effect().none();
    }
    tx.joined().add(j.from());
    if (!tx.joined().containsAll(tx.parts().keySet())) {
      return Effect().none();
    }
    starting.remove(j.txId());
    return Effect().persist(new CoordinatorWaiting(j.txId(), tx.parts(), tx.request())).thenRun(s -> {
      votes.put(j.txId(), new Votes(now(), new TreeMap<>()));
      requestVotes(s.coordinating().get(j.txId()), tx.parts().keySet());
    });
  }

  /** INIT to ABORT: nothing was logged and nobody voted, so the participants are told but not waited for. */
  private void abortInInit(String txId, String reason) {
    Starting tx = starting.remove(txId);
    tx.parts().keySet().forEach(n -> send(n, new GlobalDecision(txId, self(), false)));
    answer(reply(txId, tx.request(), false, reason, Map.of()));
  }

  private void requestVotes(CoordinatorTx tx, Collection<NodeId> from) {
    List<NodeId> participants = List.copyOf(tx.parts().keySet());
    from.forEach(n -> send(n, new VoteRequest(tx.txId(), self(), participants)));
  }

  private Effect<Event, TpcState> onVoted(TpcState state, Voted v) {
    CoordinatorTx tx = coordinated(state, v.txId());
    if (tx == null) {
      return Effect().none();
    }
    if (tx.decided()) {
      send(v.from(), new GlobalDecision(tx.txId(), self(), tx.state() == CoordinatorState.COMMIT));
      return Effect().none();
    }
    Votes w = votes.get(v.txId());
    if (w == null) {
      return Effect().none(); // restarted in WAIT: the next tick aborts it
    }
    w.votes().put(v.from(), v);
    Step step = new Step();
    if (!v.yes()) {
      decide(step, tx, false, v.from() + " voted NO: " + v.reason());
    } else if (w.votes().size() == tx.parts().size()) {
      decide(step, tx, true, null);
    }
    return run(step);
  }

  // ---------------------------------------------------------------- coordinator: phase 2

  /** WAIT to COMMIT or ABORT: log the decision (unless UNSAFE), then send it and answer the client. */
  private void decide(Step step, CoordinatorTx tx, boolean commit, String reason) {
    Votes w = votes.remove(tx.txId());
    if (settings.logDecisions()) {
      step.events.add(new CoordinatorDecided(tx.txId(), commit, reason));
    } else {
      unlogged.put(tx.txId(), tx.decide(commit, reason));
    }
    step.then.add(() -> {
      acks.put(tx.txId(), new HashSet<>());
      tx.parts().keySet().forEach(n -> send(n, new GlobalDecision(tx.txId(), self(), commit)));
      Object reply = reply(tx.txId(), tx.request(), commit, reason, w == null ? Map.of() : w.votes());
      replies.put(tx.txId(), reply);
      answer(reply);
    });
  }

  /** The answer to the client: a {@link TxOutcome}, or the key-value reply to its request. */
  private Object reply(String txId, KvRequest request, boolean commit, String reason, Map<NodeId, Voted> votes) {
    if (request == null) {
      return new TxOutcome(txId, commit, reason);
    }
    Voted vote = votes.get(partitionOf(request.key(), peers.members()));
    if (commit) {
      return new KvReply.Ok(request.id(), request instanceof Get ? vote.found().get(request.key()) : null);
    }
    if (request instanceof Cas && vote != null && !vote.yes() && vote.found().containsKey(request.key())) {
      return new KvReply.CasFailed(request.id(), vote.found().get(request.key()));
    }
    return new KvReply.Unavailable(request.id(), "transaction aborted: " + reason);
  }

  private Effect<Event, TpcState> onAck(TpcState state, Ack a) {
    CoordinatorTx tx = coordinated(state, a.txId());
    Set<NodeId> acked = acks.get(a.txId());
    if (tx == null || !tx.decided() || tx.ended() || acked == null) {
      return Effect().none();
    }
    acked.add(a.from());
    if (!acked.containsAll(tx.parts().keySet())) {
      return Effect().none();
    }
    List<Event> events = new ArrayList<>();
    CoordinatorTx lazy = unlogged.remove(tx.txId());
    if (lazy != null) {
      events.add(new CoordinatorDecided(lazy.txId(), lazy.state() == CoordinatorState.COMMIT, lazy.reason()));
    }
    events.add(new CoordinatorEnded(tx.txId()));
    return Effect().persist(events).thenRun(s -> acks.remove(tx.txId()));
  }

  /** The coordinator's record of {@code txId}: the log's, or its UNSAFE unlogged decision. */
  private CoordinatorTx coordinated(TpcState state, String txId) {
    CoordinatorTx lazy = unlogged.get(txId);
    return lazy != null ? lazy : state.coordinating().get(txId);
  }

  // ---------------------------------------------------------------- participant

  /** The work arrives: INIT, its keys locked; a key locked by another transaction refuses it. */
  private Effect<Event, TpcState> onBegin(TpcState state, Begin b) {
    ParticipantTx known = state.participating().get(b.txId());
    if (known != null) {
      send(b.coordinator(), new Joined(b.txId(), self(), known.vote() == Vote.YES, "already aborted"));
      return Effect().none();
    }
    if (!initial.containsKey(b.txId())) {
      Map<String, String> locks = locks(state);
      for (String key : b.part().keys()) {
        if (locks.containsKey(key)) {
          String reason = "key " + key + " is locked by " + locks.get(key);
          send(b.coordinator(), new Joined(b.txId(), self(), false, reason));
          return Effect().none();
        }
      }
      initial.put(b.txId(), new Initial(b.coordinator(), b.part(), now()));
    }
    send(b.coordinator(), new Joined(b.txId(), self(), true, null));
    return Effect().none();
  }

  /** INIT to READY (vote YES) or ABORT (vote NO), logged before the vote is sent. */
  private Effect<Event, TpcState> onVoteRequest(TpcState state, VoteRequest r) {
    String txId = r.txId();
    ParticipantTx known = state.participating().get(txId);
    if (known != null) {
      Voted again = known.vote() == Vote.YES ? new Voted(txId, self(), true, null, reads(state, known.part()))
          : new Voted(txId, self(), false, "aborted", Map.of());
      send(r.coordinator(), again);
      return Effect().none();
    }
    Initial init = initial.remove(txId);
    String refusal = init == null ? "no record of the transaction's work (lost in a crash, or aborted)" : null;
    Map<String, String> failed = new TreeMap<>();
    if (refusal == null) {
      init.part().expected().forEach((k, v) -> {
        if (!Objects.equals(state.values().get(k), v)) {
          failed.put(k, state.values().get(k));
        }
      });
      if (!failed.isEmpty()) {
        refusal = "precondition failed: expected " + init.part().expected() + ", found " + failed;
      }
    }
    if (refusal != null) {
      String why = refusal;
      return Effect().persist(new ParticipantDecided(txId, r.coordinator(), Vote.NO, false)).thenRun(s -> {
        send(r.coordinator(), new Voted(txId, self(), false, why, failed));
        report(new Participation(txId, self(), Vote.NO, ParticipantState.ABORT));
      });
    }
    Event ready = new ParticipantReady(txId, r.coordinator(), r.participants(), init.part());
    return Effect().persist(ready).thenRun(s -> {
      readySince.put(txId, now());
      send(r.coordinator(), new Voted(txId, self(), true, null, reads(s, init.part())));
      report(new Participation(txId, self(), Vote.YES, ParticipantState.READY));
    });
  }

  private static Map<String, String> reads(TpcState state, Part part) {
    Map<String, String> found = new TreeMap<>();
    part.reads().forEach(k -> found.put(k, state.values().get(k)));
    return found;
  }

  /** READY (or INIT, on ABORT) to the decision: log it, apply it, release the locks, acknowledge. */
  private Effect<Event, TpcState> onGlobalDecision(TpcState state, GlobalDecision d) {
    ParticipantTx tx = state.participating().get(d.txId());
    Ack ack = new Ack(d.txId(), self());
    if (tx != null && tx.state() == ParticipantState.READY) {
      Event decided = new ParticipantDecided(d.txId(), tx.coordinator(), Vote.YES, d.commit());
      return Effect().persist(decided).thenRun(s -> {
        readySince.remove(d.txId());
        report(new Participation(d.txId(), self(), Vote.YES, s.participating().get(d.txId()).state()));
        send(d.coordinator(), ack);
      });
    }
    if (initial.containsKey(d.txId()) && !d.commit()) {
      Step step = new Step();
      abortUnilaterally(step, d.txId(), d.coordinator());
      step.then.add(() -> send(d.coordinator(), ack));
      return run(step);
    }
    send(d.coordinator(), ack);
    return Effect().none();
  }

  /** Aborts a transaction this participant has not voted on; it will vote NO if asked. */
  private void abortUnilaterally(Step step, String txId, NodeId coordinator) {
    initial.remove(txId);
    step.events.add(new ParticipantDecided(txId, coordinator, Vote.NONE, false));
    step.then.add(() -> report(new Participation(txId, self(), Vote.NONE, ParticipantState.ABORT)));
  }

  /** Answers a READY participant: as the coordinator, or as a fellow participant (cooperative termination). */
  private Effect<Event, TpcState> onDecisionRequest(TpcState state, DecisionRequest r) {
    String txId = r.txId();
    if (r.coordinator().equals(self())) {
      CoordinatorTx tx = coordinated(state, txId);
      if (tx == null) {
        if (starting.containsKey(txId)) {
          abortInInit(txId, r.from() + " asked for the outcome before the vote");
        }
        return Effect().persist(new CoordinatorDecided(txId, false, "unknown to its coordinator (presumed abort)"))
            .thenRun(s -> send(r.from(), new GlobalDecision(txId, self(), false)));
      }
      if (tx.decided()) {
        send(r.from(), new GlobalDecision(txId, self(), tx.state() == CoordinatorState.COMMIT));
      }
      return Effect().none();
    }
    ParticipantTx tx = state.participating().get(txId);
    if (tx == null) {
      Step step = new Step();
      abortUnilaterally(step, txId, r.coordinator());
      step.then.add(() -> send(r.from(), new GlobalDecision(txId, r.coordinator(), false)));
      return run(step);
    }
    if (tx.state() != ParticipantState.READY) {
      send(r.from(), new GlobalDecision(txId, r.coordinator(), tx.state() == ParticipantState.COMMIT));
    }
    return Effect().none();
  }

  // ---------------------------------------------------------------- timeouts and retries

  private Effect<Event, TpcState> onTick(TpcState state) {
    Instant now = now();
    Step step = new Step();
    for (Map.Entry<String, Starting> e : List.copyOf(starting.entrySet())) {
      Starting tx = e.getValue();
      Set<NodeId> silent = new TreeSet<>(tx.parts().keySet());
      silent.removeAll(tx.joined());
      if (!now.isBefore(tx.since().plus(settings.voteTimeout()))) {
        abortInInit(e.getKey(), "no answer to the work from " + silent + " within "
            + settings.voteTimeout().toMillis() + " ms");
      } else if (!now.isBefore(tx.since().plus(settings.retry()))) {
        silent.forEach(n -> send(n, new Begin(e.getKey(), self(), tx.parts().get(n))));
      }
    }
    for (CoordinatorTx tx : coordinatorLog(state)) {
      if (tx.ended()) {
        continue;
      }
      if (!tx.decided()) {
        Votes w = votes.get(tx.txId());
        if (w == null) {
          decide(step, tx, false, "coordinator restarted in WAIT");
        } else if (!now.isBefore(w.since().plus(settings.voteTimeout()))) {
          Set<NodeId> silent = new TreeSet<>(tx.parts().keySet());
          silent.removeAll(w.votes().keySet());
          decide(step, tx, false, "no vote from " + silent + " within "
              + settings.voteTimeout().toMillis() + " ms");
        } else if (!now.isBefore(w.since().plus(settings.retry()))) {
          Set<NodeId> silent = new TreeSet<>(tx.parts().keySet());
          silent.removeAll(w.votes().keySet());
          requestVotes(tx, silent);
        }
      } else {
        Set<NodeId> acked = acks.computeIfAbsent(tx.txId(), id -> new HashSet<>());
        boolean commit = tx.state() == CoordinatorState.COMMIT;
        tx.parts().keySet().stream().filter(n -> !acked.contains(n))
            .forEach(n -> send(n, new GlobalDecision(tx.txId(), self(), commit)));
      }
    }
    for (Map.Entry<String, Initial> e : List.copyOf(initial.entrySet())) {
      if (!now.isBefore(e.getValue().since().plus(settings.initTimeout()))) {
        abortUnilaterally(step, e.getKey(), e.getValue().coordinator());
      }
    }
    for (ParticipantTx tx : ready(state)) {
      Instant since = readySince.computeIfAbsent(tx.txId(), id -> now);
      if (!now.isBefore(since.plus(settings.retry()))) {
        DecisionRequest ask = new DecisionRequest(tx.txId(), tx.coordinator(), self());
        send(tx.coordinator(), ask);
        if (!now.isBefore(since.plus(settings.blockedAfter()))) {
          tx.participants().stream().filter(n -> !n.equals(self()) && !n.equals(tx.coordinator()))
              .forEach(n -> send(n, ask));
        }
      }
    }
    return run(step);
  }

  private Collection<CoordinatorTx> coordinatorLog(TpcState state) {
    Map<String, CoordinatorTx> all = new TreeMap<>(state.coordinating());
    all.putAll(unlogged);
    return all.values();
  }

  private static List<ParticipantTx> ready(TpcState state) {
    return state.participating().values().stream()
        .filter(tx -> tx.state() == ParticipantState.READY)
        .sorted((a, b) -> a.txId().compareTo(b.txId()))
        .toList();
  }

  // ---------------------------------------------------------------- status

  private Effect<Event, TpcState> onGetStatus(TpcState state, GetStatus g) {
    Map<CoordinatorState, List<String>> coordinator = new EnumMap<>(CoordinatorState.class);
    starting.keySet().forEach(id -> list(coordinator, CoordinatorState.INIT, id));
    coordinatorLog(state).forEach(tx -> list(coordinator, tx.state(), tx.txId()));
    Map<ParticipantState, List<String>> participant = new EnumMap<>(ParticipantState.class);
    initial.keySet().forEach(id -> list(participant, ParticipantState.INIT, id));
    new TreeMap<>(state.participating()).values().forEach(tx -> list(participant, tx.state(), tx.txId()));
    Instant now = now();
    List<String> blocked = new ArrayList<>();
    for (ParticipantTx tx : ready(state)) {
      Instant since = readySince.getOrDefault(tx.txId(), now);
      if (!now.isBefore(since.plus(settings.blockedAfter()))) {
        List<NodeId> others = tx.participants().stream().filter(n -> !n.equals(self())).toList();
        blocked.add(tx.txId() + " READY since " + since + ", coordinator " + tx.coordinator()
            + " unreachable; asked " + others + ", none knows the outcome");
      }
    }
    g.replyTo().tell(new Status(self(), coordinator, participant, blocked, new TreeMap<>(state.values()),
        locks(state)));
    return Effect().none();
  }

  private static <S> void list(Map<S, List<String>> byState, S state, String txId) {
    byState.computeIfAbsent(state, s -> new ArrayList<>()).add(txId);
  }

  /** Which transaction locks each key: the READY ones (logged) and those in INIT. */
  private Map<String, String> locks(TpcState state) {
    Map<String, String> locks = new TreeMap<>();
    ready(state).forEach(tx -> tx.part().keys().forEach(k -> locks.put(k, tx.txId())));
    initial.forEach((id, init) -> init.part().keys().forEach(k -> locks.put(k, id)));
    return locks;
  }

  // ---------------------------------------------------------------- plumbing

  private Effect<Event, TpcState> run(Step step) {
    return PersistThen.persistThen(Effect(), step.events, s -> step.then.forEach(Runnable::run));
  }

  private void send(NodeId node, Command message) {
    if (node.equals(self())) {
      context.getSelf().tell(message);
    } else {
      peers.tell(node, message);
    }
  }

  private void answer(Object reply) {
    if (reply instanceof KvReply kv) {
      upcalls.tell(kv);
    } else {
      report((Upcall) reply);
    }
  }

  private void report(Upcall upcall) {
    if (transactions != null) {
      transactions.tell(upcall);
    }
  }

  private Instant now() {
    return env.clock().instant();
  }

  private NodeId self() {
    return peers.self();
  }
}
