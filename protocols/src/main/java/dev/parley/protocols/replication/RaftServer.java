package dev.parley.protocols.replication;

import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.RecoveryCompleted;
import akka.persistence.typed.RecoveryFailed;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.Effect;
import akka.persistence.typed.javadsl.EffectFactories;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import akka.persistence.typed.javadsl.RetentionCriteria;
import akka.persistence.typed.javadsl.SignalHandler;
import dev.parley.protocols.core.Durable;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.PayloadCodec;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WriteAhead;
import dev.parley.protocols.election.RaftState;
import dev.parley.protocols.election.Role;
import dev.parley.protocols.replication.Raft.Event;
import dev.parley.protocols.replication.Raft.State;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One Raft replica as an event-sourced behavior (the algorithm, its model and cost: {@link Raft}):
 * its making, the journal plumbing and the event handler ({@link State#apply}), the dispatch of
 * messages to the roles, what the roles share (phase, leader, commit index) and the moves between
 * roles. The roles: {@link RaftVoting} (election), {@link RaftLeader} and {@link RaftFollower} (log
 * replication), {@link RaftApplier} (the state machine).
 */
final class RaftServer<S, C, R> extends EventSourcedBehavior<Raft.Command, Event, State> {

  enum Phase { FOLLOWER, CANDIDATE, LEADER }

  final ActorContext<Raft.Command> context;
  final TimerScheduler<Raft.Command> timers;
  final Peers<Raft.Command> peers;
  final NodeEnv env;
  final Raft.Settings settings;
  final Raft.Frontend<S, C, R> frontend;
  final EffectFactories<Event, State> effects;
  private final WriteAhead<Raft.Command, Event, State> writes;
  final RaftVoting voting;
  final RaftLeader<C> leading;
  final RaftFollower following;
  final RaftApplier<S, C, R> applier;
  private final String persistenceId;
  Phase phase = Phase.FOLLOWER;
  /** The leader this node knows in its current term (null: none). */
  NodeId leader;
  /** The highest index this node knows committed. */
  long commitIndex;
  private long announcedTerm = -1;
  /**
   * When the election timer armed last is due. A timeout that fired while a persist was under way
   * waits in the persist's stash; if the persist's callback armed the timer again (a vote granted, a
   * split seen), that timeout is stale and must not start a term: it would depose the candidate this
   * node just voted for.
   */
  private Instant electionDue = Instant.EPOCH;
  private PayloadCodec codec;
  private boolean recoveryFailureReported;

  RaftServer(String persistenceType, String id, ActorContext<Raft.Command> context,
      TimerScheduler<Raft.Command> timers, Peers<Raft.Command> peers, NodeEnv env, Raft.Settings settings,
      StateMachine<S, C, R> machine, Raft.Frontend<S, C, R> frontend,
      Function<RaftServer<S, C, R>, RaftLeader<C>> leaderRole, Function<RaftServer<?, ?, ?>, RaftFollower> followerRole) {
    super(PersistenceId.of(persistenceType, id));
    this.persistenceId = persistenceType + "|" + id;
    this.context = context;
    this.timers = timers;
    this.peers = peers;
    this.env = env;
    this.settings = settings;
    this.frontend = frontend;
    this.effects = Effect();
    this.writes = new WriteAhead<>(effects);
    this.voting = new RaftVoting(this);
    this.leading = leaderRole.apply(this);
    this.following = followerRole.apply(this);
    this.applier = new RaftApplier<>(this, machine);
    resetElectionTimer();
  }

  /**
   * The replica of {@code peers.self()} in the Raft group {@code group}, its persistence id {@code
   * <persistenceType>|<group>/<node>}: {@link Raft#create(String, String, Peers, NodeEnv, Raft.Settings,
   * StateMachine, Raft.Frontend)}, with the leader's and the follower's roles that {@code leaderRole} and
   * {@code followerRole} make.
   */
  static <S, C, R> Behavior<Raft.Command> behavior(String persistenceType, String group, Peers<Raft.Command> peers,
      NodeEnv env, Raft.Settings settings, StateMachine<S, C, R> machine, Raft.Frontend<S, C, R> frontend,
      Function<RaftServer<S, C, R>, RaftLeader<C>> leaderRole, Function<RaftServer<?, ?, ?>, RaftFollower> followerRole) {
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(machine, "machine");
    Objects.requireNonNull(frontend, "frontend");
    String id = Objects.requireNonNull(group, "group") + "/" + peers.self().name();
    return Durable.of((context, timers) -> new RaftServer<>(persistenceType, id, context, timers, peers, env,
        settings, machine, frontend, leaderRole, followerRole));
  }

  /** The state after {@code event}: {@link State#apply}, the event handler, also for replaying a journal. */
  static State next(State state, Event event) {
    RaftState vote = state.vote();
    RaftLog log = state.log();
    if (event instanceof Raft.TermStarted t) {
      return new State(vote.startTerm(t.term()), log);
    } else if (event instanceof Raft.Voted v) {
      return new State(vote.vote(v.candidate()), log);
    } else if (event instanceof Raft.EntriesAppended a) {
      return new State(vote, log.append(a.entries()));
    } else if (event instanceof Raft.LogTruncated t) {
      return new State(vote, log.truncateFrom(t.from()));
    }
    Raft.SnapshotTaken s = (Raft.SnapshotTaken) event;
    return new State(vote, log.compact(s.last(), s.snapshot()));
  }

  @Override
  public State emptyState() {
    return State.INITIAL;
  }

  /** The journal keeps a snapshot every {@code snapshotInterval} events and deletes the events before. */
  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(settings.snapshotInterval(), 2).withDeleteEventsOnSnapshot();
  }

  /** A compaction is checkpointed at once: the journal's snapshot is then the machine and a short log. */
  @Override
  public boolean shouldSnapshot(State state, Event event, long sequenceNr) {
    return event instanceof Raft.SnapshotTaken;
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), applier::restoreSnapshot)
        .onSignal(RecoveryFailed.class, (state, failed) -> reportRecoveryFailure(failed.getFailure()))
        .build();
  }

  /** Once (Akka signals a failed recovery more than once): what was wrong, and what to do. */
  private void reportRecoveryFailure(Throwable failure) {
    if (!recoveryFailureReported) {
      recoveryFailureReported = true;
      context.getLog().error("Raft replica {} cannot read its journal, so it stays down: {}. A journal written "
          + "by a Parley from before Raft took any state machine (or a damaged one) cannot be read. To start this "
          + "node afresh, delete its journal (its data directory, or the rows of persistence id {}); once it is "
          + "back, the leader sends it the log.", persistenceId, failure.toString(), persistenceId);
    }
  }

  @Override
  public CommandHandler<Raft.Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Raft.Submit.class, this::onSubmit)
        .onCommand(Raft.RequestVote.class, voting::onRequestVote)
        .onCommand(Raft.VoteReply.class, voting::onVoteReply)
        .onCommand(Raft.AppendEntries.class, following::onAppendEntries)
        .onCommand(Raft.AppendReply.class, leading::onAppendReply)
        .onCommand(Raft.InstallSnapshot.class, following::onInstallSnapshot)
        .onCommand(Raft.InstallSnapshotReply.class, leading::onInstallSnapshotReply)
        .onCommand(Raft.GetStatus.class, (state, g) -> {
          g.replyTo().tell(status(state));
          return effects.none();
        })
        .onCommand(Raft.Downcall.class, (state, d) -> {
          frontend.onDowncall(d, new View(state));
          return effects.none();
        })
        .onCommand(Raft.Timer.class, this::onTimer)
        .build();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(State::apply);
  }

  private Effect<Event, State> onTimer(State state, Raft.Timer timer) {
    return switch (timer) {
      case ELECTION_TIMEOUT -> onElectionTimeout(state);
      case HEARTBEAT -> {
        applier.compactIfDue(state.log());
        yield leading.onHeartbeat(state);
      }
      case FLUSH -> leading.onFlush(state);
      case COMPACT -> applier.onCompact(state);
    };
  }

  @SuppressWarnings("unchecked")
  private Effect<Event, State> onSubmit(State state, Raft.Submit submit) {
    submit((C) submit.command());
    return effects.none();
  }

  /** A client's command: the leader takes it into its next batch, reads too; others refuse it. */
  void submit(C command) {
    if (phase != Phase.LEADER) {
      frontend.notApplied(command, leader);
    } else {
      leading.propose(command);
    }
  }

  // ---------------------------------------------------------------- moves between roles

  /** Follows {@code newLeader} of {@code term} (null: none known yet); what it took as leader is abandoned. */
  void becomeFollower(NodeId newLeader, long term) {
    phase = Phase.FOLLOWER;
    leader = newLeader;
    timers.cancel(Raft.Timer.HEARTBEAT);
    resetElectionTimer();
    leading.abandon();
    announce(term);
  }

  /** Leads: every follower is assumed to hold the whole log until it says otherwise; a no-op goes first. */
  void becomeLeader(State state) {
    phase = Phase.LEADER;
    leader = self();
    timers.cancel(Raft.Timer.ELECTION_TIMEOUT);
    leading.start(state);
    timers.startTimerWithFixedDelay(Raft.Timer.HEARTBEAT, settings.election().heartbeat());
    announce(state.term());
  }

  private void announce(long term) {
    if (leader != null && term != announcedTerm) {
      announcedTerm = term;
      frontend.leaderKnown(leader, term);
    }
  }

  /** A newer term seen in a message: adopt it (as an event) and become a follower. */
  State adopt(State state, long term, List<Event> events) {
    if (term <= state.term()) {
      return state;
    }
    events.add(new Raft.TermStarted(term));
    if (phase == Phase.LEADER) {
      resetElectionTimer(); // a leader runs none; deposed, it may be the one to campaign (the longest log)
    }
    if (phase != Phase.FOLLOWER) {
      phase = Phase.FOLLOWER;
      timers.cancel(Raft.Timer.HEARTBEAT);
    }
    leader = null;
    leading.abandon();
    return new State(state.vote().startTerm(term), state.log());
  }

  void resetElectionTimer() {
    armElectionTimer(settings.election().drawElectionTimeout(env.random()));
  }

  /** A candidate whose term's vote is split stands again sooner than a whole election timeout. */
  void retryAfterSplitVote() {
    armElectionTimer(settings.election().drawSplitVoteRetry(env.random()));
  }

  private void armElectionTimer(Duration after) {
    electionDue = env.now().plus(after);
    timers.startSingleTimer(Raft.Timer.ELECTION_TIMEOUT, after);
  }

  /**
   * An election timeout that comes more than half a heartbeat before the timer armed last is due
   * (timers fire at their time or after it, never before) is one of a timer armed again since it
   * fired: it starts no term. The timer is armed again for what is left of it, at most a whole
   * election timeout, so that a wall clock set back meanwhile delays the node by no more than that.
   */
  private Effect<Event, State> onElectionTimeout(State state) {
    Duration left = Duration.between(env.now(), electionDue);
    if (left.compareTo(settings.election().heartbeat().dividedBy(2)) > 0) {
      Duration longest = settings.election().electionTimeoutMax();
      armElectionTimer(left.compareTo(longest) > 0 ? longest : left);
      return effects.none();
    }
    return voting.onElectionTimeout(state);
  }

  boolean isMajority(int count) {
    return count > peers.size() / 2;
  }

  /** Persist, then act: nothing is sent or answered on a vote, term or entry not yet written. */
  Effect<Event, State> persistThen(List<Event> events, Consumer<State> then) {
    return writes.then(events, then);
  }

  NodeId self() {
    return peers.self();
  }

  /** How this node serializes the snapshots it sends and reads the ones it receives (found at first use). */
  PayloadCodec codec() {
    if (codec == null) {
      codec = env.codec(context.getSystem());
    }
    return codec;
  }

  // ---------------------------------------------------------------- status

  RaftStatus status(State state) {
    Role role = switch (phase) {
      case LEADER -> Role.LEADER;
      case CANDIDATE -> Role.ELECTING;
      case FOLLOWER -> leader == null ? Role.ELECTING : Role.FOLLOWER;
    };
    RaftLog log = state.log();
    return new RaftStatus(self(), role, state.term(), state.vote().votedFor(), leader, commitIndex,
        applier.lastApplied(), log.firstIndex(), log.lastIndex(), log.last().term(), log.snapshot().index(),
        phase == Phase.LEADER ? leading.silent() : new TreeSet<>());
  }

  /** The replica as its frontend sees it while it handles one downcall. */
  private final class View implements Raft.Replica<S, C> {
    private final State state;

    View(State state) {
      this.state = state;
    }

    @Override
    public NodeId self() {
      return RaftServer.this.self();
    }

    @Override
    public void submit(C command) {
      RaftServer.this.submit(command);
    }

    @Override
    public RaftStatus status() {
      return RaftServer.this.status(state);
    }

    @Override
    public S state() {
      return applier.state();
    }
  }
}
