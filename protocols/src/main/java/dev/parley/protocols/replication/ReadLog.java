package dev.parley.protocols.replication;

/**
 * Read at most {@code max} records of the log named {@code log} from offset {@code from} on (from
 * its start if {@code from} was deleted); answered {@link KvReply.Records}. A read: it changes
 * nothing. The request's {@link #key()} is the log's name.
 */
public record ReadLog(RequestId id, String log, long from, int max) implements KvRequest {

  @Override
  public String key() {
    return log;
  }
}
