package dev.parley.protocols.replication;

import dev.parley.protocols.core.WireMessage;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The replicated state machine every algorithm of this package keeps: a map of keys to values, and
 * each client's last request and its answer, so a retried request (same {@link RequestId}) is
 * answered as the first time and applied once. An immutable value: {@link #apply} returns the next
 * store and the reply, so it can be an {@code EventSourcedBehavior}'s state or a snapshot.
 *
 * @param values the keys and their values (a key never written is absent)
 * @param lastByClient each client's last applied request and what it was answered
 */
public record KvStore(Map<String, String> values, Map<String, Applied> lastByClient)
    implements WireMessage {

  /** A client's last applied request and its reply. */
  public record Applied(long seq, KvReply reply) implements WireMessage {}

  /** The store and the reply one request produced. */
  public record Result(KvStore store, KvReply reply) {}

  public static final KvStore EMPTY = new KvStore(Map.of(), Map.of());

  public KvStore {
    values = Map.copyOf(values); // no copy when it is one already: a write costs one copy of the map
    lastByClient = Map.copyOf(lastByClient);
  }

  /** The value of {@code key}, or null if never written. */
  public String get(String key) {
    return values.get(key);
  }

  /**
   * Applies {@code request} once: a request already applied (its client's last seq is at least its
   * own) changes nothing and is answered with the recorded reply (for an older one, an Ok carrying
   * nothing, as its client has moved on). A get reads without changing the store.
   */
  public Result apply(KvRequest request) {
    Objects.requireNonNull(request, "request");
    Applied last = lastByClient.get(request.id().client());
    if (last != null && last.seq() >= request.id().seq()) {
      KvReply reply = last.seq() == request.id().seq() ? last.reply() : new KvReply.Ok(request.id(), null);
      return new Result(this, reply);
    }
    if (request instanceof Get g) {
      return new Result(this, new KvReply.Ok(g.id(), values.get(g.key())));
    }
    KvReply reply;
    Map<String, String> next = values;
    if (request instanceof Put p) {
      next = with(p.key(), p.value());
      reply = new KvReply.Ok(p.id(), null);
    } else {
      Cas c = (Cas) request;
      String current = values.get(c.key());
      if (Objects.equals(current, c.expected())) {
        next = with(c.key(), c.value());
        reply = new KvReply.Ok(c.id(), null);
      } else {
        reply = new KvReply.CasFailed(c.id(), current);
      }
    }
    Map<String, Applied> clients = new HashMap<>(lastByClient);
    clients.put(request.id().client(), new Applied(request.id().seq(), reply));
    return new Result(new KvStore(next, clients), reply);
  }

  private Map<String, String> with(String key, String value) {
    Map<String, String> next = new HashMap<>(values);
    next.put(key, value);
    return next;
  }
}
