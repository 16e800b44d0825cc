package dev.parley.protocols.replication;

import dev.parley.protocols.core.Payload;
import dev.parley.protocols.core.WireMessage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Client sessions (the Raft dissertation's section 6.3, with a window instead of one request per
 * client): for each client, the requests it numbered most recently, so that a request id names one
 * request only. The rules live here once; {@link SessionStateMachine} applies them around any state
 * machine, and the stores that are not state machines (quorum, gossip) keep them per coordinator.
 *
 * <p>Rules, for a request with id {@code (client, seq)}:
 *
 * <ul>
 *   <li>an id among the client's last {@link #WINDOW} is a <b>retry</b> if it is the same request
 *       ({@link ClientRequest#fingerprint}): a write is answered with its first answer and not applied
 *       again, a read is read again; a <b>different request</b> under that id is refused ({@link
 *       Why#ID_REUSED}) and has no effect;
 *   <li>a new id is applied, in whatever order the client's requests arrive (a client may have
 *       several in flight, and they may overtake each other on the way);
 *   <li>an id at or below the client's {@link Session#floor} (older than its window) is refused
 *       ({@link Why#SEQ_FORGOTTEN}): whether it was applied can no longer be told.
 * </ul>
 *
 * <p>An immutable value, so it can sit in a replicated state and its snapshots: the same requests
 * applied in the same order give the same sessions on every replica. Reads are recorded without their
 * answers (a retried read is read again), so sessions stay small.
 *
 * <p>Cost: a look-up in one client's window (at most {@value #WINDOW} entries) per request; {@link
 * #record} copies the client table (per-client expiry and a structure-sharing table are later work).
 *
 * @param byClient each client's session
 * @param <R> the answers remembered
 */
public record ClientSessions<R>(Map<String, Session> byClient) implements WireMessage {

  /** How many of a client's most recent requests are remembered. */
  public static final int WINDOW = 64;

  @SuppressWarnings("rawtypes")
  private static final ClientSessions EMPTY = new ClientSessions<>(Map.of());

  /** No client seen yet. */
  @SuppressWarnings("unchecked")
  public static <R> ClientSessions<R> empty() {
    return EMPTY;
  }

  public ClientSessions {
    byClient = byClient == null ? Map.of() : Map.copyOf(byClient);
  }

  /** Why a request was refused. */
  public enum Why {
    /** Its id already names another request. */
    ID_REUSED,
    /** Its seq is older than the requests its client's session remembers. */
    SEQ_FORGOTTEN;

    /** The name a client sees, such as {@code id-reused}. */
    public String label() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /**
   * One request a client made: its number, fingerprint, a few words saying what it was (for the
   * message refusing another request under its id), and its answer (null for a read), whatever its
   * type (a {@link Payload} on the wire).
   */
  public record Applied(long seq, String fingerprint, String what, @Payload Object reply) implements WireMessage {}

  /**
   * A client's session: its remembered requests in order of seq (at most {@link #WINDOW}), and the
   * highest seq it forgot (0 if none).
   */
  public record Session(long floor, List<Applied> recent) implements WireMessage {
    public Session {
      recent = recent == null ? List.of() : List.copyOf(recent);
    }

    /** The remembered request numbered {@code seq}, or null. */
    public Applied find(long seq) {
      for (Applied a : recent) {
        if (a.seq() == seq) {
          return a;
        }
      }
      return null;
    }

    Session with(Applied applied) {
      List<Applied> next = new ArrayList<>(recent.size() + 1);
      int at = 0;
      while (at < recent.size() && recent.get(at).seq() < applied.seq()) {
        at++;
      }
      next.addAll(recent.subList(0, at));
      next.add(applied);
      next.addAll(recent.subList(at, recent.size()));
      long forgotten = floor;
      while (next.size() > WINDOW) {
        forgotten = Math.max(forgotten, next.remove(0).seq());
      }
      return new Session(forgotten, next);
    }
  }

  /** What to do with a request. */
  public sealed interface Check<R> {}

  /** Not seen before: apply it. */
  public record Fresh<R>() implements Check<R> {}

  /** The same request again: answer {@code first} (null for a read: read again). */
  public record Retry<R>(R first) implements Check<R> {}

  /** Refuse it, without effect, because {@code why}: {@code reason} says it to the client. */
  public record Refused<R>(Why why, String reason) implements Check<R> {}

  /** What to do with {@code request}, given what its client did before. */
  @SuppressWarnings("unchecked")
  public Check<R> check(ClientRequest request) {
    RequestId id = request.id();
    Session session = byClient.get(id.client());
    if (session == null) {
      return new Fresh<>();
    }
    Applied before = session.find(id.seq());
    if (before != null) {
      if (before.fingerprint().equals(request.fingerprint())) {
        return new Retry<>((R) before.reply());
      }
      return new Refused<>(Why.ID_REUSED, reusedReason(request, before.what()));
    }
    if (id.seq() <= session.floor()) {
      return new Refused<>(Why.SEQ_FORGOTTEN, "seq " + id.seq() + " of client " + id.client()
          + " is older than the last " + WINDOW + " requests this store remembers for it (it forgot up to seq "
          + session.floor() + "), so whether it was applied cannot be told; it was not applied now: use a new seq");
    }
    return new Fresh<>();
  }

  /**
   * The refusal of {@code request} when its id already names {@code earlier}, a different request (for
   * stores that keep the requests in flight or in their logs rather than in sessions).
   */
  public static <R> Refused<R> idReused(ClientRequest request, ClientRequest earlier) {
    return new Refused<>(Why.ID_REUSED, reusedReason(request, earlier.describe()));
  }

  private static String reusedReason(ClientRequest request, String earlier) {
    return "request id " + request.id() + " already names " + earlier + "; this request (" + request.describe()
        + ") was not applied: give each request a new seq (a retry must repeat its request exactly)";
  }

  /** The sessions after {@code request} was applied and answered {@code reply}. */
  public ClientSessions<R> record(ClientRequest request, R reply) {
    RequestId id = request.id();
    Session session = byClient.getOrDefault(id.client(), new Session(0, List.of()));
    Applied applied = new Applied(id.seq(), request.fingerprint(), request.describe(),
        request.isWrite() ? reply : null);
    Map<String, Session> next = new HashMap<>(byClient);
    next.put(id.client(), session.with(applied));
    return new ClientSessions<>(next);
  }
}
