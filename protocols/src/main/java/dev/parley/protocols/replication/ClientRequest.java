package dev.parley.protocols.replication;

import dev.parley.protocols.core.WireMessage;

/**
 * A request a client numbered ({@link RequestId}), so that client sessions ({@link ClientSessions})
 * can tell a retry from another request under the same id and answer the retry as the first time.
 */
public interface ClientRequest extends WireMessage {

  RequestId id();

  /**
   * What the request asks, without its id and without what its sender stamps on each attempt: equal
   * for a retry of the same request, different for another request. A hash of the fields ({@code
   * Fingerprint.of}), the same on every JVM.
   */
  String fingerprint();

  /** A few words saying what it is, such as {@code a put of key "x"}, for the message refusing another. */
  String describe();

  /** Whether it may change the state: its answer is remembered for a retry; a read is read again. */
  boolean isWrite();

  /**
   * Whether it asks the sessions for a client id of the store's own ({@link ClientSessions#register})
   * rather than anything of the wrapped machine.
   */
  default boolean registers() {
    return false;
  }

  /** {@code a put of key "x"}: the article, the kind, what it acts on and its name (cut at 40 characters). */
  static String describe(String kind, String on, String name) {
    String shown = name == null ? "" : name.length() > 40 ? name.substring(0, 40) + "..." : name;
    return ("aeio".indexOf(kind.charAt(0)) >= 0 ? "an " : "a ") + kind + " of " + on + " \"" + shown + "\"";
  }
}
