package dev.parley.protocols.pubsub;

import dev.parley.protocols.core.Fingerprint;
import dev.parley.protocols.replication.ClientRequest;
import dev.parley.protocols.replication.RequestId;
import java.util.List;

/**
 * The commands of the partitioned log's state machine ({@link LogStore}), each answered by a {@link
 * LogReply} carrying its {@link RequestId}: appends, reads and retention on named logs (a partition's
 * log is {@code topic/p}), and consumer groups' positions. Applied in Raft's one agreed order, so
 * every replica holds the same records at the same offsets.
 */
public sealed interface LogRequest extends ClientRequest
    permits LogRequest.Append, LogRequest.ReadLog, LogRequest.Trim, LogRequest.CommitPosition,
        LogRequest.ReadPositions {

  /**
   * Append a record ({@code recordKey}, which may be null, and {@code value}) to the end of the log
   * named {@code log}, stamped {@code timestamp} (epoch millis, chosen by whoever made the request so
   * every replica applies the same; the store keeps a log's stamps non-decreasing, so it stamps a
   * record no earlier than the one before it). Answered {@link LogReply.Appended}. The stamp is not
   * part of the fingerprint: a retry is stamped anew and still the same append.
   */
  record Append(RequestId id, String log, String recordKey, String value, long timestamp) implements LogRequest {
    @Override
    public String fingerprint() {
      return Fingerprint.of("append", log, recordKey, value);
    }

    @Override
    public String describe() {
      return ClientRequest.describe("append", "log", log);
    }
  }

  /**
   * Read at most {@code max} records of the log named {@code log} from offset {@code from} on (from
   * its start if {@code from} was deleted); answered {@link LogReply.Records}.
   */
  record ReadLog(RequestId id, String log, long from, int max) implements LogRequest {
    @Override
    public String fingerprint() {
      return Fingerprint.of("read", log, Long.toString(from), Integer.toString(max));
    }

    @Override
    public String describe() {
      return ClientRequest.describe("read", "log", log);
    }
  }

  /**
   * Retention: delete from the start of the log named {@code log} every record stamped before {@code
   * olderThan} (epoch millis; {@link Long#MIN_VALUE} for no age limit), then as many more as needed
   * for the rest to hold at most {@code maxRecords} records and {@code maxBytes} bytes of values
   * ({@link Long#MAX_VALUE}: no limit). The cutoff travels in the request, so every replica deletes
   * the same records. Answered {@link LogReply.Trimmed} with the log's start offset after it.
   */
  record Trim(RequestId id, String log, long olderThan, long maxRecords, long maxBytes) implements LogRequest {
    public Trim {
      if (maxRecords < 0 || maxBytes < 0) {
        throw new IllegalArgumentException("retention limits are >= 0, got maxRecords " + maxRecords
            + ", maxBytes " + maxBytes);
      }
    }

    @Override
    public String fingerprint() {
      return Fingerprint.of("trim", log, Long.toString(olderThan), Long.toString(maxRecords),
          Long.toString(maxBytes));
    }

    @Override
    public String describe() {
      return ClientRequest.describe("trim", "log", log);
    }
  }

  /**
   * Consumer group {@code group} has consumed the log named {@code log} up to {@code offset};
   * answered {@link LogReply.Committed}.
   */
  record CommitPosition(RequestId id, String group, String log, long offset) implements LogRequest {
    @Override
    public String fingerprint() {
      return Fingerprint.of("commit", group, log, Long.toString(offset));
    }

    @Override
    public String describe() {
      return ClientRequest.describe("commit", "group", group);
    }
  }

  /** The positions {@code group} committed in the logs named {@code logs}; answered {@link LogReply.Positions}. */
  record ReadPositions(RequestId id, String group, List<String> logs) implements LogRequest {
    public ReadPositions {
      logs = List.copyOf(logs);
    }

    @Override
    public String fingerprint() {
      return Fingerprint.of("positions", group, String.join("\n", logs));
    }

    @Override
    public String describe() {
      return ClientRequest.describe("positions read", "group", group);
    }
  }

  @Override
  default boolean isWrite() {
    return !(this instanceof ReadLog || this instanceof ReadPositions);
  }
}
