package dev.parley.protocols.replication;

import dev.parley.protocols.core.WireMessage;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The replicated state machine every algorithm of this package keeps: a map of keys to values, named
 * append-only logs of records ({@link StoredLog}: offsets from 0, deleted only from the start by
 * retention), and each client's last request and its answer, so a retried request (same {@link RequestId}) is
 * answered as the first time and applied once. An immutable value: {@link #apply} returns the next
 * store and the reply, so it can be an {@code EventSourcedBehavior}'s state or a snapshot.
 *
 * @param values the keys and their values (a key never written is absent)
 * @param lastByClient each client's last applied request and what it was answered
 * @param logs the logs by name (a log never appended to is absent)
 */
public record KvStore(Map<String, String> values, Map<String, Applied> lastByClient, Map<String, StoredLog> logs)
    implements WireMessage {

  /** A client's last applied request and its reply. */
  public record Applied(long seq, KvReply reply) implements WireMessage {}

  /** The store and the reply one request produced. */
  public record Result(KvStore store, KvReply reply) {}

  public static final KvStore EMPTY = new KvStore(Map.of(), Map.of(), Map.of());

  public KvStore {
    values = Map.copyOf(values); // no copy when it is one already: a write costs one copy of the map
    lastByClient = Map.copyOf(lastByClient);
    logs = logs == null ? Map.of() : Map.copyOf(logs); // null: a snapshot from before logs existed
  }

  /** The log named {@code name} (empty if never appended to). */
  public StoredLog log(String name) {
    return logs.getOrDefault(name, StoredLog.EMPTY);
  }

  /** The value of {@code key}, or null if never written. */
  public String get(String key) {
    return values.get(key);
  }

  /**
   * Applies {@code request} once: a request already applied (its client's last seq is at least its
   * own) changes nothing and is answered with the recorded reply (for an older one, an Ok carrying
   * nothing, as its client has moved on). A get or a log read reads without changing the store.
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
    if (request instanceof ReadLog r) {
      StoredLog log = log(r.log());
      return new Result(this, new KvReply.Records(r.id(), log.start(), log.next(), log.trimmedBefore(),
          log.read(r.from(), r.max())));
    }
    KvReply reply;
    Map<String, String> next = values;
    Map<String, StoredLog> nextLogs = logs;
    if (request instanceof Append a) {
      StoredLog log = log(a.log()).append(a.recordKey(), a.value(), a.timestamp());
      nextLogs = withLog(a.log(), log);
      reply = new KvReply.Appended(a.id(), log.next() - 1, log.lastTimestamp());
    } else if (request instanceof Trim t) {
      StoredLog log = log(t.log()).trim(t.olderThan(), t.maxRecords(), t.maxBytes());
      nextLogs = withLog(t.log(), log);
      reply = new KvReply.Ok(t.id(), Long.toString(log.start()));
    } else if (request instanceof Put p) {
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
    return new Result(new KvStore(next, clients, nextLogs), reply);
  }

  private Map<String, StoredLog> withLog(String name, StoredLog log) {
    Map<String, StoredLog> next = new HashMap<>(logs);
    next.put(name, log);
    return next;
  }

  private Map<String, String> with(String key, String value) {
    Map<String, String> next = new HashMap<>(values);
    next.put(key, value);
    return next;
  }
}
