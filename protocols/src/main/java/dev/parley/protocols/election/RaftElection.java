package dev.parley.protocols.election;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.Effect;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import dev.parley.protocols.core.Durable;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * Raft's leader election (Ongaro and Ousterhout 2014, section 5.2), with terms and votes persisted.
 *
 * <p>Model: partial synchrony (delays eventually bounded), links that lose, delay, duplicate and
 * reorder, crash-recovery servers with stable storage. Time is split into terms. A follower that
 * hears no leader for a randomised election timeout (uniform in [{@code electionTimeoutMin}, {@code
 * electionTimeoutMax}), drawn from the node's seeded random) starts a new term, votes for itself and
 * asks every other server for its vote ({@link RequestVote}); a server grants at most one vote per
 * term, to a candidate whose log is at least as up to date as its own, and persists the vote (and any
 * newer term) before it answers. A candidate with votes from a majority is leader for the term and
 * sends empty {@link AppendEntries} (heartbeats) every {@code heartbeat}; any server seeing a newer
 * term adopts it and becomes a follower. The election timeout is the failure detector.
 *
 * <p>Guarantees: election safety: at most one leader per term, across crashes and restarts, since
 * each server's one vote per term is on disk before it leaves the server, and two majorities
 * overlap. A minority side of a partition never elects anyone. Liveness: once the network is stable
 * (delays well under the timeout) a leader is elected within a few timeouts with high probability,
 * the randomisation splitting the votes rarely. Cost: one round of 2(N-1) messages (requests and
 * replies) per election attempt, plus N-1 heartbeats (and replies) per interval.
 *
 * <p>Log replication ({@code dev.parley.protocols.replication.RaftKv}) shares its persistent
 * {@link RaftState} (term and vote), the up-to-date rule of {@link LogPosition} and the timeouts of
 * {@link Settings}; there {@code AppendEntries} carries entries and the log's last position enters
 * the vote, here the log is empty ({@link #lastLog()}).
 */
public final class RaftElection
    extends EventSourcedBehavior<RaftElection.Command, RaftElection.Event, RaftState> {

  /** Downcalls, wire messages and timers: the protocol's whole vocabulary. */
  public sealed interface Command extends WireMessage
      permits RequestVote, VoteReply, AppendEntries, AppendReply, GetStatus, Timer {}

  /** {@code candidate} asks for a vote in {@code term}; its log ends at {@code lastLog}. */
  public record RequestVote(long term, NodeId candidate, LogPosition lastLog) implements Command {}

  /** {@code from}'s answer to a vote request: its current term, and whether it voted for the candidate. */
  public record VoteReply(long term, NodeId from, boolean granted) implements Command {}

  /** The leader of {@code term}'s heartbeat (an AppendEntries with no entries). */
  public record AppendEntries(long term, NodeId leader) implements Command {}

  /** {@code from}'s answer to AppendEntries: its current term, and whether it took the leader. */
  public record AppendReply(long term, NodeId from, boolean success) implements Command {}

  private enum Timer implements Command { ELECTION, HEARTBEAT }

  /** What is persisted: a server's term and vote change only through these. */
  public sealed interface Event extends WireMessage permits TermStarted, Voted {}

  /** The server moved to {@code term} (no vote cast in it yet). */
  public record TermStarted(long term) implements Event {}

  /** The server voted for {@code candidate} in {@code term}. */
  public record Voted(long term, NodeId candidate) implements Event {}

  /**
   * @param heartbeat how often a leader sends AppendEntries
   * @param electionTimeoutMin the shortest election timeout
   * @param electionTimeoutMax the longest (exclusive); each timeout is drawn uniformly between them
   */
  public record Settings(Duration heartbeat, Duration electionTimeoutMin, Duration electionTimeoutMax) {
    public Settings {
      Objects.requireNonNull(heartbeat, "heartbeat");
      Objects.requireNonNull(electionTimeoutMin, "electionTimeoutMin");
      Objects.requireNonNull(electionTimeoutMax, "electionTimeoutMax");
      if (heartbeat.isZero() || heartbeat.isNegative() || electionTimeoutMin.compareTo(heartbeat) <= 0
          || electionTimeoutMax.compareTo(electionTimeoutMin) <= 0) {
        throw new IllegalArgumentException("raft needs 0 < heartbeat < electionTimeoutMin < "
            + "electionTimeoutMax, got " + this);
      }
    }

    /** A randomised election timeout, uniform in [electionTimeoutMin, electionTimeoutMax). */
    public Duration drawElectionTimeout(Random random) {
      long min = electionTimeoutMin.toNanos();
      long span = electionTimeoutMax.toNanos() - min;
      return Duration.ofNanos(min + (long) (random.nextDouble() * span));
    }
  }

  private enum Phase { FOLLOWER, CANDIDATE, LEADER }

  /**
   * The election of {@code peers.self()} in the Raft group named {@code group} (the persistence id is
   * {@code raft-election|<group>/<node>}, so several groups can share one journal).
   */
  public static Behavior<Command> create(String group, Peers<Command> peers, NodeEnv env,
      Settings settings, ActorRef<LeaderElected> listener) {
    return Durable.of((context, timers) ->
        new RaftElection(group, timers, peers, env, settings, listener));
  }

  private final TimerScheduler<Command> timers;
  private final Peers<Command> peers;
  private final NodeEnv env;
  private final Settings settings;
  private final ActorRef<LeaderElected> listener;
  private final Set<NodeId> votes = new HashSet<>();
  private final Map<NodeId, Long> lastReplyMillis = new HashMap<>();
  private Phase phase = Phase.FOLLOWER;
  private NodeId leader;
  private long announcedTerm = -1;

  private RaftElection(String group, TimerScheduler<Command> timers,
      Peers<Command> peers, NodeEnv env, Settings settings, ActorRef<LeaderElected> listener) {
    super(PersistenceId.of("raft-election", group + "/" + peers.self().name()));
    this.timers = timers;
    this.peers = peers;
    this.env = env;
    this.settings = settings;
    this.listener = listener;
    resetElectionTimer();
  }

  @Override
  public RaftState emptyState() {
    return RaftState.INITIAL;
  }

  @Override
  public CommandHandler<Command, Event, RaftState> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(RequestVote.class, this::onRequestVote)
        .onCommand(VoteReply.class, this::onVoteReply)
        .onCommand(AppendEntries.class, this::onAppendEntries)
        .onCommand(AppendReply.class, this::onAppendReply)
        .onCommand(GetStatus.class, this::onGetStatus)
        .onCommand(Timer.class, this::onTimer)
        .build();
  }

  @Override
  public EventHandler<RaftState, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(TermStarted.class, (state, e) -> state.startTerm(e.term()))
        .onEvent(Voted.class, (state, e) -> state.vote(e.candidate()))
        .build();
  }

  /** Where the log ends: empty for the election alone. */
  LogPosition lastLog() {
    return LogPosition.EMPTY;
  }

  // ---------------------------------------------------------------- votes

  private Effect<Event, RaftState> onRequestVote(RaftState state, RequestVote rv) {
    List<Event> events = new ArrayList<>();
    RaftState s = adopt(state, rv.term(), events);
    boolean grant = s.grantsVote(rv.term(), rv.candidate(), rv.lastLog(), lastLog());
    if (grant && s.votedFor() == null) {
      events.add(new Voted(rv.term(), rv.candidate()));
    }
    long term = s.term();
    return persistThen(events, () -> {
      if (grant) {
        resetElectionTimer();
      }
      peers.tell(rv.candidate(), new VoteReply(term, self(), grant));
    });
  }

  private Effect<Event, RaftState> onVoteReply(RaftState state, VoteReply vr) {
    if (vr.term() > state.term()) {
      return persistThen(List.of(new TermStarted(vr.term())), this::becomeFollower);
    }
    if (phase == Phase.CANDIDATE && vr.term() == state.term() && vr.granted()) {
      votes.add(vr.from());
      if (isMajority(votes.size())) {
        becomeLeader(state.term());
      }
    }
    return Effect().none();
  }

  // ---------------------------------------------------------------- heartbeats

  private Effect<Event, RaftState> onAppendEntries(RaftState state, AppendEntries ae) {
    if (ae.term() < state.term()) {
      peers.tell(ae.leader(), new AppendReply(state.term(), self(), false));
      return Effect().none();
    }
    List<Event> events = new ArrayList<>();
    adopt(state, ae.term(), events);
    return persistThen(events, () -> {
      if (phase != Phase.FOLLOWER) {
        becomeFollower();
      } else {
        resetElectionTimer();
      }
      follow(ae.leader(), ae.term());
      peers.tell(ae.leader(), new AppendReply(ae.term(), self(), true));
    });
  }

  private Effect<Event, RaftState> onAppendReply(RaftState state, AppendReply ar) {
    if (ar.term() > state.term()) {
      return persistThen(List.of(new TermStarted(ar.term())), this::becomeFollower);
    }
    lastReplyMillis.put(ar.from(), env.clock().millis());
    return Effect().none();
  }

  // ---------------------------------------------------------------- timers and roles

  private Effect<Event, RaftState> onTimer(RaftState state, Timer t) {
    if (t == Timer.HEARTBEAT) {
      if (phase == Phase.LEADER) {
        peers.tellOthers(new AppendEntries(state.term(), self()));
      }
      return Effect().none();
    }
    if (phase == Phase.LEADER) {
      return Effect().none();
    }
    long term = state.term() + 1;
    return persistThen(List.of(new TermStarted(term), new Voted(term, self())), () -> becomeCandidate(term));
  }

  private void becomeCandidate(long term) {
    phase = Phase.CANDIDATE;
    leader = null;
    votes.clear();
    votes.add(self());
    resetElectionTimer();
    if (isMajority(votes.size())) {
      becomeLeader(term);
    } else {
      peers.tellOthers(new RequestVote(term, self(), lastLog()));
    }
  }

  private void becomeLeader(long term) {
    phase = Phase.LEADER;
    timers.cancel(Timer.ELECTION);
    lastReplyMillis.clear();
    follow(self(), term);
    peers.tellOthers(new AppendEntries(term, self()));
    timers.startTimerWithFixedDelay(Timer.HEARTBEAT, settings.heartbeat());
  }

  private void becomeFollower() {
    phase = Phase.FOLLOWER;
    timers.cancel(Timer.HEARTBEAT);
    resetElectionTimer();
  }

  private void follow(NodeId newLeader, long term) {
    leader = newLeader;
    if (term != announcedTerm) {
      announcedTerm = term;
      listener.tell(new LeaderElected(self(), newLeader, term));
    }
  }

  private void resetElectionTimer() {
    timers.startSingleTimer(Timer.ELECTION, settings.drawElectionTimeout(env.random()));
  }

  /** A newer term seen in a message: adopt it (as an event) and become a follower. */
  private RaftState adopt(RaftState state, long term, List<Event> events) {
    if (term <= state.term()) {
      return state;
    }
    events.add(new TermStarted(term));
    if (phase == Phase.LEADER) {
      resetElectionTimer(); // a leader runs none; deposed, it may be the one to campaign (the longest log)
    }
    if (phase != Phase.FOLLOWER) {
      phase = Phase.FOLLOWER;
      timers.cancel(Timer.HEARTBEAT);
    }
    leader = null;
    return state.startTerm(term);
  }

  private boolean isMajority(int count) {
    return count > peers.size() / 2;
  }

  private Effect<Event, RaftState> persistThen(List<Event> events, Runnable then) {
    if (events.isEmpty()) {
      then.run();
      return Effect().none();
    }
    return Effect().persist(events).thenRun(after -> then.run());
  }

  // ---------------------------------------------------------------- status

  private Effect<Event, RaftState> onGetStatus(RaftState state, GetStatus g) {
    Role role = switch (phase) {
      case LEADER -> Role.LEADER;
      case CANDIDATE -> Role.ELECTING;
      case FOLLOWER -> leader == null ? Role.ELECTING : Role.FOLLOWER;
    };
    TreeSet<NodeId> suspects = new TreeSet<>();
    if (phase == Phase.LEADER) {
      long now = env.clock().millis();
      long silence = settings.electionTimeoutMax().toMillis();
      for (NodeId peer : peers.others()) {
        Long last = lastReplyMillis.get(peer);
        if (last == null || now - last > silence) {
          suspects.add(peer);
        }
      }
    }
    g.replyTo().tell(new ElectionStatus(self(), role, leader, state.term(), suspects));
    return Effect().none();
  }

  private NodeId self() {
    return peers.self();
  }
}
