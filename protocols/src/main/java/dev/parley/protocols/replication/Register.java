package dev.parley.protocols.replication;

import dev.parley.protocols.core.Fingerprint;

/**
 * Ask the store for a client id of its own (the Raft dissertation's RegisterClient, section 6.3):
 * applied through the log like a write, it issues the next id, {@code reg-n}, opens its session and
 * is answered {@link KvReply.Ok} with that id as its value. A client that then numbers its requests
 * under that id is told exactly, once its session is gone, that it expired (never mistaken for a new
 * client, never applied twice: {@link ClientSessions}). {@code id} names this request itself (usually
 * anonymous); a retried registration under a named id gets the id it was issued the first time.
 *
 * <p>Served by the stores that keep sessions in their replicated state (Raft, primary-backup, chain);
 * quorum, gossip and two-phase commit refuse it, saying so. It touches no key ({@link #key} is empty).
 */
public record Register(RequestId id) implements KvRequest {

  /** Why a store without replicated sessions (quorum, gossip, two-phase commit) refuses a registration. */
  public static final String NOT_HERE = "registration needs a store that keeps client sessions in its replicated"
      + " state; use raft, primary-backup or chain, or name the client";

  @Override
  public String key() {
    return "";
  }

  @Override
  public String fingerprint() {
    return Fingerprint.of("register");
  }

  @Override
  public String describe() {
    return "a registration of a client";
  }

  @Override
  public boolean registers() {
    return true;
  }
}
