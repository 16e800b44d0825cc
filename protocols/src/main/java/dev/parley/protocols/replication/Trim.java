package dev.parley.protocols.replication;

/**
 * Retention: delete from the start of the log named {@code log} every record stamped before {@code
 * olderThan} (epoch millis; {@link Long#MIN_VALUE} for no age limit), then as many more as needed
 * for the rest to hold at most {@code maxRecords} records and {@code maxBytes} bytes of values
 * ({@link Long#MAX_VALUE}: no limit). The cutoff travels in the request, so every replica deletes
 * the same records. Answered {@link KvReply.Ok} carrying the log's start offset after it.
 */
public record Trim(RequestId id, String log, long olderThan, long maxRecords, long maxBytes)
    implements KvRequest {

  public Trim {
    if (maxRecords < 0 || maxBytes < 0) {
      throw new IllegalArgumentException("retention limits are >= 0, got maxRecords " + maxRecords
          + ", maxBytes " + maxBytes);
    }
  }

  @Override
  public String key() {
    return log;
  }
}
