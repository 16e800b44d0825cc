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
import dev.parley.protocols.election.LogPosition;
import dev.parley.protocols.election.RaftElection;
import dev.parley.protocols.election.RaftState;
import dev.parley.protocols.election.Role;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Raft (Ongaro and Ousterhout 2014): a key-value store replicated as a log of client requests that
 * a majority agrees on, with leader election (section 5.2), log replication (5.3), the election
 * restriction and commitment rules (5.4), and log compaction with snapshots (7).
 *
 * <p>Model: partial synchrony, links that lose, delay, duplicate and reorder, crash-recovery servers
 * whose term, vote and log are on disk (an event-sourced behavior: nothing is acted on before it is
 * persisted). The leader of a term takes clients' requests, appends them to its log, and sends each
 * follower the entries it lacks in {@link AppendEntries} (at most {@code maxEntriesPerAppend}, after
 * the entry at {@code prev}); a follower keeps them only if its log holds {@code prev} (the
 * consistency check), drops a conflicting suffix, persists, and answers its last matching index, or
 * where the leader should try next (its log's end, or the first entry of the conflicting term). An
 * entry of the leader's current term is committed once a majority's logs hold it, and with it every
 * entry before it; committed entries are applied in index order to the {@link KvStore}, and the
 * node the client asked answers it from there. A new leader first appends a no-op, which commits
 * the entries of earlier terms with it. Reads go through the log like writes, so a deposed leader
 * cannot answer one ({@link Reads#LEADER_LOCAL} trades that away). Every {@code snapshotInterval}
 * applied entries a node replaces its log's prefix by the store, and the journal takes a snapshot
 * (it also takes one every {@code snapshotInterval} events, deleting the events before); a
 * follower that needs entries the leader no longer has gets the store ({@link InstallSnapshot}).
 *
 * <p>Guarantees: at most one leader per term; log matching (two logs holding an entry with the same
 * index and term are identical up to it); a committed entry is in the log of every later leader, so
 * an acknowledged write survives any crashes short of a majority's disks; the store is linearizable.
 * A node that is not the leader answers {@link KvReply.NotLeader} naming the leader it knows; a
 * leader cut off from its majority answers nothing (its entries do not commit). Liveness once a
 * majority is up and connected with delays well under the election timeout.
 *
 * <p>Cost: per batch of requests one disk write at the leader and one at each follower (in parallel,
 * the leader counting itself once its own write is done), and N-1 AppendEntries and replies. The
 * leader batches: the requests that arrive while a batch is being replicated go to disk together as
 * the next one, and to each follower in one message ({@code maxBatchesInFlight} batches may be under
 * way at once; one by default). A snapshot travels whole in one InstallSnapshot, so on a cluster
 * the store must fit Artery's maximum frame size (256 KiB unless configured).
 */
public final class RaftKv extends EventSourcedBehavior<RaftKv.Command, RaftKv.Event, RaftKv.State> {

  /** Downcalls, wire messages and timers: the protocol's whole vocabulary. */
  public sealed interface Command extends WireMessage permits Request, GetStatus, RequestVote,
      VoteReply, AppendEntries, AppendReply, InstallSnapshot, Internal {}

  /** A client's request given to this node. */
  public record Request(KvRequest request) implements Command {}

  /** Reply with this node's {@link RaftKvStatus}. */
  public record GetStatus(ActorRef<RaftKvStatus> replyTo) implements Command {}

  /** {@code candidate} asks for a vote in {@code term}; its log ends at {@code lastLog}. */
  public record RequestVote(long term, NodeId candidate, LogPosition lastLog) implements Command {}

  /** {@code from}'s answer to a vote request: its current term, and whether it voted for the candidate. */
  public record VoteReply(long term, NodeId from, boolean granted) implements Command {}

  /**
   * The leader of {@code term} sends {@code entries}, which follow the entry at {@code prev} in its
   * log, and the index it knows committed. With no entries, a heartbeat.
   */
  public record AppendEntries(long term, NodeId leader, LogPosition prev, List<LogEntry> entries,
      long leaderCommit) implements Command {
    public AppendEntries {
      entries = List.copyOf(entries);
    }
  }

  /**
   * {@code from}'s answer to AppendEntries or InstallSnapshot: on success {@code index} is the last
   * index its log now shares with the leader's; on failure, the index the leader should send from.
   */
  public record AppendReply(long term, NodeId from, boolean success, long index) implements Command {}

  /** The leader's snapshot, for a follower that needs entries compacted away: the store at {@code last}. */
  public record InstallSnapshot(long term, NodeId leader, LogPosition last, KvStore store) implements Command {}

  private enum Internal implements Command {
    /** Timer: no leader heard from; stand for election. */
    ELECTION_TIMEOUT,
    /** Timer: the leader's AppendEntries round. */
    HEARTBEAT,
    /** To itself: append the requests taken since the last write, as one write. */
    FLUSH,
    /** To itself: replace the applied prefix of the log by a snapshot. */
    COMPACT
  }

  /** What is persisted: a server's term, vote and log change only through these. */
  public sealed interface Event extends WireMessage
      permits TermStarted, Voted, EntriesAppended, LogTruncated, SnapshotTaken {}

  /** The server moved to {@code term} (no vote cast in it yet). */
  public record TermStarted(long term) implements Event {}

  /** The server voted for {@code candidate} in {@code term}. */
  public record Voted(long term, NodeId candidate) implements Event {}

  /** {@code entries} appended after the log's last. */
  public record EntriesAppended(List<LogEntry> entries) implements Event {
    public EntriesAppended {
      entries = List.copyOf(entries);
    }
  }

  /** The entries from index {@code from} on removed (they conflicted with the leader's). */
  public record LogTruncated(long from) implements Event {}

  /** The log's prefix up to {@code last} replaced by the store there (taken, or installed from the leader). */
  public record SnapshotTaken(LogPosition last, KvStore store) implements Event {}

  /** The persistent state: term and vote, and the log. */
  public record State(RaftState vote, RaftLog log) implements WireMessage {

    public static final State INITIAL = new State(RaftState.INITIAL, RaftLog.EMPTY);

    public State {
      Objects.requireNonNull(vote, "vote");
      Objects.requireNonNull(log, "log");
    }

    public long term() {
      return vote.term();
    }

    /** The state after {@code event}: the event handler, also for replaying a journal. */
    public State apply(Event event) {
      if (event instanceof TermStarted t) {
        return new State(vote.startTerm(t.term()), log);
      } else if (event instanceof Voted v) {
        return new State(vote.vote(v.candidate()), log);
      } else if (event instanceof EntriesAppended a) {
        return new State(vote, log.append(a.entries()));
      } else if (event instanceof LogTruncated t) {
        return new State(vote, log.truncateFrom(t.from()));
      }
      SnapshotTaken s = (SnapshotTaken) event;
      return new State(vote, log.compact(s.last(), s.store()));
    }
  }

  /** How a leader answers a read. */
  public enum Reads {
    /** Through the log, as a write: linearizable. */
    LINEARIZABLE,
    /**
     * From the leader's store at once, without checking it is still the leader: fast, but a deposed
     * leader that does not know it yet answers stale values. Not linearizable; for comparison.
     */
    LEADER_LOCAL
  }

  /**
   * @param election heartbeat and election timeouts, as the election's
   * @param maxEntriesPerAppend the most entries one AppendEntries carries
   * @param maxBatchesInFlight how many batches the leader sends before the oldest is committed: 1
   *     coalesces everything that arrives during a replication round into the next write (fewest
   *     writes and messages per request, best when CPU or disk is the bottleneck); more pipelines
   *     (lower latency when the round trip dominates)
   * @param snapshotInterval how many applied entries a node keeps in its log before it compacts them
   * @param reads how a leader answers reads
   */
  public record Settings(RaftElection.Settings election, int maxEntriesPerAppend, int maxBatchesInFlight,
      int snapshotInterval, Reads reads) {

    /** For a loopback or LAN cluster: heartbeat 50 ms, election timeout 300-600 ms. */
    public static final Settings DEFAULT = new Settings(
        new RaftElection.Settings(Duration.ofMillis(50), Duration.ofMillis(300), Duration.ofMillis(600)),
        512, 1, 10_000, Reads.LINEARIZABLE);

    public Settings {
      Objects.requireNonNull(election, "election");
      Objects.requireNonNull(reads, "reads");
      requireAtLeastOne("maxEntriesPerAppend", maxEntriesPerAppend);
      requireAtLeastOne("maxBatchesInFlight", maxBatchesInFlight);
      requireAtLeastOne("snapshotInterval", snapshotInterval);
    }

    private static void requireAtLeastOne(String name, int value) {
      if (value < 1) {
        throw new IllegalArgumentException(name + " must be at least 1, got " + value);
      }
    }

    public Settings withElection(RaftElection.Settings e) {
      return new Settings(e, maxEntriesPerAppend, maxBatchesInFlight, snapshotInterval, reads);
    }

    public Settings withMaxBatchesInFlight(int batches) {
      return new Settings(election, maxEntriesPerAppend, batches, snapshotInterval, reads);
    }

    public Settings withSnapshotInterval(int entries) {
      return new Settings(election, maxEntriesPerAppend, maxBatchesInFlight, entries, reads);
    }

    public Settings withReads(Reads r) {
      return new Settings(election, maxEntriesPerAppend, maxBatchesInFlight, snapshotInterval, r);
    }
  }

  private enum Phase { FOLLOWER, CANDIDATE, LEADER }

  /**
   * The replica of {@code peers.self()} in the Raft group named {@code group} (persistence id {@code
   * raft-kv|<group>/<node>}, so several groups can share one journal); each request given to it is
   * answered by an upcall to {@code upcalls}.
   */
  public static Behavior<Command> create(String group, Peers<Command> peers, NodeEnv env,
      Settings settings, ActorRef<KvReply> upcalls) {
    Objects.requireNonNull(settings, "settings");
    return Durable.of((context, timers) -> new RaftKv(group, context, timers, peers, env, settings, upcalls));
  }

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final Peers<Command> peers;
  private final NodeEnv env;
  private final Settings settings;
  private final ActorRef<KvReply> upcalls;
  private final Set<NodeId> votes = new HashSet<>();
  private final Map<NodeId, Long> nextIndex = new HashMap<>();
  private final Map<NodeId, Long> matchIndex = new HashMap<>();
  /** Requests the leader took that are in no batch yet. */
  private final List<KvRequest> proposals = new ArrayList<>();
  /** The last index of each batch the leader sent that is not committed yet. */
  private final ArrayDeque<Long> inFlight = new ArrayDeque<>();
  /** Requests given to this node whose entries are in the log, to answer when applied. */
  private final Set<RequestId> waiting = new HashSet<>();
  private Phase phase = Phase.FOLLOWER;
  private NodeId leader;
  private long commitIndex;
  private long lastApplied;
  private KvStore store = KvStore.EMPTY;
  private boolean noopDue;
  private boolean flushScheduled;
  private boolean compactionScheduled;

  private RaftKv(String group, ActorContext<Command> context, TimerScheduler<Command> timers,
      Peers<Command> peers, NodeEnv env, Settings settings, ActorRef<KvReply> upcalls) {
    super(PersistenceId.of("raft-kv", Objects.requireNonNull(group, "group") + "/" + peers.self().name()));
    this.context = context;
    this.timers = timers;
    this.peers = peers;
    this.env = env;
    this.settings = settings;
    this.upcalls = upcalls;
    resetElectionTimer();
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

  /** A compaction is checkpointed at once: the journal's snapshot is then the store and a short log. */
  @Override
  public boolean shouldSnapshot(State state, Event event, long sequenceNr) {
    return event instanceof SnapshotTaken;
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), this::restoreSnapshot)
        .build();
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Request.class, this::onRequest)
        .onCommand(RequestVote.class, this::onRequestVote)
        .onCommand(VoteReply.class, this::onVoteReply)
        .onCommand(AppendEntries.class, this::onAppendEntries)
        .onCommand(AppendReply.class, this::onAppendReply)
        .onCommand(InstallSnapshot.class, this::onInstallSnapshot)
        .onCommand(GetStatus.class, this::onGetStatus)
        .onCommand(Internal.class, this::onInternal)
        .build();
  }

  private Effect<Event, State> onInternal(State state, Internal command) {
    return switch (command) {
      case ELECTION_TIMEOUT -> onElectionTimeout(state);
      case HEARTBEAT -> onHeartbeat(state);
      case FLUSH -> onFlush(state);
      case COMPACT -> onCompact(state);
    };
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(State::apply);
  }

  // ---------------------------------------------------------------- clients

  private Effect<Event, State> onRequest(State state, Request r) {
    KvRequest request = r.request();
    if (phase != Phase.LEADER) {
      upcalls.tell(new KvReply.NotLeader(request.id(), leader));
    } else if (!request.isWrite() && settings.reads() == Reads.LEADER_LOCAL) {
      upcalls.tell(store.apply(request).reply());
    } else {
      waiting.add(request.id());
      proposals.add(request);
      scheduleFlush();
    }
    return Effect().none();
  }

  private void scheduleFlush() {
    if (!flushScheduled) {
      flushScheduled = true;
      context.getSelf().tell(Internal.FLUSH);
    }
  }

  /** The leader appends what it took since its last write as one write, sending it on meanwhile. */
  private Effect<Event, State> onFlush(State state) {
    flushScheduled = false;
    if (phase != Phase.LEADER) {
      abandonProposals();
      return Effect().none();
    }
    if (inFlight.size() >= settings.maxBatchesInFlight()) {
      return Effect().none(); // flushed again when a batch commits
    }
    List<LogEntry> entries = new ArrayList<>(proposals.size() + 1);
    long index = state.log().lastIndex();
    if (noopDue) {
      noopDue = false;
      entries.add(LogEntry.noop(++index, state.term()));
    }
    for (KvRequest p : proposals) {
      entries.add(new LogEntry(++index, state.term(), p));
    }
    proposals.clear();
    if (entries.isEmpty()) {
      return Effect().none();
    }
    inFlight.add(index);
    peers.others().forEach(f -> sendAppend(f, state, entries));
    return Effect().persist(new EntriesAppended(entries)).thenRun(this::advanceCommit);
  }

  /** Requests taken as leader that went into no batch: they had no effect, their clients may retry. */
  private void abandonProposals() {
    proposals.forEach(p -> {
      waiting.remove(p.id());
      upcalls.tell(new KvReply.NotLeader(p.id(), leader));
    });
    proposals.clear();
  }

  // ---------------------------------------------------------------- replication: the leader

  /**
   * Sends {@code follower} what it lacks from {@code nextIndex} on: entries of the log, then {@code
   * fresh} ones (being written, not yet in {@code state}); or the snapshot if they are compacted
   * away. The next index moves past what was sent (pipelining); a failure answer moves it back.
   */
  private void sendAppend(NodeId follower, State state, List<LogEntry> fresh) {
    RaftLog log = state.log();
    long next = nextIndex.get(follower);
    if (next <= log.snapshot().index()) {
      peers.tell(follower, new InstallSnapshot(state.term(), self(), log.snapshot(), log.store()));
      nextIndex.put(follower, log.snapshot().index() + 1);
      return;
    }
    int max = settings.maxEntriesPerAppend();
    List<LogEntry> entries = log.slice(next, max);
    if (next + entries.size() > log.lastIndex() && entries.size() < max && !fresh.isEmpty()) {
      List<LogEntry> both = new ArrayList<>(entries);
      both.addAll(fresh.subList(0, Math.min(fresh.size(), max - entries.size())));
      entries = both;
    }
    LogPosition prev = new LogPosition(next - 1, log.termAt(next - 1));
    nextIndex.put(follower, next + entries.size());
    peers.tell(follower, new AppendEntries(state.term(), self(), prev, entries, commitIndex));
  }

  private Effect<Event, State> onAppendReply(State state, AppendReply ar) {
    if (ar.term() > state.term()) {
      return persistThen(List.of(new TermStarted(ar.term())), state, s -> becomeFollower(null));
    }
    if (phase != Phase.LEADER || ar.term() < state.term()) {
      return Effect().none();
    }
    NodeId f = ar.from();
    long match = matchIndex.get(f);
    if (ar.success()) {
      match = Math.max(match, ar.index());
      matchIndex.put(f, match);
      nextIndex.put(f, Math.max(nextIndex.get(f), match + 1));
      advanceCommit(state);
      if (nextIndex.get(f) <= state.log().lastIndex()) {
        sendAppend(f, state, List.of());
      }
    } else {
      nextIndex.put(f, Math.max(match + 1, Math.min(ar.index(), state.log().lastIndex() + 1)));
      sendAppend(f, state, List.of());
    }
    return Effect().none();
  }

  /** Commits up to the highest index a majority holds, if its entry is of the current term. */
  private void advanceCommit(State state) {
    if (phase != Phase.LEADER) {
      return;
    }
    long[] held = new long[peers.size()];
    held[0] = state.log().lastIndex(); // on disk: commands wait while a write is under way
    int i = 1;
    for (NodeId f : peers.others()) {
      held[i++] = matchIndex.get(f);
    }
    Arrays.sort(held);
    long majorityHolds = held[held.length - (peers.size() / 2 + 1)];
    if (majorityHolds > commitIndex && state.log().termAt(majorityHolds) == state.term()) {
      commitIndex = majorityHolds;
      while (!inFlight.isEmpty() && inFlight.peek() <= commitIndex) {
        inFlight.poll();
      }
      if (!proposals.isEmpty()) {
        scheduleFlush();
      }
      applyCommitted(state);
    }
  }

  // ---------------------------------------------------------------- replication: a follower

  private Effect<Event, State> onAppendEntries(State state, AppendEntries ae) {
    if (ae.term() < state.term()) {
      peers.tell(ae.leader(), new AppendReply(state.term(), self(), false, 0));
      return Effect().none();
    }
    List<Event> events = new ArrayList<>();
    State s = adopt(state, ae.term(), events);
    becomeFollower(ae.leader());
    RaftLog log = s.log();
    long prev = ae.prev().index();
    if (prev > log.lastIndex()) {
      return reject(events, s, ae, log.lastIndex() + 1);
    }
    if (prev >= log.snapshot().index() && log.termAt(prev) != ae.prev().term()) {
      return reject(events, s, ae, firstOfTermAt(log, prev));
    }
    List<LogEntry> entries = ae.entries();
    int i = 0;
    while (i < entries.size() && entries.get(i).index() <= log.lastIndex()
        && (entries.get(i).index() <= log.snapshot().index() || log.termAt(entries.get(i).index()) == entries.get(i).term())) {
      i++; // already held (or committed into the snapshot)
    }
    List<LogEntry> dropped = List.of();
    if (i < entries.size()) {
      long from = entries.get(i).index();
      if (from <= log.lastIndex()) {
        dropped = log.slice(from, Integer.MAX_VALUE);
        events.add(new LogTruncated(from));
      }
      events.add(new EntriesAppended(entries.subList(i, entries.size())));
    }
    long match = prev + entries.size();
    List<LogEntry> conflicting = dropped;
    return persistThen(events, s, after -> {
      conflicting.forEach(this::withdraw);
      commitIndex = Math.max(commitIndex, Math.min(ae.leaderCommit(), match));
      applyCommitted(after);
      peers.tell(ae.leader(), new AppendReply(after.term(), self(), true, match));
    });
  }

  private Effect<Event, State> reject(List<Event> events, State s, AppendEntries ae, long tryFrom) {
    return persistThen(events, s, after ->
        peers.tell(ae.leader(), new AppendReply(after.term(), self(), false, tryFrom)));
  }

  /** The first index of the term of the entry at {@code index}, but after what is committed. */
  private long firstOfTermAt(RaftLog log, long index) {
    long term = log.termAt(index);
    long first = index;
    while (first - 1 > Math.max(commitIndex, log.snapshot().index()) && log.termAt(first - 1) == term) {
      first--;
    }
    return first;
  }

  /** A request given here whose entry a new leader overwrote: it had no effect, the client may retry. */
  private void withdraw(LogEntry dropped) {
    if (dropped.request() != null && waiting.remove(dropped.request().id())) {
      upcalls.tell(new KvReply.NotLeader(dropped.request().id(), leader));
    }
  }

  private Effect<Event, State> onInstallSnapshot(State state, InstallSnapshot is) {
    if (is.term() < state.term()) {
      peers.tell(is.leader(), new AppendReply(state.term(), self(), false, 0));
      return Effect().none();
    }
    List<Event> events = new ArrayList<>();
    State s = adopt(state, is.term(), events);
    becomeFollower(is.leader());
    RaftLog log = s.log();
    if (is.last().index() > Math.max(commitIndex, log.snapshot().index())) {
      if (log.lastIndex() >= is.last().index() && !log.contains(is.last())) {
        log.slice(is.last().index(), Integer.MAX_VALUE).forEach(this::withdraw); // conflicting from there on
      }
      events.add(new SnapshotTaken(is.last(), is.store()));
    }
    return persistThen(events, s, after -> {
      restoreSnapshot(after);
      peers.tell(is.leader(), new AppendReply(after.term(), self(), true, is.last().index()));
    });
  }

  // ---------------------------------------------------------------- the state machine

  /** Applies the committed entries in index order; the node a request was given to answers it. */
  private void applyCommitted(State state) {
    RaftLog log = state.log();
    while (lastApplied < commitIndex) {
      LogEntry e = log.entry(++lastApplied);
      if (e.request() != null) {
        KvStore.Result result = store.apply(e.request());
        store = result.store();
        if (waiting.remove(e.request().id())) {
          upcalls.tell(result.reply());
        }
      }
    }
    if (lastApplied - log.snapshot().index() >= settings.snapshotInterval() && !compactionScheduled) {
      compactionScheduled = true;
      context.getSelf().tell(Internal.COMPACT);
    }
  }

  /** The store jumps to the log's snapshot if it is behind it (after recovery, or an installed snapshot). */
  private void restoreSnapshot(State state) {
    LogPosition snapshot = state.log().snapshot();
    if (lastApplied < snapshot.index()) {
      store = state.log().store();
      lastApplied = snapshot.index();
    }
    commitIndex = Math.max(commitIndex, lastApplied);
  }

  private Effect<Event, State> onCompact(State state) {
    compactionScheduled = false;
    RaftLog log = state.log();
    if (lastApplied - log.snapshot().index() < settings.snapshotInterval()) {
      return Effect().none();
    }
    return Effect().persist(new SnapshotTaken(new LogPosition(lastApplied, log.termAt(lastApplied)), store));
  }

  // ---------------------------------------------------------------- election

  private Effect<Event, State> onRequestVote(State state, RequestVote rv) {
    List<Event> events = new ArrayList<>();
    State s = adopt(state, rv.term(), events);
    boolean grant = s.vote().grantsVote(rv.term(), rv.candidate(), rv.lastLog(), s.log().last());
    if (grant && s.vote().votedFor() == null) {
      events.add(new Voted(rv.term(), rv.candidate()));
    }
    return persistThen(events, s, after -> {
      if (grant) {
        resetElectionTimer();
      }
      peers.tell(rv.candidate(), new VoteReply(after.term(), self(), grant));
    });
  }

  private Effect<Event, State> onVoteReply(State state, VoteReply vr) {
    if (vr.term() > state.term()) {
      return persistThen(List.of(new TermStarted(vr.term())), state, s -> becomeFollower(null));
    }
    if (phase == Phase.CANDIDATE && vr.term() == state.term() && vr.granted()) {
      votes.add(vr.from());
      if (isMajority(votes.size())) {
        becomeLeader(state);
      }
    }
    return Effect().none();
  }

  private Effect<Event, State> onElectionTimeout(State state) {
    if (phase == Phase.LEADER) {
      return Effect().none();
    }
    long term = state.term() + 1;
    return persistThen(List.of(new TermStarted(term), new Voted(term, self())), state, this::becomeCandidate);
  }

  private Effect<Event, State> onHeartbeat(State state) {
    if (phase == Phase.LEADER) {
      peers.others().forEach(f -> sendAppend(f, state, List.of()));
    }
    return Effect().none();
  }

  private void becomeCandidate(State state) {
    phase = Phase.CANDIDATE;
    leader = null;
    votes.clear();
    votes.add(self());
    resetElectionTimer();
    if (isMajority(votes.size())) {
      becomeLeader(state);
    } else {
      peers.tellOthers(new RequestVote(state.term(), self(), state.log().last()));
    }
  }

  /** Leads: every follower is assumed to hold the whole log until it says otherwise; a no-op goes first. */
  private void becomeLeader(State state) {
    phase = Phase.LEADER;
    leader = self();
    timers.cancel(Internal.ELECTION_TIMEOUT);
    for (NodeId f : peers.others()) {
      nextIndex.put(f, state.log().lastIndex() + 1);
      matchIndex.put(f, 0L);
    }
    noopDue = true;
    inFlight.clear();
    scheduleFlush();
    timers.startTimerWithFixedDelay(Internal.HEARTBEAT, settings.election().heartbeat());
  }

  private void becomeFollower(NodeId newLeader) {
    phase = Phase.FOLLOWER;
    leader = newLeader;
    timers.cancel(Internal.HEARTBEAT);
    resetElectionTimer();
    abandonProposals();
  }

  private void resetElectionTimer() {
    timers.startSingleTimer(Internal.ELECTION_TIMEOUT, settings.election().drawElectionTimeout(env.random()));
  }

  /** A newer term seen in a message: adopt it (as an event) and become a follower. */
  private State adopt(State state, long term, List<Event> events) {
    if (term <= state.term()) {
      return state;
    }
    events.add(new TermStarted(term));
    if (phase == Phase.LEADER) {
      resetElectionTimer(); // a leader runs none; deposed, it may be the one to campaign (the longest log)
    }
    if (phase != Phase.FOLLOWER) {
      phase = Phase.FOLLOWER;
      timers.cancel(Internal.HEARTBEAT);
    }
    leader = null;
    abandonProposals();
    return new State(state.vote().startTerm(term), state.log());
  }

  private boolean isMajority(int count) {
    return count > peers.size() / 2;
  }

  private Effect<Event, State> persistThen(List<Event> events, State unchanged, Consumer<State> then) {
    if (events.isEmpty()) {
      then.accept(unchanged);
      return Effect().none();
    }
    return Effect().persist(events).thenRun(then::accept);
  }

  // ---------------------------------------------------------------- status

  private Effect<Event, State> onGetStatus(State state, GetStatus g) {
    Role role = switch (phase) {
      case LEADER -> Role.LEADER;
      case CANDIDATE -> Role.ELECTING;
      case FOLLOWER -> leader == null ? Role.ELECTING : Role.FOLLOWER;
    };
    RaftLog log = state.log();
    g.replyTo().tell(new RaftKvStatus(self(), role, state.term(), state.vote().votedFor(), leader, commitIndex,
        lastApplied, log.firstIndex(), log.lastIndex(), log.last().term(), log.snapshot().index(),
        store.values().size()));
    return Effect().none();
  }

  private NodeId self() {
    return peers.self();
  }
}
