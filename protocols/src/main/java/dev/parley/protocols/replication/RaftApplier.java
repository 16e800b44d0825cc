package dev.parley.protocols.replication;

import akka.persistence.typed.javadsl.Effect;
import dev.parley.protocols.election.LogPosition;
import dev.parley.protocols.replication.Raft.Event;
import dev.parley.protocols.replication.Raft.State;
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
 */
final class RaftApplier<S, C, R> {

  private record Awaited<C>(long term, C command) {}

  private final RaftServer<S, C, R> server;
  private final StateMachine<S, C, R> machine;
  private final Map<Long, Awaited<C>> waiting = new HashMap<>();
  private S state;
  private long lastApplied;
  private boolean compactionScheduled;

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
      if (!e.isNoop()) {
        StateMachine.Applied<S, R> applied = machine.apply(state, (C) e.command());
        state = applied.state();
        reply = applied.reply();
      }
      if (given != null && given.term() == e.term()) {
        server.frontend.applied(given.command(), reply);
      } else if (given != null) {
        server.frontend.notApplied(given.command(), server.leader);
      }
    }
    if (lastApplied - log.snapshot().index() >= server.settings.snapshotInterval() && !compactionScheduled) {
      compactionScheduled = true;
      server.context.getSelf().tell(Raft.Timer.COMPACT);
    }
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
    if (lastApplied - log.snapshot().index() < server.settings.snapshotInterval()) {
      return server.effects.none();
    }
    return server.effects.persist(new Raft.SnapshotTaken(new LogPosition(lastApplied, log.termAt(lastApplied)),
        machine.takeSnapshot(state)));
  }
}
