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
 *
 * <p>A client whose name is {@value #REGISTERED_PREFIX}{@code n} is <b>registered</b>: the store
 * issued it that id ({@link Register}, the n-th registration), so whether it is unknown or expired
 * is exact ({@link ClientSessions}). No client may name itself so.
 */
public record RequestId(String client, long seq) implements WireMessage {

  /** How the names of anonymous clients start; no named client may start so. */
  public static final String ANONYMOUS_PREFIX = "anon-";

  /** How the ids a store issues to registering clients start: {@code reg-1}, {@code reg-2}, ... */
  public static final String REGISTERED_PREFIX = "reg-";

  /** Whether the client is registered: its name is one a store issues. */
  @JsonIgnore
  public boolean isRegistered() {
    return isRegistered(client);
  }

  /** Whether {@code client} is a name a store issues to a registering client. */
  public static boolean isRegistered(String client) {
    return client != null && client.startsWith(REGISTERED_PREFIX);
  }

  /** The n of a registered name {@code reg-n}, or 0 if what follows the prefix is not a positive number. */
  public static long registeredNumber(String client) {
    String digits = client.substring(REGISTERED_PREFIX.length());
    if (digits.isEmpty() || digits.length() > 18 || !digits.chars().allMatch(Character::isDigit)) {
      return 0;
    }
    return Long.parseLong(digits);
  }

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
