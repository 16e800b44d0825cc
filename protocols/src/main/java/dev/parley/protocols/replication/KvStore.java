package dev.parley.protocols.replication;

import dev.parley.protocols.core.WireMessage;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The replicated state machine every algorithm of this package keeps: a map of keys to values, named
 * append-only logs of records ({@link StoredLog}: offsets from 0, deleted only from the start by
 * retention), and the clients' sessions ({@link ClientSessions}): a retried request (same {@link
 * RequestId}, same request) is answered as the first time and applied once, another request under a
 * used id is refused. An immutable value: {@link #apply} returns the next store and the reply, so it
 * can be an {@code EventSourcedBehavior}'s state or a snapshot.
 *
 * @param values the keys and their values (a key never written is absent)
 * @param sessions each client's recent requests and what they were answered
 * @param logs the logs by name (a log never appended to is absent)
 */
public record KvStore(Map<String, String> values, ClientSessions sessions, Map<String, StoredLog> logs)
    implements WireMessage {

  /** The store and the reply one request produced. */
  public record Result(KvStore store, KvReply reply) {}

  public static final KvStore EMPTY = new KvStore(Map.of(), ClientSessions.EMPTY, Map.of());

  public KvStore {
    values = Map.copyOf(values); // no copy when it is one already: a write costs one copy of the map
    sessions = sessions == null ? ClientSessions.EMPTY : sessions; // null: a snapshot from before sessions
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
   * Applies {@code request} once, by the rules of {@link ClientSessions}: a retry of a write changes
   * nothing and is answered with its first answer, a request under an id that names another one (or
   * one too old to tell) is answered {@link KvReply.Rejected} without effect. A get or a log read reads
   * the values without changing them (its id is remembered).
   */
  public Result apply(KvRequest request) {
    Objects.requireNonNull(request, "request");
    ClientSessions.Check check = sessions.check(request);
    if (check instanceof ClientSessions.Refused refused) {
      return new Result(this, new KvReply.Rejected(request.id(), refused.why(), refused.reason()));
    }
    if (check instanceof ClientSessions.Retry retry && retry.first() != null) {
      return new Result(this, retry.first());
    }
    boolean fresh = check instanceof ClientSessions.Fresh;
    if (request instanceof Get g) {
      KvReply reply = new KvReply.Ok(g.id(), values.get(g.key()));
      return new Result(fresh ? withSessions(sessions.record(g, reply)) : this, reply);
    }
    if (request instanceof ReadLog r) {
      StoredLog log = log(r.log());
      KvReply reply = new KvReply.Records(r.id(), log.start(), log.next(), log.trimmedBefore(),
          log.read(r.from(), r.max()));
      return new Result(fresh ? withSessions(sessions.record(r, reply)) : this, reply);
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
    return new Result(new KvStore(next, sessions.record(request, reply), nextLogs), reply);
  }

  private KvStore withSessions(ClientSessions next) {
    return new KvStore(values, next, logs);
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
