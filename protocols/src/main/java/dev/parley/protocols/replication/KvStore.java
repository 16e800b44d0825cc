package dev.parley.protocols.replication;

import dev.parley.protocols.core.WireMessage;
import java.util.Map;
import java.util.Objects;
import org.pcollections.TreePMap;

/**
 * The key-value state machine every store of this package keeps: a map of keys to values and the
 * clients' sessions ({@link ClientSessions}): a retried request (same {@link RequestId}, same request)
 * is answered as the first time and applied once, another request under a used id is refused. The
 * sessions are applied by the generic layer, {@link SessionStateMachine}, around the keys; they sit
 * beside the keys here because primary-backup and chain replication hold the store without Raft. An
 * immutable value: {@link #apply} returns the next store and the reply, so it can be an {@code
 * EventSourcedBehavior}'s state or a snapshot; {@link #MACHINE} is the store as Raft's {@link
 * StateMachine}.
 *
 * <p>Cost: the values are a persistent sorted map (structure-sharing), so a write costs O(log n) for
 * n keys and shares the rest with the store before it; the sessions likewise ({@link
 * ClientSessions}: anonymous requests leave none, silent clients' sessions expire). On the wire the
 * values are a plain map, converted once when a store is read back.
 *
 * @param values the keys and their values (a key never written is absent)
 * @param sessions each client's recent requests and what they were answered
 */
public record KvStore(Map<String, String> values, ClientSessions<KvReply> sessions) implements WireMessage {

  /** The store and the reply one request produced. */
  public record Result(KvStore store, KvReply reply) {}

  public static final KvStore EMPTY = new KvStore(TreePMap.empty(), ClientSessions.empty());

  /** The store as a state machine, for {@link Raft}: its state is the store itself. */
  public static final StateMachine<KvStore, KvRequest, KvReply> MACHINE = machine(SessionExpiry.DEFAULT);

  /** An empty store whose client sessions expire by {@code expiry}. */
  public static KvStore empty(SessionExpiry expiry) {
    return new KvStore(TreePMap.empty(), ClientSessions.empty(expiry));
  }

  /** The store as a state machine starting empty, its client sessions expiring by {@code expiry}. */
  public static StateMachine<KvStore, KvRequest, KvReply> machine(SessionExpiry expiry) {
    return StateMachine.of(empty(expiry), (store, request) -> {
      Result r = store.apply(request);
      return new StateMachine.Applied<>(r.store(), r.reply());
    });
  }

  /** The keys alone, without sessions: what {@link SessionStateMachine} wraps. */
  private static final StateMachine<Map<String, String>, KvRequest, KvReply> KEYS =
      StateMachine.of(TreePMap.empty(), KvStore::applyToKeys);

  private static final SessionStateMachine<Map<String, String>, KvRequest, KvReply> WITH_SESSIONS =
      SessionStateMachine.wrap(KEYS, (request, why, reason) -> new KvReply.Rejected(request.id(), why, reason))
          .withRegistration((request, client) -> new KvReply.Ok(request.id(), client));

  public KvStore {
    values = values instanceof TreePMap<String, String> shared ? shared : TreePMap.from(values);
    sessions = sessions == null ? ClientSessions.empty() : sessions;
  }

  /** The value of {@code key}, or null if never written. */
  public String get(String key) {
    return values.get(key);
  }

  /**
   * Applies {@code request} once, by the rules of {@link ClientSessions}: a retry of a write changes
   * nothing and is answered with its first answer, a request under an id that names another one (or
   * one too old to tell) is answered {@link KvReply.Rejected} without effect. A get reads the values
   * without changing them (its id is remembered). A {@link Register} issues a client id, answered
   * {@link KvReply.Ok} with the id as its value.
   */
  public Result apply(KvRequest request) {
    StateMachine.Applied<SessionStateMachine.Sessioned<Map<String, String>, KvReply>, KvReply> applied =
        WITH_SESSIONS.apply(new SessionStateMachine.Sessioned<>(values, sessions), request);
    SessionStateMachine.Sessioned<Map<String, String>, KvReply> next = applied.state();
    KvStore store = next.state() == values && next.sessions() == sessions ? this
        : new KvStore(next.state(), next.sessions());
    return new Result(store, applied.reply());
  }

  private static StateMachine.Applied<Map<String, String>, KvReply> applyToKeys(Map<String, String> values,
      KvRequest request) {
    if (request instanceof Get g) {
      return new StateMachine.Applied<>(values, new KvReply.Ok(g.id(), values.get(g.key())));
    }
    if (request instanceof Put p) {
      return new StateMachine.Applied<>(with(values, p.key(), p.value()), new KvReply.Ok(p.id(), null));
    }
    Cas c = (Cas) request;
    String current = values.get(c.key());
    if (Objects.equals(current, c.expected())) {
      return new StateMachine.Applied<>(with(values, c.key(), c.value()), new KvReply.Ok(c.id(), null));
    }
    return new StateMachine.Applied<>(values, new KvReply.CasFailed(c.id(), current));
  }

  private static Map<String, String> with(Map<String, String> values, String key, String value) {
    return (values instanceof TreePMap<String, String> shared ? shared : TreePMap.from(values)).plus(key, value);
  }
}
