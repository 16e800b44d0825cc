package dev.parley.protocols.replication;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.parley.protocols.core.NameBuckets;
import dev.parley.protocols.core.Payload;
import dev.parley.protocols.core.WireMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.pcollections.TreePMap;
import org.pcollections.TreePSet;

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
 *       ({@link Why#SEQ_FORGOTTEN}): whether it was applied can no longer be told;
 *   <li>an <b>anonymous</b> request ({@link RequestId#isAnonymous}: one HTTP call naming no client) is
 *       applied without a session: it has no retry to recognise (its edge sends it once), so it leaves
 *       nothing behind;
 *   <li>a session <b>expires</b> once {@link SessionExpiry#afterRequests} new requests (of any client)
 *       were taken since its client's last new one. A request of a <b>registered</b> client without a
 *       session is refused: {@link Why#SESSION_EXPIRED} if its id was issued, {@link
 *       Why#UNKNOWN_CLIENT} if not. A request of a self-named client without a session whose seq is
 *       at or below the <b>expired floor</b> of its name is refused ({@link Why#SESSION_EXPIRED}): it
 *       may be a retry of a request applied before the session expired. Any other request of a
 *       self-named client without a session opens one, whose floor is that expired floor.
 * </ul>
 *
 * <p><b>Registered clients: exact.</b> As in the dissertation, a client may register ({@link
 * #register}, through the log like any request): the store issues it a fresh id, {@value
 * RequestId#REGISTERED_PREFIX}{@code n} for the n-th registration, and opens its session. The store
 * keeps one number, how many ids it issued ({@link #registered}), so for a registered id without a
 * session the answer is exact: above that number it was never issued ({@link Why#UNKNOWN_CLIENT}:
 * register first); at or below it, its session expired ({@link Why#SESSION_EXPIRED}: any of its
 * requests may have been applied before, so none is applied now; register again). A new client that
 * registers is never taken for an expired one, and an expired one's retry is never applied twice,
 * whatever the number of clients ever seen, with no state per expired client.
 *
 * <p><b>Self-named clients: safe, not exact.</b> A client that names itself ({@code
 * ?client=alice&seq=1}) keeps working without registering, but a name alone cannot say whether it
 * was used before without keeping every name forever. What is kept instead is the dissertation's
 * "highest issued" applied to seqs, spread over a fixed number of buckets ({@link
 * SessionExpiry#buckets}): when a self-named session expires, its highest seq is raised into the
 * three buckets its name hashes to; a client's expired floor is the least of its three buckets. An
 * expired client's floor is at least its own highest seq, so its retries are always refused, never
 * applied twice; but a new self-named client is taken for an expired one when its seq is at or below
 * the floors of all three of its buckets: about (1 - e^(-3n/b))^3 for a new client numbering from 1
 * after n expired self-named clients in b buckets. The refusal says what to do (register, or number
 * above the floor). Clients that must never be refused by mistake register.
 *
 * <p>Deterministic: expiry counts the requests taken, in the order the replicated log applies them,
 * never a clock, so every replica expires the same sessions at the same point; the settings travel
 * with the sessions in snapshots. An immutable value: the same requests applied in the same order
 * give the same sessions on every replica. Reads are recorded without their answers (a retried read is
 * read again), so sessions stay small; at most {@code afterRequests} sessions exist at once.
 *
 * <p>Cost: structure-sharing (persistent) maps, so a new request costs O(log n) for n sessions plus a
 * copy of its client's window (at most {@value #WINDOW} entries), and each expiry O(log n); a retry
 * changes nothing; a registration O(log n). On the wire a plain map of sessions, the clock, the
 * buckets in use, the count of registrations, the settings.
 *
 * @param <R> the answers remembered
 */
@JsonAutoDetect(fieldVisibility = Visibility.NONE, getterVisibility = Visibility.NONE,
    isGetterVisibility = Visibility.NONE)
public final class ClientSessions<R> implements WireMessage {

  /** How many of a client's most recent requests are remembered. */
  public static final int WINDOW = 64;

  @SuppressWarnings("rawtypes")
  private static final ClientSessions EMPTY = new ClientSessions<>(SessionExpiry.DEFAULT);

  private final TreePMap<String, Session> byClient;
  private final long clock;
  private final TreePMap<Integer, Long> expired;
  private final SessionExpiry expiry;
  private final long registered;
  /** The sessions by their client's last new request, oldest first: the next to expire. */
  private final TreePSet<Active> byActivity;

  /** A client and the clock of its last new request. */
  private record Active(long at, String client) implements Comparable<Active> {
    @Override
    public int compareTo(Active o) {
      int c = Long.compare(at, o.at);
      return c != 0 ? c : client.compareTo(o.client);
    }
  }

  /** No client seen yet, sessions expiring by {@link SessionExpiry#DEFAULT}. */
  @SuppressWarnings("unchecked")
  public static <R> ClientSessions<R> empty() {
    return EMPTY;
  }

  /** No client seen yet, sessions expiring by {@code expiry}. */
  public static <R> ClientSessions<R> empty(SessionExpiry expiry) {
    return new ClientSessions<>(expiry);
  }

  private ClientSessions(SessionExpiry expiry) {
    this(TreePMap.empty(), 0, TreePMap.empty(), Objects.requireNonNull(expiry, "expiry"), 0, TreePSet.empty());
  }

  /**
   * The sessions as they travel (a plain map of sessions is taken as it is when it is a persistent
   * one already, else converted once).
   *
   * @param byClient each client's session
   * @param clock how many new requests were taken
   * @param expired the buckets in use: each the highest seq an expired session hashed to it had
   * @param expiry when sessions expire (null: {@link SessionExpiry#DEFAULT})
   * @param registered how many client ids {@link #register} issued (absent: none)
   */
  @JsonCreator
  public ClientSessions(@JsonProperty("byClient") Map<String, Session> byClient, @JsonProperty("clock") long clock,
      @JsonProperty("expired") Map<Integer, Long> expired, @JsonProperty("expiry") SessionExpiry expiry,
      @JsonProperty("registered") long registered) {
    this(persistent(byClient), clock, persistent(expired), expiry == null ? SessionExpiry.DEFAULT : expiry,
        registered, null);
  }

  private ClientSessions(TreePMap<String, Session> byClient, long clock, TreePMap<Integer, Long> expired,
      SessionExpiry expiry, long registered, TreePSet<Active> byActivity) {
    this.byClient = byClient;
    this.clock = clock;
    this.expired = expired;
    this.expiry = expiry;
    this.registered = registered;
    this.byActivity = byActivity != null ? byActivity : byClient.entrySet().stream()
        .map(e -> new Active(e.getValue().lastActive(), e.getKey())).collect(TreePSet.toTreePSet());
  }

  private static <K extends Comparable<? super K>, V> TreePMap<K, V> persistent(Map<K, V> map) {
    if (map == null) {
      return TreePMap.empty();
    }
    return map instanceof TreePMap<K, V> p ? p : TreePMap.from(map);
  }

  /** Each client's session (a persistent map: share it, never copy it). */
  @JsonProperty("byClient")
  public Map<String, Session> byClient() {
    return byClient;
  }

  /** How many new requests were taken: the clock sessions expire by. */
  @JsonProperty("clock")
  public long clock() {
    return clock;
  }

  /** The buckets in use: each the highest seq of the expired sessions whose names hash to it. */
  @JsonProperty("expired")
  public Map<Integer, Long> expired() {
    return expired;
  }

  /** When sessions expire. */
  @JsonProperty("expiry")
  public SessionExpiry expiry() {
    return expiry;
  }

  /** How many client ids {@link #register} issued: {@code reg-1} to {@code reg-<this>}. */
  @JsonProperty("registered")
  public long registered() {
    return registered;
  }

  /** Why a request was refused. */
  public enum Why {
    /** Its id already names another request. */
    ID_REUSED,
    /** Its seq is older than the requests its client's session remembers. */
    SEQ_FORGOTTEN,
    /** Its client has no session, and its seq may be that of a request applied before its session expired. */
    SESSION_EXPIRED,
    /** Its client names a registered id ({@link RequestId#isRegistered}) this store never issued. */
    UNKNOWN_CLIENT;

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
   * A client's session: its remembered requests in order of seq (at most {@link #WINDOW}), the highest
   * seq it forgot (0 if none), and the sessions' clock at its client's last new request.
   */
  public record Session(long floor, List<Applied> recent, long lastActive) implements WireMessage {
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

    /** The highest seq this session applied or forgot. */
    long highestSeq() {
      return recent.isEmpty() ? floor : Math.max(floor, recent.get(recent.size() - 1).seq());
    }

    Session with(Applied applied, long now) {
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
      return new Session(forgotten, next, now);
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

  /** How many clients have a session. */
  public int size() {
    return byClient.size();
  }

  /** What to do with {@code request}, given what its client did before. */
  @SuppressWarnings("unchecked")
  public Check<R> check(ClientRequest request) {
    RequestId id = request.id();
    if (id.isAnonymous()) {
      return new Fresh<>();
    }
    Session session = byClient.get(id.client());
    if (session == null && id.isRegistered()) {
      return unregistered(id);
    }
    if (session == null) {
      long floor = expiredFloor(id.client());
      if (id.seq() <= floor) {
        return new Refused<>(Why.SESSION_EXPIRED, "client " + id.client() + " has no session in this store, and seq "
            + id.seq() + " is not above " + floor + ", the highest seq of the expired sessions this store cannot tell"
            + " it from: if its session expired (no new request from it while " + expiry.afterRequests()
            + " others were taken), this request may have been applied already, and it was not applied now."
            + " Register for a new client id (one the store issues, never mistaken for an expired one), or start a new"
            + " client name; a client that is new may instead"
            + " number its requests above " + floor);
      }
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
          + " is older than the requests this store remembers for it (it forgot up to seq " + session.floor()
          + ": older than its last " + WINDOW + ", or from before its session expired), so whether it was applied"
          + " cannot be told; it was not applied now: use a new seq");
    }
    return new Fresh<>();
  }

  /** The refusal of a request of a registered id with no session: never issued, or expired (exact). */
  private <X> Refused<X> unregistered(RequestId id) {
    long number = RequestId.registeredNumber(id.client());
    if (number < 1 || number > registered) {
      return new Refused<>(Why.UNKNOWN_CLIENT, "client " + id.client() + " was never registered by this store (it"
          + " issued " + (registered == 0 ? "no client ids" : "reg-1 to reg-" + registered) + "; a client name"
          + " starting " + RequestId.REGISTERED_PREFIX + " is one the store issues), and the request was not applied:"
          + " register to get a client id, or name the client without that prefix");
    }
    return new Refused<>(Why.SESSION_EXPIRED, "the session of client " + id.client() + " expired (no new request"
        + " from it while " + expiry.afterRequests() + " others were taken), so request " + id + " may have been"
        + " applied before, and it was not applied now. Register again for a new client id");
  }

  /** The sessions after a registration, and the client id it issued. */
  public record Registration<R>(ClientSessions<R> sessions, String client) {}

  /**
   * Issues the next client id ({@value RequestId#REGISTERED_PREFIX}{@code n}) and opens its session,
   * as a new request does: the clock advances and silent sessions expire. Apply it through the log,
   * so every replica issues the same id at the same entry.
   */
  public Registration<R> register() {
    String client = RequestId.REGISTERED_PREFIX + (registered + 1);
    long now = clock + 1;
    TreePMap<String, Session> clients = byClient.plus(client, new Session(0, List.of(), now));
    TreePSet<Active> activity = byActivity.plus(new Active(now, client));
    return new Registration<>(expire(clients, now, activity, registered + 1), client);
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

  /**
   * The sessions after {@code request}, a new one ({@link Fresh}), was applied and answered {@code
   * reply}: the clock advances, the sessions silent for {@link SessionExpiry#afterRequests} expire,
   * and the request's client (unless anonymous) has it in its session.
   */
  public ClientSessions<R> record(ClientRequest request, R reply) {
    RequestId id = request.id();
    long now = clock + 1;
    TreePMap<String, Session> clients = byClient;
    TreePSet<Active> activity = byActivity;
    if (!id.isAnonymous()) {
      Session session = clients.get(id.client());
      if (session == null && id.isRegistered()) {
        throw new IllegalStateException("request " + id + " of a client without a session was recorded as new: "
            + unregistered(id).reason());
      }
      if (session == null) {
        session = new Session(expiredFloor(id.client()), List.of(), now);
      } else {
        activity = activity.minus(new Active(session.lastActive(), id.client()));
      }
      Applied applied = new Applied(id.seq(), request.fingerprint(), request.describe(),
          request.isWrite() ? reply : null);
      clients = clients.plus(id.client(), session.with(applied, now));
      activity = activity.plus(new Active(now, id.client()));
    }
    return expire(clients, now, activity, registered);
  }

  /**
   * The sessions at clock {@code now}, those silent for {@link SessionExpiry#afterRequests} gone; a
   * self-named one leaves its highest seq in its buckets, a registered one nothing (its number says
   * it was issued).
   */
  private ClientSessions<R> expire(TreePMap<String, Session> clients, long now, TreePSet<Active> activity,
      long issued) {
    TreePMap<Integer, Long> buckets = expired;
    long horizon = now - expiry.afterRequests();
    while (!activity.isEmpty() && activity.first().at() <= horizon) {
      Active oldest = activity.first();
      if (!RequestId.isRegistered(oldest.client())) {
        long highest = clients.get(oldest.client()).highestSeq();
        for (int bucket : buckets(oldest.client())) {
          if (buckets.getOrDefault(bucket, 0L) < highest) {
            buckets = buckets.plus(bucket, highest);
          }
        }
      }
      clients = clients.minus(oldest.client());
      activity = activity.minusFirst();
    }
    return new ClientSessions<>(clients, now, buckets, expiry, issued, activity);
  }

  /** The least of the buckets {@code client} hashes to: at least the highest seq of its expired session. */
  private long expiredFloor(String client) {
    long floor = Long.MAX_VALUE;
    for (int bucket : buckets(client)) {
      floor = Math.min(floor, expired.getOrDefault(bucket, 0L));
    }
    return floor;
  }

  /** The buckets {@code client} hashes to (the same on every JVM). */
  private int[] buckets(String client) {
    return NameBuckets.of(client, expiry.buckets());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ClientSessions<?> s && clock == s.clock && registered == s.registered
        && byClient.equals(s.byClient) && expired.equals(s.expired) && expiry.equals(s.expiry);
  }

  @Override
  public int hashCode() {
    return Objects.hash(byClient, clock, expired, expiry, registered);
  }

  @Override
  public String toString() {
    return "ClientSessions[" + byClient.size() + " sessions, clock " + clock + ", " + expired.size()
        + " expired buckets, " + registered + " registered, " + expiry + "]";
  }
}
