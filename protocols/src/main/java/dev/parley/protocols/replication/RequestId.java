package dev.parley.protocols.replication;

import dev.parley.protocols.core.WireMessage;

/**
 * A client's request, named so that a retry is recognised: the client and its count of requests
 * (1, 2, ...). A replicated store applies each request id at most once and answers a retry with the
 * first answer.
 */
public record RequestId(String client, long seq) implements WireMessage {
  @Override
  public String toString() {
    return client + ":" + seq;
  }
}
