package dev.parley.protocols.replication;

import akka.persistence.typed.javadsl.Effect;
import dev.parley.protocols.election.LogPosition;
import dev.parley.protocols.replication.Raft.Event;
import dev.parley.protocols.replication.Raft.State;
import dev.parley.protocols.replication.StateMachine.Applied;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The state machine in a Raft replica: committed entries applied in index order, the client of each
 * command given to this node answered from there (or told its command had no effect, when the entry
 * holding it was dropped), and snapshots: every {@code snapshotInterval} applied entries the log's
 * applied prefix is replaced by the machine's snapshot, and a snapshot installed or recovered takes
 * the machine straight to its index.
 *
 * <p>A command given to this node is remembered by its log position (index and term): the entry
 * applied there is that command exactly when its term matches (log matching), whatever the command
 * looks like, so a machine's commands need no ids. A command whose entry ends up inside a snapshot
 * this node installed is not answered: whether it was applied is unknown here, and its client's
 * timeout says so.
 *
 * <p>A machine that throws applying a committed command: the command has no effect (the machine stays
 * in the state before it), on every replica alike since every replica applies the same command to
 * the same state, and its client is told the exception ({@code Frontend.failed}); the replica logs it
 * and goes on with the next entry, so the commands before and after it are kept. One that throws
 * taking a snapshot keeps its log whole instead (logged once; a snapshot is tried again later).
 *
 * <p>A leader does not compact entries that a follower it hears from still lacks, or while its
 * snapshot is on its way to one, until its log holds {@link #COMPACTION_DEFERRAL} times {@code
 * snapshotInterval} applied entries: a follower behind, or one that has just installed a snapshot,
 * goes on from the log. Compacting sooner would leave it behind the next snapshot, and a follower
 * whose transfer and catching up take longer than the leader needs to apply {@code
 * snapshotInterval} entries would chase snapshot after snapshot for as long as clients write. A
 * follower silent for an election timeout holds nothing back: it gets a snapshot when it is back.
 */
final class RaftApplier<S, C, R> {

  /** How many times {@code snapshotInterval} a leader's log may hold for a follower behind. */
  static final int COMPACTION_DEFERRAL = 16;

  private record Awaited<C>(long term, C command) {}

  private final RaftServer<S, C, R> server;
  private final StateMachine<S, C, R> machine;
  private final Map<Long, Awaited<C>> waiting = new HashMap<>();
  private S state;
  private long lastApplied;
  private boolean compactionScheduled;
  private boolean snapshotFailureReported;

  RaftApplier(RaftServer<S, C, R> server, StateMachine<S, C, R> machine) {
    this.server = server;
    this.machine = machine;
    this.state = machine.initialState();
  }

  S state() {
    return state;
  }

  long lastApplied() {
    return lastApplied;
  }

  /** {@code command}, given to this node, is the entry at {@code index} of {@code term}: to answer when applied. */
  void await(long index, long term, C command) {
    waiting.put(index, new Awaited<>(term, command));
  }

  /** Entries this node dropped: the commands given here that they held had no effect. */
  void withdraw(List<LogEntry> dropped) {
    for (LogEntry e : dropped) {
      Awaited<C> a = waiting.get(e.index());
      if (a != null && a.term() == e.term()) {
        waiting.remove(e.index());
        server.frontend.notApplied(a.command(), server.leader);
      }
    }
  }

  /** Applies the committed entries in index order; the node a command was given to answers it. */
  @SuppressWarnings("unchecked")
  void applyCommitted(State persisted) {
    RaftLog log = persisted.log();
    while (lastApplied < server.commitIndex) {
      LogEntry e = log.entry(++lastApplied);
      Awaited<C> given = waiting.remove(lastApplied);
      R reply = null;
      String error = null;
      if (!e.isNoop()) {
        try {
          Applied<S, R> applied = machine.apply(state, (C) e.command());
          state = applied.state();
          reply = applied.reply();
        } catch (RuntimeException thrown) {
          error = failure(e, thrown);
        }
      }
      if (given != null && given.term() != e.term()) {
        server.frontend.notApplied(given.command(), server.leader);
      } else if (given != null && error != null) {
        server.frontend.failed(given.command(), error);
      } else if (given != null) {
        server.frontend.applied(given.command(), reply);
      }
    }
    compactIfDue(log);
  }

  /**
   * Asks this replica to compact if a compaction is due: after applying, and on the leader's heartbeat
   * (a compaction held back for a follower behind is tried again while nothing is applied). A leader
   * holding back sends itself nothing until the follower has caught up.
   */
  void compactIfDue(RaftLog log) {
    if (!compactionScheduled && compactionDue(log)) {
      compactionScheduled = true;
      server.context.getSelf().tell(Raft.Timer.COMPACT);
    }
  }

  /**
   * {@code snapshotInterval} entries applied since the log's snapshot, and no follower behind held
   * back for (or the log already {@link #COMPACTION_DEFERRAL} intervals long).
   */
  private boolean compactionDue(RaftLog log) {
    long applied = lastApplied - log.snapshot().index();
    return applied >= server.settings.snapshotInterval()
        && (applied >= (long) COMPACTION_DEFERRAL * server.settings.snapshotInterval()
            || !server.leading.followerLacks(lastApplied));
  }

  /** The machine jumps to the log's snapshot if it is behind it (after recovery, or an installed snapshot). */
  void restoreSnapshot(State persisted) {
    RaftLog log = persisted.log();
    if (lastApplied < log.snapshot().index()) {
      state = log.state() == null ? machine.initialState() : machine.restoreSnapshot(log.state());
      lastApplied = log.snapshot().index();
      waiting.keySet().removeIf(index -> index <= lastApplied);
    }
    server.commitIndex = Math.max(server.commitIndex, lastApplied);
  }

  Effect<Event, State> onCompact(State persisted) {
    compactionScheduled = false;
    RaftLog log = persisted.log();
    if (!compactionDue(log)) {
      return server.effects.none();
    }
    Object snapshot;
    try {
      snapshot = machine.takeSnapshot(state);
    } catch (RuntimeException thrown) {
      if (!snapshotFailureReported) {
        snapshotFailureReported = true;
        server.context.getLog().error("The state machine threw {} taking a snapshot at index {}, so this replica "
            + "keeps its whole log (and tries again later). Make takeSnapshot return a value for every state.",
            thrown.toString(), lastApplied);
      }
      return server.effects.none();
    }
    return server.effects.persist(new Raft.SnapshotTaken(new LogPosition(lastApplied, log.termAt(lastApplied)),
        snapshot));
  }

  /**
   * What a client is told of the command in {@code entry} that the machine threw on, and what this
   * replica logs: the same on every replica (the exception's type and message, no stack trace).
   */
  private String failure(LogEntry entry, RuntimeException thrown) {
    String error = "The state machine threw " + thrown + " applying " + entry.command().getClass().getSimpleName()
        + ", so the command had no effect on any replica (sent again unchanged, it fails again). Change the "
        + "command, or make the machine's apply answer such a command with a reply instead of throwing.";
    server.context.getLog().warn("Entry {}: {}", entry.index(), error);
    return error;
  }
}
