package dev.parley.protocols.replication;

import akka.persistence.typed.javadsl.Effect;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.WriteBatches;
import dev.parley.protocols.election.LogPosition;
import dev.parley.protocols.replication.Raft.Event;
import dev.parley.protocols.replication.Raft.State;
import dev.parley.protocols.replication.RaftServer.Phase;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Log replication, the leader's side (sections 5.3 and 5.4): it batches clients' commands into log
 * writes ({@link WriteBatches}), sends each follower the entries it lacks from its next index on (or
 * the snapshot, if they are compacted away), moves a follower's next index back on a failed
 * consistency check and forward on success, and commits the highest index a majority holds once its
 * entry is of the current term.
 *
 * <p>Not final only so that a spec's deliberately broken variant can replace the commitment rule
 * ({@link #mayCommit}); production makes this class itself.
 *
 * @param <C> the state machine's commands
 */
class RaftLeader<C> {

  private final RaftServer<?, C, ?> server;
  private final Map<NodeId, Long> nextIndex = new HashMap<>();
  private final Map<NodeId, Long> matchIndex = new HashMap<>();
  private final Map<NodeId, Long> lastReplyMillis = new HashMap<>();
  private final WriteBatches<C> batches;
  private boolean noopDue;

  RaftLeader(RaftServer<?, C, ?> server) {
    this.server = server;
    this.batches = new WriteBatches<>(server.settings.maxBatchesInFlight(),
        () -> server.context.getSelf().tell(Raft.Timer.FLUSH));
  }

  /** Leading from now on: every follower assumed to hold the whole log; a no-op is the first write. */
  void start(State state) {
    for (NodeId f : server.peers.others()) {
      nextIndex.put(f, state.log().lastIndex() + 1);
      matchIndex.put(f, 0L);
    }
    lastReplyMillis.clear();
    noopDue = true;
    batches.reset();
    batches.flushSoon();
  }

  /** A client's command, for the next write. */
  void propose(C command) {
    batches.add(command);
  }

  /** Commands taken as leader that went into no write: they had no effect, their clients may retry. */
  void abandon() {
    batches.abandon().forEach(c -> server.frontend.notApplied(c, server.leader));
  }

  /** Appends what was taken since the last write as one write, sending it to the followers meanwhile. */
  Effect<Event, State> onFlush(State state) {
    List<C> batch = batches.take();
    if (server.phase != Phase.LEADER) {
      if (batch != null) {
        batch.forEach(c -> server.frontend.notApplied(c, server.leader));
      }
      abandon();
      return server.effects.none();
    }
    if (batch == null) {
      return server.effects.none(); // flushed again when a write commits
    }
    List<LogEntry> entries = new ArrayList<>(batch.size() + 1);
    long index = state.log().lastIndex();
    if (noopDue) {
      noopDue = false;
      entries.add(LogEntry.noop(++index, state.term()));
    }
    for (C command : batch) {
      entries.add(new LogEntry(++index, state.term(), command));
      server.applier.await(index, state.term(), command);
    }
    if (entries.isEmpty()) {
      return server.effects.none();
    }
    batches.started(index);
    server.peers.others().forEach(f -> sendAppend(f, state, entries));
    return server.effects.persist(new Raft.EntriesAppended(entries)).thenRun(this::advanceCommit);
  }

  Effect<Event, State> onHeartbeat(State state) {
    if (server.phase == Phase.LEADER) {
      server.peers.others().forEach(f -> sendAppend(f, state, List.of()));
    }
    return server.effects.none();
  }

  /**
   * Sends {@code follower} what it lacks from {@code nextIndex} on: entries of the log, then {@code
   * fresh} ones (being written, not yet in {@code state}); or the snapshot if they are compacted
   * away. The next index moves past what was sent (pipelining); a failure answer moves it back.
   */
  private void sendAppend(NodeId follower, State state, List<LogEntry> fresh) {
    RaftLog log = state.log();
    long next = nextIndex.get(follower);
    if (next <= log.snapshot().index()) {
      server.peers.tell(follower, new Raft.InstallSnapshot(state.term(), server.self(), log.snapshot(), log.state()));
      nextIndex.put(follower, log.snapshot().index() + 1);
      return;
    }
    int max = server.settings.maxEntriesPerAppend();
    List<LogEntry> entries = log.slice(next, max);
    if (next + entries.size() > log.lastIndex() && entries.size() < max && !fresh.isEmpty()) {
      List<LogEntry> both = new ArrayList<>(entries);
      both.addAll(fresh.subList(0, Math.min(fresh.size(), max - entries.size())));
      entries = both;
    }
    LogPosition prev = new LogPosition(next - 1, log.termAt(next - 1));
    nextIndex.put(follower, next + entries.size());
    server.peers.tell(follower, new Raft.AppendEntries(state.term(), server.self(), prev, entries, server.commitIndex));
  }

  Effect<Event, State> onAppendReply(State state, Raft.AppendReply ar) {
    if (ar.term() > state.term()) {
      return server.persistThen(List.of(new Raft.TermStarted(ar.term())), s -> server.becomeFollower(null, ar.term()));
    }
    if (server.phase != Phase.LEADER || ar.term() < state.term()) {
      return server.effects.none();
    }
    NodeId f = ar.from();
    lastReplyMillis.put(f, server.env.clock().millis());
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
    return server.effects.none();
  }

  /** Commits up to the highest index a majority holds, if {@link #mayCommit} allows it. */
  private void advanceCommit(State state) {
    if (server.phase != Phase.LEADER) {
      return;
    }
    long[] held = new long[server.peers.size()];
    held[0] = state.log().lastIndex(); // on disk: commands wait while a write is under way
    int i = 1;
    for (NodeId f : server.peers.others()) {
      held[i++] = matchIndex.get(f);
    }
    Arrays.sort(held);
    long majorityHolds = held[held.length - (server.peers.size() / 2 + 1)];
    if (majorityHolds > server.commitIndex && mayCommit(state, majorityHolds)) {
      server.commitIndex = majorityHolds;
      batches.completed(majorityHolds);
      server.applier.applyCommitted(state);
    }
  }

  /**
   * Whether the leader may commit up to {@code index}, which a majority's logs hold: only if its entry
   * is of the current term (section 5.4.2). An entry of an earlier term held by a majority may still
   * be overwritten by a later leader (Figure 8 of the paper); it commits with the first entry of this
   * term after it.
   */
  boolean mayCommit(State state, long index) {
    return state.log().termAt(index) == state.term();
  }

  /** The followers not heard from within the longest election timeout. */
  SortedSet<NodeId> silent() {
    long now = server.env.clock().millis();
    long silence = server.settings.election().electionTimeoutMax().toMillis();
    TreeSet<NodeId> silent = new TreeSet<>();
    for (NodeId peer : server.peers.others()) {
      Long last = lastReplyMillis.get(peer);
      if (last == null || now - last > silence) {
        silent.add(peer);
      }
    }
    return silent;
  }
}
