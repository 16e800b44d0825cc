package dev.parley.cluster;

import dev.parley.protocols.replication.RequestId;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * Who an HTTP request comes from: the client it names ({@code ?client=NAME}), or, for a request
 * naming none, a fresh anonymous client of its own ({@code anon-<node run>-<n>}): requests that do
 * not name a client never share one, so they never share a request id, a lock or a history process.
 * A replicated store keeps no session for an anonymous client ({@link RequestId#isAnonymous}): the
 * edge sends its request once and never retries it, so it is applied at most once and leaves nothing
 * behind; a client that wants its retries recognised names itself ({@code ?client=NAME&seq=N}).
 */
public final class Clients {

  /** What a client name may be: letters, digits and {@code . _ - : @ /}, 1 to 128 of them. */
  public static final Pattern NAME = Pattern.compile("[A-Za-z0-9._\\-:@/]{1,128}");

  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  private static final AtomicLong NEXT = new AtomicLong();

  private Clients() {}

  /** A client name no other request of any node run has. */
  public static String anonymous() {
    return RequestId.ANONYMOUS_PREFIX + RUN + "-" + NEXT.incrementAndGet();
  }

  /** Whether {@code client} is a name {@link #anonymous} gave. */
  public static boolean isAnonymous(String client) {
    return client.startsWith(RequestId.ANONYMOUS_PREFIX);
  }

  /**
   * {@code name} if it is a valid client name, else an {@link IllegalArgumentException} saying what
   * one is.
   */
  public static String named(String name) {
    if (name.isEmpty()) {
      throw new IllegalArgumentException("client is empty: name the client (client=alice), or leave the parameter"
          + " out to be a client of your own for this one request");
    }
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("client '" + abbreviate(name) + "' is not a client name: 1 to 128 letters,"
          + " digits and . _ - : @ /");
    }
    return name;
  }

  /** {@code s}, cut to 40 characters for an error message. */
  public static String abbreviate(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "..." : s;
  }
}
