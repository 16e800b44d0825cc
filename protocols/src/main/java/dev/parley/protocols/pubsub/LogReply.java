package dev.parley.protocols.pubsub;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.WireMessage;
import dev.parley.protocols.replication.ClientSessions;
import dev.parley.protocols.replication.RequestId;
import java.util.List;
import java.util.Map;

/** The answer to a {@link LogRequest}, carrying its id, at the replica the request was given to. */
public sealed interface LogReply extends WireMessage
    permits LogReply.Appended, LogReply.Records, LogReply.Trimmed, LogReply.Committed, LogReply.Positions,
        LogReply.Rejected, LogReply.NotLeader, LogReply.Failed {

  RequestId id();

  /** The record is at {@code offset} of its log, stamped {@code timestamp}. */
  record Appended(RequestId id, long offset, long timestamp) implements LogReply {}

  /**
   * What a read read: {@code records} in offset order, and the log's {@code start} (first offset
   * held), {@code end} (next offset to be appended) and the age cutoff of its last retention ({@code
   * trimmedBefore}, {@link Long#MIN_VALUE} if none).
   */
  record Records(RequestId id, long start, long end, long trimmedBefore, List<LogRecord> records)
      implements LogReply {
    public Records {
      records = List.copyOf(records);
    }
  }

  /** Retention done: the log now starts at {@code start}. */
  record Trimmed(RequestId id, long start) implements LogReply {}

  /** The group's position is recorded. */
  record Committed(RequestId id) implements LogReply {}

  /** The group's positions by log name (a log it never committed in is absent). */
  record Positions(RequestId id, Map<String, Long> positions) implements LogReply {
    public Positions {
      positions = Map.copyOf(positions);
    }
  }

  /** Refused without effect by the client sessions: {@code why}, and {@code reason} in words. */
  record Rejected(RequestId id, ClientSessions.Why why, String reason) implements LogReply {}

  /** This replica does not lead; {@code leader} does (null: unknown). The request had no effect. */
  record NotLeader(RequestId id, NodeId leader) implements LogReply {}

  /** The machine threw applying the request, so it had no effect: {@code error} names the exception. */
  record Failed(RequestId id, String error) implements LogReply {}
}
