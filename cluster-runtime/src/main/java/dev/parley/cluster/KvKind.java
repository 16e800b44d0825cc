package dev.parley.cluster;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.protocols.replication.Cas;
import dev.parley.protocols.replication.Get;
import dev.parley.protocols.replication.KvReply;
import dev.parley.protocols.replication.KvRequest;
import dev.parley.protocols.replication.Put;
import dev.parley.protocols.replication.RequestId;
import dev.parley.protocols.replication.TwoPhaseCommit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The replicated key-value stores of {@code protocols/replication} (Raft, primary-backup, chain,
 * quorum, gossip, two-phase commit): {@code put}, {@code get} and {@code cas}, each answered by the
 * {@link KvReply} upcall carrying its request id. Offered as {@code POST /protocols/<name>/<op>} and,
 * more conveniently, as {@code /kv/<name>/<key>}.
 *
 * @param settings the algorithm's settings from the kind's configuration section
 * @param factory the instance on a node
 * @param request the algorithm's command carrying a client's request
 * @param statusQuery the algorithm's status query for a reply-to reference
 * @param more operations of this store beyond put, get and cas (two-phase commit's transact)
 */
public record KvKind<S>(
    String name,
    String description,
    Function<KindConfig, S> settings,
    Factory<S> factory,
    Function<KvRequest, Object> request,
    Function<ActorRef<Object>, Object> statusQuery,
    Map<String, Operation> more)
    implements ProtocolKind {

  /** The store's instance on a node, with its settings. */
  @FunctionalInterface
  public interface Factory<S> {
    Behavior<?> create(KindContext context, S settings);
  }

  /** An operation of one store: its call from the request's JSON body. */
  @FunctionalInterface
  public interface Operation {
    Call call(JsonNode body);
  }

  /** A store with put, get and cas only. */
  public KvKind(String name, String description, Function<KindConfig, S> settings, Factory<S> factory,
      Function<KvRequest, Object> request, Function<ActorRef<Object>, Object> statusQuery) {
    this(name, description, settings, factory, request, statusQuery, Map.of());
  }

  public KvKind {
    more = Map.copyOf(more);
  }

  @Override
  public void checkConfig(KindConfig config) {
    settings.apply(config);
  }

  @Override
  public Behavior<Object> create(KindContext context) {
    return factory.create(context, settings.apply(context.config())).unsafeCast();
  }

  @Override
  public List<String> operations() {
    List<String> all = new ArrayList<>(List.of("put", "get", "cas"));
    all.addAll(new TreeMap<>(more).keySet());
    return all;
  }

  /** The request of operation {@code op}, from a JSON body such as {@code {"key":"x","value":"1"}}. */
  public static KvRequest parse(String op, RequestId id, JsonNode body) {
    String key = text(body, "key", true, op);
    return switch (op) {
      case "put" -> new Put(id, key, text(body, "value", true, op));
      case "get" -> new Get(id, key);
      case "cas" -> new Cas(id, key, text(body, "expected", false, op), text(body, "value", true, op));
      default -> throw new IllegalArgumentException("unknown operation '" + op
          + "' of a key-value store; its operations are put, get, cas");
    };
  }

  private static String text(JsonNode body, String field, boolean required, String op) {
    JsonNode v = body == null ? null : body.get(field);
    if (v == null || v.isNull()) {
      if (required) {
        throw new IllegalArgumentException(op + " needs \"" + field + "\" in its JSON body, such as "
            + example(op));
      }
      return null;
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException("\"" + field + "\" must be a string, got " + v + "; such as "
          + example(op));
    }
    return v.asText();
  }

  private static String example(String op) {
    return switch (op) {
      case "put" -> "{\"key\":\"x\",\"value\":\"1\"}";
      case "cas" -> "{\"key\":\"x\",\"expected\":\"1\",\"value\":\"2\"} (expected null: never written)";
      default -> "{\"key\":\"x\"}";
    };
  }

  @Override
  public Call call(NodeSettings node, String op, JsonNode body) {
    Operation extra = more.get(op);
    return extra != null ? extra.call(body)
        : call(parse(op, new RequestId(Clients.anonymous(), 1), body));
  }

  /** The algorithm's command carrying {@code r}, answered by the reply with r's id. */
  public Call call(KvRequest r) {
    return new Call(request.apply(r), r.id());
  }

  @Override
  public Object answerKeyOf(Object upcall) {
    if (upcall instanceof KvReply reply) {
      return reply.id();
    }
    return upcall instanceof TwoPhaseCommit.TxOutcome o ? o.txId() : null;
  }

  @Override
  public Object status(UpcallLog upcalls, String instance) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("answers", upcalls.count(instance));
    return out;
  }

  @Override
  public boolean hasLiveStatus() {
    return true;
  }

  @Override
  public Object statusQuery(NodeSettings node, ActorRef<Object> replyTo) {
    return statusQuery.apply(replyTo);
  }
}
