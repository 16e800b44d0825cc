package dev.parley.protocols.pubsub;

import dev.parley.protocols.core.WireMessage;
import dev.parley.protocols.replication.SessionStateMachine;
import dev.parley.protocols.replication.StateMachine;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The partitioned log's state machine, replicated by Raft: named append-only logs of records ({@link
 * StoredLog}: offsets from 0, deleted only from the start by retention) and consumer groups'
 * positions in them. An immutable value; {@link #MACHINE} applies {@link LogRequest}s to it with
 * client sessions ({@link SessionStateMachine}), so a retried request is applied once and answered
 * as the first time.
 *
 * <p>Cost: an append copies one chunk of its log (at most {@link StoredLog#CHUNK} records) and the
 * table of logs; a read copies the records it returns.
 *
 * @param logs the logs by name (a log never appended to is absent)
 * @param positions each group's committed offsets by log name
 */
public record LogStore(Map<String, StoredLog> logs, Map<String, Map<String, Long>> positions)
    implements WireMessage {

  public static final LogStore EMPTY = new LogStore(Map.of(), Map.of());

  /** The logs alone: every request applied, no sessions. */
  public static final StateMachine<LogStore, LogRequest, LogReply> LOGS =
      StateMachine.of(EMPTY, LogStore::apply);

  /** The machine Raft replicates: the logs with client sessions. */
  public static final SessionStateMachine<LogStore, LogRequest, LogReply> MACHINE =
      SessionStateMachine.wrap(LOGS, (request, why, reason) -> new LogReply.Rejected(request.id(), why, reason));

  public LogStore {
    logs = Map.copyOf(logs);
    positions = Map.copyOf(positions);
  }

  /** The log named {@code name} (empty if never appended to). */
  public StoredLog log(String name) {
    return logs.getOrDefault(name, StoredLog.EMPTY);
  }

  /** The store after {@code request}, and its answer. */
  public StateMachine.Applied<LogStore, LogReply> apply(LogRequest request) {
    if (request instanceof LogRequest.Append a) {
      StoredLog log = log(a.log()).append(a.recordKey(), a.value(), a.timestamp());
      return new StateMachine.Applied<>(withLog(a.log(), log),
          new LogReply.Appended(a.id(), log.next() - 1, log.lastTimestamp()));
    }
    if (request instanceof LogRequest.ReadLog r) {
      StoredLog log = log(r.log());
      return new StateMachine.Applied<>(this, new LogReply.Records(r.id(), log.start(), log.next(),
          log.trimmedBefore(), log.read(r.from(), r.max())));
    }
    if (request instanceof LogRequest.Trim t) {
      StoredLog log = log(t.log()).trim(t.olderThan(), t.maxRecords(), t.maxBytes());
      return new StateMachine.Applied<>(withLog(t.log(), log), new LogReply.Trimmed(t.id(), log.start()));
    }
    if (request instanceof LogRequest.CommitPosition c) {
      Map<String, Map<String, Long>> next = new HashMap<>(positions);
      Map<String, Long> group = new HashMap<>(positions.getOrDefault(c.group(), Map.of()));
      group.put(c.log(), c.offset());
      next.put(c.group(), Map.copyOf(group));
      return new StateMachine.Applied<>(new LogStore(logs, next), new LogReply.Committed(c.id()));
    }
    LogRequest.ReadPositions p = (LogRequest.ReadPositions) request;
    Map<String, Long> group = positions.getOrDefault(p.group(), Map.of());
    Map<String, Long> found = new TreeMap<>();
    p.logs().forEach(log -> {
      if (group.containsKey(log)) {
        found.put(log, group.get(log));
      }
    });
    return new StateMachine.Applied<>(this, new LogReply.Positions(p.id(), found));
  }

  private LogStore withLog(String name, StoredLog log) {
    Map<String, StoredLog> next = new HashMap<>(logs);
    next.put(name, log);
    return new LogStore(next, positions);
  }
}
