package dev.parley.protocols.replication;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.parley.protocols.core.WireMessage;

/**
 * A client's request, named so that a retry is recognised: the client and its count of requests
 * (1, 2, ...). A replicated store applies each request id at most once and answers a retry with the
 * first answer.
 *
 * <p>A client whose name starts with {@value #ANONYMOUS_PREFIX} is <b>anonymous</b>: a request of its
 * own that named no client (one HTTP call), sent once and never retried by its sender, so stores keep
 * no session for it ({@link ClientSessions}): it leaves nothing behind once answered.
 */
public record RequestId(String client, long seq) implements WireMessage {

  /** How the names of anonymous clients start; no named client may start so. */
  public static final String ANONYMOUS_PREFIX = "anon-";

  /** Whether the client is anonymous: a request of its own, with no session. */
  @JsonIgnore
  public boolean isAnonymous() {
    return client != null && client.startsWith(ANONYMOUS_PREFIX);
  }

  @Override
  public String toString() {
    return client + ":" + seq;
  }
}
