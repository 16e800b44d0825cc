package dev.parley.protocols.replication;

import akka.persistence.typed.javadsl.Effect;
import dev.parley.protocols.core.ChunkAssembler;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.election.LogPosition;
import dev.parley.protocols.replication.Raft.Event;
import dev.parley.protocols.replication.Raft.State;
import java.util.ArrayList;
import java.util.List;

/**
 * Log replication, a follower's side (sections 5.3 and 7): it keeps the leader's entries only if its
 * log holds the entry before them (the consistency check), drops a conflicting suffix, persists and
 * then answers its last matching index, or where the leader should try from (its log's end, or the
 * first entry of the conflicting term: fast back-up); it installs the leader's snapshot when the
 * entries it lacks were compacted away. A command given to this node whose entry is dropped is
 * answered as not applied.
 *
 * <p>The snapshot comes in chunks ({@link ChunkAssembler}), put together in memory for one transfer
 * at a time, named by the leader's term and the snapshot's last index and term: every chunk's term is
 * checked as any message from a leader (an old term's is refused), a chunk of another snapshot than
 * the one being put together is answered "nothing held" unless it is a first chunk, which starts it.
 * Each chunk is answered with how many bytes are held in order (a chunk that overtook an earlier one
 * is kept until the gap is filled); the snapshot is installed (persisted) only
 * once whole, and that is answered as AppendEntries are. A crash loses the chunks held, and the
 * answer to the next chunk says so: the leader starts over.
 */
class RaftFollower {

  /** A snapshot transfer: the leader's term, and where the snapshot ends. */
  private record SnapshotId(long term, LogPosition last) {}

  final RaftServer<?, ?, ?> server;
  private final ChunkAssembler snapshotChunks = new ChunkAssembler();

  RaftFollower(RaftServer<?, ?, ?> server) {
    this.server = server;
  }

  /**
   * A message from {@code leader} of {@code term}: refused (null) if the term is behind this node's;
   * else the state with the term adopted (its event in {@code events}), this node following leader.
   */
  private State fromLeader(State state, long term, NodeId leader, List<Event> events) {
    if (term < state.term()) {
      server.peers.tell(leader, new Raft.AppendReply(state.term(), server.self(), false, 0, false));
      return null;
    }
    State s = server.adopt(state, term, events);
    server.becomeFollower(leader, term);
    return s;
  }

  Effect<Event, State> onAppendEntries(State state, Raft.AppendEntries ae) {
    List<Event> events = new ArrayList<>();
    State s = fromLeader(state, ae.term(), ae.leader(), events);
    if (s == null) {
      return server.effects.none();
    }
    RaftLog log = s.log();
    long prev = ae.prev().index();
    if (prev > log.lastIndex()) {
      return reject(events, ae, log.lastIndex() + 1);
    }
    if (prev >= log.snapshot().index() && log.termAt(prev) != ae.prev().term()) {
      return reject(events, ae, firstOfTermAt(log, prev));
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
        events.add(new Raft.LogTruncated(from));
      }
      events.add(new Raft.EntriesAppended(entries.subList(i, entries.size())));
    }
    return accept(events, ae, prev + entries.size(), dropped);
  }

  /**
   * The leader's entries pass the consistency check: persist {@code events} (the term adopted, the
   * conflicting suffix dropped, the new entries), then withdraw the commands of the {@code
   * conflicting} entries, apply what the leader says is committed up to {@code match}, and answer
   * that this log matches the leader's up to {@code match}. Answering before the write completes
   * would let the leader count an entry a crash can still take from this node.
   */
  Effect<Event, State> accept(List<Event> events, Raft.AppendEntries ae, long match, List<LogEntry> conflicting) {
    return server.persistThen(events, after -> {
      server.applier.withdraw(conflicting);
      server.commitIndex = Math.max(server.commitIndex, Math.min(ae.leaderCommit(), match));
      server.applier.applyCommitted(after);
      server.peers.tell(ae.leader(), new Raft.AppendReply(after.term(), server.self(), true, match,
          ae.entries().isEmpty()));
    });
  }

  private Effect<Event, State> reject(List<Event> events, Raft.AppendEntries ae, long tryFrom) {
    return server.persistThen(events, after ->
        server.peers.tell(ae.leader(), new Raft.AppendReply(after.term(), server.self(), false, tryFrom, false)));
  }

  /** The first index of the term of the entry at {@code index}, but after what is committed. */
  private long firstOfTermAt(RaftLog log, long index) {
    long term = log.termAt(index);
    long first = index;
    while (first - 1 > Math.max(server.commitIndex, log.snapshot().index()) && log.termAt(first - 1) == term) {
      first--;
    }
    return first;
  }

  Effect<Event, State> onInstallSnapshot(State state, Raft.InstallSnapshot is) {
    List<Event> events = new ArrayList<>();
    State s = fromLeader(state, is.term(), is.leader(), events);
    if (s == null) {
      return server.effects.none();
    }
    RaftLog log = s.log();
    if (is.last().index() <= Math.max(server.commitIndex, log.snapshot().index())) {
      return installed(events, is); // held already (a duplicate of the last chunk, or the log caught up)
    }
    ChunkAssembler.Outcome outcome = snapshotChunks.accept(new SnapshotId(is.term(), is.last()), is.chunk());
    if (outcome instanceof ChunkAssembler.Partial p) {
      return server.persistThen(events, after -> server.peers.tell(is.leader(),
          new Raft.InstallSnapshotReply(after.term(), server.self(), is.last(), p.received())));
    }
    Object snapshot;
    try {
      snapshot = server.codec().deserialize(((ChunkAssembler.Whole) outcome).payload());
    } catch (IllegalArgumentException e) {
      server.context.getLog().error("Raft replica {} cannot read the snapshot at {} from {}, so it stays behind: {}",
          server.self(), is.last(), is.leader(), e.getMessage());
      return server.persistThen(events, after -> server.peers.tell(is.leader(),
          new Raft.InstallSnapshotReply(after.term(), server.self(), is.last(), 0)));
    }
    if (log.lastIndex() >= is.last().index() && !log.contains(is.last())) {
      server.applier.withdraw(log.slice(is.last().index(), Integer.MAX_VALUE)); // conflicting from there on
    }
    events.add(new Raft.SnapshotTaken(is.last(), snapshot));
    return installed(events, is);
  }

  /** Persists {@code events}, restores the machine from the log's snapshot, answers that the log matches up to it. */
  private Effect<Event, State> installed(List<Event> events, Raft.InstallSnapshot is) {
    return server.persistThen(events, after -> {
      server.applier.restoreSnapshot(after);
      server.peers.tell(is.leader(), new Raft.AppendReply(after.term(), server.self(), true, is.last().index(), false));
    });
  }
}
