package dev.parley.protocols.replication;

/**
 * Append a record ({@code recordKey}, which may be null, and {@code value}) to the end of the log
 * named {@code log}, stamped {@code timestamp} (epoch millis, chosen by whoever made the request so
 * every replica applies the same; the store keeps a log's stamps non-decreasing, so it stamps a
 * record no earlier than the one before it). Answered {@link KvReply.Appended} with the record's
 * offset and stamp. The request's {@link #key()} is the log's name.
 */
public record Append(RequestId id, String log, String recordKey, String value, long timestamp)
    implements KvRequest {

  @Override
  public String key() {
    return log;
  }
}
