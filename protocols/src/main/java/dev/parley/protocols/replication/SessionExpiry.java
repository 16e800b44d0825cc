package dev.parley.protocols.replication;

import dev.parley.protocols.core.WireMessage;

/**
 * When client sessions ({@link ClientSessions}) expire, and how much the store keeps to recognise an
 * expired client: a session expires once {@code afterRequests} requests of the store's clients have
 * been taken since its own client's last one; an expired session of a self-named client leaves its
 * highest seq folded into {@code buckets} counters, so a retry of one of its requests is refused,
 * never applied again (a registered client's needs nothing kept: its issued number says it expired).
 *
 * <p>Measured in requests, not in time, so every replica expires the same sessions at the same point
 * of the log (the Raft dissertation's section 6.3 asks for expiry that depends on the log alone); it
 * also bounds the sessions: at most {@code afterRequests} clients can have one at once. The settings
 * travel with the sessions (in snapshots), so replicas that started together keep them together.
 *
 * @param afterRequests how many requests (of any client) a client may stay silent before its session
 *     expires; at least 1
 * @param buckets how many counters remember the highest seq of expired self-named sessions (more:
 *     fewer new self-named clients mistaken for expired ones, a larger snapshot; at most 8 bytes each, only those in use)
 */
public record SessionExpiry(long afterRequests, int buckets) implements WireMessage {

  /** Fifty thousand requests of silence; 4,096 buckets. */
  public static final SessionExpiry DEFAULT = new SessionExpiry(50_000, 4096);

  public SessionExpiry {
    if (afterRequests < 1) {
      throw new IllegalArgumentException("session expiry after-requests must be at least 1, got " + afterRequests
          + ": the number of other requests after which a silent client's session expires");
    }
    if (buckets < 1 || buckets > 1 << 20) {
      throw new IllegalArgumentException("session expiry buckets must be from 1 to " + (1 << 20) + ", got " + buckets);
    }
  }
}
