package dev.parley.protocols.replication;

import akka.persistence.typed.javadsl.Effect;
import dev.parley.protocols.core.ByteBudget;
import dev.parley.protocols.core.Chunk;
import dev.parley.protocols.core.ChunkSender;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.SerializedPayload;
import dev.parley.protocols.core.WriteBatches;
import dev.parley.protocols.election.LogPosition;
import dev.parley.protocols.replication.Raft.Event;
import dev.parley.protocols.replication.Raft.State;
import dev.parley.protocols.replication.RaftServer.Phase;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Log replication, the leader's side (sections 5.3 and 5.4): it batches clients' commands into log
 * writes ({@link WriteBatches}), sends each follower the entries it lacks from its next index on (or
 * the snapshot, if they are compacted away), moves a follower's next index back on a failed
 * consistency check and forward on success, and commits the highest index a majority holds once its
 * entry is of the current term.
 *
 * <p>A snapshot goes to a follower in chunks (section 7, {@link ChunkSender}): serialized once per
 * snapshot, at most {@link #SNAPSHOT_CHUNKS_IN_FLIGHT} chunks unacknowledged, a chunk sent again on a
 * heartbeat with no progress since the one before, and sent on from what the follower says it holds
 * (an answer overtaken by a later one is not acted on: over links that reorder, that made a storm of
 * resends).
 * The transfer ends when the follower answers that its log matches up to the snapshot (it installed
 * it, or already had it); the follower's next index stays at or before the snapshot until then, so
 * it gets no entries meanwhile. A transfer under way goes on even if the leader compacts again.
 *
 * <p>An AppendEntries carries at most {@code maxEntriesPerAppend} entries and {@code maxAppendBytes}
 * bytes of commands ({@link ByteBudget}; at least one entry). A command's size is its serialized size,
 * measured once: when the leader takes it (a command larger than {@code maxAppendBytes} is refused
 * then, before it is appended), or, for an entry of an earlier leader, when it is first sent; the
 * sizes are kept by index until the entries are compacted away.
 *
 * <p>Not final only so that a spec's deliberately broken variant can replace the commitment rule
 * ({@link #mayCommit}); production makes this class itself.
 *
 * @param <C> the state machine's commands
 */
class RaftLeader<C> {

  /** How many chunks of a snapshot a follower may have unacknowledged. */
  static final int SNAPSHOT_CHUNKS_IN_FLIGHT = 4;

  /** A snapshot under way to a follower: the log position it ends at, and its chunks. */
  private record Transfer(LogPosition last, ChunkSender chunks) {}

  private final RaftServer<?, C, ?> server;
  private final Map<NodeId, Transfer> transfers = new HashMap<>();
  /** The last snapshot serialized, and where it ends (null: none yet). */
  private LogPosition serializedAt;
  private SerializedPayload serialized;
  private final Map<NodeId, Long> nextIndex = new HashMap<>();
  private final Map<NodeId, Long> matchIndex = new HashMap<>();
  private final Map<NodeId, Long> lastReplyMillis = new HashMap<>();
  private final WriteBatches<C> batches;
  /** The serialized sizes of the commands taken and not yet in a write. */
  private final Map<Object, Long> takenSizes = new IdentityHashMap<>();
  /** The serialized sizes of the log's commands, by index, as far as measured. */
  private final TreeMap<Long, Long> sizes = new TreeMap<>();
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
    transfers.clear();
    takenSizes.clear();
    sizes.clear();
    noopDue = true;
    batches.reset();
    batches.flushSoon();
  }

  /** A client's command, for the next write; refused if it is larger than an AppendEntries may be. */
  void propose(C command) {
    long size = serializedSize(command);
    String refusal = ByteBudget.refusal("the command " + command.getClass().getSimpleName(), size,
        server.settings.maxAppendBytes(), "Raft's maxAppendBytes");
    if (refusal != null) {
      server.frontend.failed(command, refusal);
      return;
    }
    takenSizes.put(command, size);
    batches.add(command);
  }

  /** Commands taken as leader that went into no write: they had no effect, their clients may retry. */
  void abandon() {
    takenSizes.clear();
    batches.abandon().forEach(c -> server.frontend.notApplied(c, server.leader));
  }

  /**
   * {@code command}'s serialized size; 0 if it has no serialized form or the node no serialization (a
   * test's stub actor system): the transport, if any, says so.
   */
  private long serializedSize(Object command) {
    if (command == null) {
      return 0;
    }
    try {
      return server.codec().serialize(command).size();
    } catch (RuntimeException e) {
      return 0;
    }
  }

  /** The serialized size of {@code entry}'s command, measured once. */
  private long sizeOf(LogEntry entry) {
    return sizes.computeIfAbsent(entry.index(), i -> serializedSize(entry.command()));
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
      Long size = takenSizes.remove(command);
      if (size != null) {
        sizes.put(index, size);
      }
      server.applier.await(index, state.term(), command);
    }
    if (entries.isEmpty()) {
      return server.effects.none();
    }
    batches.started(index);
    server.peers.others().forEach(f -> sendAppend(f, state, entries));
    return server.effects.persist(new Raft.EntriesAppended(entries)).thenRun(this::advanceCommit);
  }

  /**
   * Whether a follower heard from lately ({@link #silent} leaves out the others) still lacks entries
   * up to {@code index}: it holds less of the log, or this leader's snapshot is on its way to it.
   */
  boolean followerLacks(long index) {
    if (server.phase != Phase.LEADER) {
      return false;
    }
    SortedSet<NodeId> silent = silent();
    return server.peers.others().stream().filter(f -> !silent.contains(f))
        .anyMatch(f -> transfers.containsKey(f) || matchIndex.getOrDefault(f, 0L) < index);
  }

  /** The AppendEntries round; to a follower getting a snapshot, the chunks due on its timer instead. */
  Effect<Event, State> onHeartbeat(State state) {
    if (server.phase == Phase.LEADER) {
      for (NodeId f : server.peers.others()) {
        Transfer t = transfers.get(f);
        if (t != null) {
          sendChunks(f, state, t, t.chunks().tick());
        } else {
          sendAppend(f, state, List.of());
        }
      }
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
      sendSnapshot(follower, state);
      return;
    }
    int max = server.settings.maxEntriesPerAppend();
    List<LogEntry> entries = log.slice(next, max);
    if (next + entries.size() > log.lastIndex() && entries.size() < max && !fresh.isEmpty()) {
      List<LogEntry> both = new ArrayList<>(entries);
      both.addAll(fresh.subList(0, Math.min(fresh.size(), max - entries.size())));
      entries = both;
    }
    sizes.headMap(log.firstIndex()).clear();
    entries = ByteBudget.prefix(entries, this::sizeOf, server.settings.maxAppendBytes());
    LogPosition prev = new LogPosition(next - 1, log.termAt(next - 1));
    nextIndex.put(follower, next + entries.size());
    server.peers.tell(follower, new Raft.AppendEntries(state.term(), server.self(), prev, entries, server.commitIndex));
  }

  /** Starts sending the log's snapshot to {@code follower}, or goes on with the transfer under way. */
  private void sendSnapshot(NodeId follower, State state) {
    Transfer t = transfers.get(follower);
    if (t == null) {
      RaftLog log = state.log();
      SerializedPayload bytes = serialized(log);
      if (bytes == null) {
        return;
      }
      t = new Transfer(log.snapshot(), new ChunkSender(bytes, server.settings.snapshotChunkBytes(),
          SNAPSHOT_CHUNKS_IN_FLIGHT));
      transfers.put(follower, t);
    }
    sendChunks(follower, state, t, t.chunks().due());
  }

  private void sendChunks(NodeId follower, State state, Transfer t, List<Chunk> chunks) {
    for (Chunk c : chunks) {
      server.peers.tell(follower, new Raft.InstallSnapshot(state.term(), server.self(), t.last(), c));
    }
  }

  /** The log's snapshot serialized, once per snapshot; null (logged) if the machine's snapshot cannot be. */
  private SerializedPayload serialized(RaftLog log) {
    if (!log.snapshot().equals(serializedAt)) {
      try {
        serialized = server.codec().serialize(log.state());
      } catch (IllegalArgumentException e) {
        server.context.getLog().error("Raft leader {} cannot send its snapshot at {} to a follower that needs "
            + "it: {}", server.self(), log.snapshot(), e.getMessage());
        return null;
      }
      serializedAt = log.snapshot();
    }
    return serialized;
  }

  /** A follower's answer to a chunk: the transfer goes on from what it holds. */
  Effect<Event, State> onInstallSnapshotReply(State state, Raft.InstallSnapshotReply r) {
    if (r.term() > state.term()) {
      return server.persistThen(List.of(new Raft.TermStarted(r.term())), s -> server.becomeFollower(null, r.term()));
    }
    if (server.phase != Phase.LEADER || r.term() < state.term()) {
      return server.effects.none();
    }
    lastReplyMillis.put(r.from(), server.env.clock().millis());
    Transfer t = transfers.get(r.from());
    if (t != null && t.last().equals(r.last())) {
      t.chunks().acknowledged(r.received());
      sendChunks(r.from(), state, t, t.chunks().due());
    }
    return server.effects.none();
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
      Transfer t = transfers.get(f);
      if (t != null && match >= t.last().index()) {
        transfers.remove(f); // installed, or held already
      }
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
