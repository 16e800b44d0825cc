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
import dev.parley.protocols.core.WireMessage;
import dev.parley.protocols.core.WriteAhead;
import dev.parley.protocols.replication.TpcNode.Step;
import dev.parley.protocols.replication.TpcState.Part;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
 * transaction it has no record of answers ABORT (presumed abort; it logs that only when the
 * transaction is still in INIT, so a late question about a forgotten transaction never records a
 * second, different decision).
 *
 * <p>Forgetting. Once every participant acknowledged the decision the coordinator logs the end and
 * tells them {@link Ended}; each logs that ({@link ParticipantEnded}) and acknowledges again, every
 * {@code blockedAfter}, until it hears it (a participant's Ack of a transaction its coordinator has
 * finished or forgotten is answered {@link Ended}). Both then keep the finished transaction in a
 * window of the last {@code keepEnded} (default 10,000) and drop it after: the state stays bounded
 * ({@link TpcState}). Within the window a client's retry is answered with the outcome and a late
 * message as before; a participant forgets only what every participant has, so cooperative
 * termination never asks it about a forgotten decision. What the window assumes: no client retry and
 * no message delayed past {@code keepEnded} later transactions of the same node (as TCP's TIME-WAIT
 * assumes a bound on a segment's life); such a retry is taken as a new transaction.
 *
 * <p>Guarantees: atomic commitment (all participants decide alike; COMMIT only if all voted YES),
 * across crashes, restarts and lossy links; a single-key request is linearizable (the key is locked
 * from the work's arrival to the decision, and a read is answered at the decision). Liveness: every
 * transaction ends once its coordinator is up and the links deliver; a coordinator down with all
 * participants READY blocks them (2PC is a blocking protocol). Cost per transaction with P remote
 * participants: 7P messages (the work and its answer, then textbook 2PC's 4P: vote request,
 * vote, decision, acknowledgement, then the end; the coordinator's own partition costs none) and,
 * in journal writes, 3 at the coordinator (WAIT, decision, end), 3 per participant voting YES
 * (READY, the decision, the end) and 2 per NO (ABORT, the end). Snapshots every 1,000 events, of a
 * bounded state.
 *
 * <p>Files by role: this one (vocabulary, wiring, status), {@link TpcCoordinator}, {@link
 * TpcParticipant}, {@link TpcNode} (what both share: peers, clock, journal) and {@link TpcState}
 * (the logs).
 */
public final class TwoPhaseCommit
    extends EventSourcedBehavior<TwoPhaseCommit.Command, TwoPhaseCommit.Event, TpcState> {

  /** Downcalls, wire messages and the timer. */
  public sealed interface Command extends WireMessage
      permits Request, Transact, GetStatus, Begin, Joined, VoteRequest, Voted, GlobalDecision, Ack, Ended,
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

  /**
   * Coordinator to participant: every participant of {@code txId} has the decision (or the
   * coordinator no longer knows it, having finished it), so nobody will ask for it: forget it.
   */
  public record Ended(String txId, NodeId coordinator) implements Command {}

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
      permits CoordinatorWaiting, CoordinatorDecided, CoordinatorEnded, ParticipantReady, ParticipantDecided,
          ParticipantEnded {}

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

  /** The coordinator said {@code txId} ended: the participant's record joins its window of finished ones. */
  public record ParticipantEnded(String txId) implements Event {}

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
   * @param keepEnded how many finished transactions the coordinator and the participant each keep
   *     (older ones are forgotten: {@link TpcState}); a client's retry of a transaction, or a message
   *     delayed, past this many later ones of the same node is no longer recognised
   */
  public record Settings(Duration retry, Duration voteTimeout, Duration initTimeout, Duration blockedAfter,
      int keepEnded) {

    public static final Settings DEFAULT = new Settings(Duration.ofMillis(50), Duration.ofSeconds(1),
        Duration.ofSeconds(1), Duration.ofMillis(500));

    /** These timings, keeping {@link TpcState#DEFAULT_KEEP_ENDED} finished transactions. */
    public Settings(Duration retry, Duration voteTimeout, Duration initTimeout, Duration blockedAfter) {
      this(retry, voteTimeout, initTimeout, blockedAfter, TpcState.DEFAULT_KEEP_ENDED);
    }

    /** These settings, keeping {@code keepEnded} finished transactions per role. */
    public Settings withKeepEnded(int keepEnded) {
      return new Settings(retry, voteTimeout, initTimeout, blockedAfter, keepEnded);
    }

    public Settings {
      if (keepEnded < 1) {
        throw new IllegalArgumentException("two-phase commit's keepEnded must be at least 1, got " + keepEnded
            + ": how many finished transactions each node keeps to answer late retries and messages");
      }
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
    return create(group, peers, env, settings, upcalls, transactions, TpcCoordinator::new);
  }

  /** A node whose coordinator {@code coordinator} makes (a variant's, in specs). */
  static Behavior<Command> create(String group, Peers<Command> peers, NodeEnv env, Settings settings,
      ActorRef<KvReply> upcalls, ActorRef<Upcall> transactions, TpcCoordinator.Maker coordinator) {
    return create(group, peers, env, settings, upcalls, transactions, coordinator, TpcParticipant::new);
  }

  /** A node whose coordinator and participant the makers make (variants', in specs). */
  static Behavior<Command> create(String group, Peers<Command> peers, NodeEnv env, Settings settings,
      ActorRef<KvReply> upcalls, ActorRef<Upcall> transactions, TpcCoordinator.Maker coordinator,
      TpcParticipant.Maker participant) {
    Objects.requireNonNull(settings, "settings");
    return Durable.of((context, timers) -> new TwoPhaseCommit(group, peers, env, settings, upcalls, transactions,
        coordinator, participant, context, timers));
  }

  private final TpcNode node;
  private final TpcCoordinator coordinator;
  private final TpcParticipant participant;
  private final Settings settings;

  private TwoPhaseCommit(String group, Peers<Command> peers, NodeEnv env, Settings settings,
      ActorRef<KvReply> upcalls, ActorRef<Upcall> transactions, TpcCoordinator.Maker coordinator,
      TpcParticipant.Maker participant, ActorContext<Command> context, TimerScheduler<Command> timers) {
    super(PersistenceId.of("two-phase-commit", group + "/" + peers.self().name()));
    this.settings = settings;
    this.node = new TpcNode(peers, env, settings, new WriteAhead<>(Effect()), context, upcalls, transactions);
    this.coordinator = coordinator.make(node);
    this.participant = participant.make(node);
    timers.startTimerWithFixedDelay(Tick.INSTANCE, settings.retry());
  }

  @Override
  public TpcState emptyState() {
    return TpcState.empty(settings.keepEnded());
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(1_000, 2);
  }

  @Override
  public CommandHandler<Command, Event, TpcState> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Request.class, coordinator::onRequest)
        .onCommand(Transact.class, coordinator::onTransact)
        .onCommand(Begin.class, participant::onBegin)
        .onCommand(Joined.class, coordinator::onJoined)
        .onCommand(VoteRequest.class, participant::onVoteRequest)
        .onCommand(Voted.class, coordinator::onVoted)
        .onCommand(GlobalDecision.class, participant::onGlobalDecision)
        .onCommand(Ack.class, coordinator::onAck)
        .onCommand(Ended.class, participant::onEnded)
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
    return newSignalHandlerBuilder().onSignal(RecoveryCompleted.instance(), participant::recovered).build();
  }

  /** A READY participant asks: this node as its coordinator, or as a fellow participant. */
  private Effect<Event, TpcState> onDecisionRequest(TpcState state, DecisionRequest r) {
    return r.coordinator().equals(node.self())
        ? coordinator.onDecisionRequest(state, r) : participant.onDecisionRequest(state, r);
  }

  /** Timeouts and retries of both sides, with what they log written at once. */
  private Effect<Event, TpcState> onTick(TpcState state) {
    Instant now = node.now();
    Step step = new Step();
    coordinator.onTick(state, step, now);
    participant.onTick(state, step, now);
    return node.run(step, state);
  }

  private Effect<Event, TpcState> onGetStatus(TpcState state, GetStatus g) {
    g.replyTo().tell(new Status(node.self(), coordinator.byState(state), participant.byState(state),
        participant.blocked(state), new TreeMap<>(state.values()), participant.locks(state)));
    return Effect().none();
  }
}
