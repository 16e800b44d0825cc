package dev.parley.cluster;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.parley.protocols.replication.Cas;
import dev.parley.protocols.replication.Get;
import dev.parley.protocols.replication.KvReply;
import dev.parley.protocols.replication.KvRequest;
import dev.parley.protocols.replication.Put;
import dev.parley.protocols.replication.Register;
import dev.parley.protocols.replication.RequestId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The replicated key-value stores of {@code protocols/replication} (Raft, primary-backup, chain,
 * quorum, gossip, two-phase commit): {@code put}, {@code get}, {@code cas} and, where the store replicates
 * its client sessions, {@code register} (a client id the store issues, {@link #register}), each answered by the
 * {@link KvReply} upcall carrying its request id ({@code ?client=&seq=}, or an anonymous client's).
 * Offered as {@code POST /protocols/<name>/<op>} and, more conveniently, as {@code /kv/<name>/<key>}.
 *
 * @param settings the algorithm's settings from the kind's configuration section
 * @param factory the instance on a node
 * @param request the algorithm's command carrying a client's request
 * @param statusQuery the algorithm's status query for a reply-to reference
 * @param more operations of this store beyond put, get and cas ({@link #register}, two-phase commit's transact)
 */
public record KvKind<S>(
    String name,
    String description,
    Function<KindConfig, S> settings,
    Factory<S> factory,
    Function<KvRequest, Object> request,
    Function<ActorRef<Object>, Object> statusQuery,
    List<Operation<?>> more)
    implements ProtocolKind, LeaderServed {

  /** The store's instance on a node, with its settings. */
  @FunctionalInterface
  public interface Factory<S> {
    Behavior<?> create(KindContext context, S settings);
  }

  /** A store with put, get and cas only. */
  public KvKind(String name, String description, Function<KindConfig, S> settings, Factory<S> factory,
      Function<KvRequest, Object> request, Function<ActorRef<Object>, Object> statusQuery) {
    this(name, description, settings, factory, request, statusQuery, List.of());
  }

  public KvKind {
    more = List.copyOf(more);
  }

  @Override
  public void checkConfig(KindConfig config) {
    settings.apply(config);
  }

  @Override
  public Behavior<Object> create(KindContext context) {
    return factory.create(context, settings.apply(context.config())).unsafeCast();
  }

  /** The body of {@code put}: write {@code value} to {@code key}. */
  public record Write(@JsonProperty(required = true) String key, @JsonProperty(required = true) String value) {}

  /** The body of {@code get}: read {@code key}. */
  public record Read(@JsonProperty(required = true) String key) {}

  /** The body of {@code cas}: write {@code value} if {@code key} holds {@code expected} (null: never written). */
  public record CompareAndSet(@JsonProperty(required = true) String key, String expected,
      @JsonProperty(required = true) String value) {}

  @Override
  public List<Operation<?>> operations() {
    List<Operation<?>> all = new ArrayList<>(List.of(
        Operation.of("put", Write.class, (caller, w) -> call(new Put(idOf(caller), w.key(), w.value()))),
        Operation.of("get", Read.class, (caller, r) -> call(new Get(idOf(caller), r.key()))),
        Operation.of("cas", CompareAndSet.class, (caller, c) ->
            call(new Cas(idOf(caller), c.key(), c.expected(), c.value())))));
    all.addAll(more);
    return all;
  }

  /**
   * {@code register}, for a store's {@code more} operations where the store replicates its client
   * sessions (Raft, primary-backup, chain): a client id the store issues ({@link Register}).
   *
   * @param request the algorithm's command carrying a client's request
   */
  public static Operation<Operation.Empty> register(Function<KvRequest, Object> request) {
    return Operation.of("register", Operation.Empty.class, (caller, none) -> call(request, new Register(idOf(caller))));
  }

  /** The request id a caller gives ({@code client} and {@code seq}), or an anonymous client's first. */
  private static RequestId idOf(Caller caller) {
    return new RequestId(caller.client(), caller.seq().orElse(1L));
  }

  /** The algorithm's command carrying {@code r} (what a spec or benchmark tells a store directly). */
  public Object command(KvRequest r) {
    return request.apply(r);
  }

  /**
   * The invocation of {@code request}, a {@link KvRequest}, as {@code put}, {@code get} and {@code cas}
   * make it: for a request forwarded from another node ({@link Forwarding}), which keeps its id.
   */
  @Override
  public Invocation.Answered<KvReply> invocation(Object request) {
    return call((KvRequest) request);
  }

  @Override
  public NotServed<KvReply.NotLeader> notServed() {
    return new NotServed<>(KvReply.NotLeader.class, KvReply.NotLeader::leader);
  }

  /**
   * The algorithm's command carrying {@code r}, answered by the reply with r's id; a second request
   * under that id while it is open is the same request only if it is the same put, get or cas.
   */
  private Invocation.Answered<KvReply> call(KvRequest r) {
    return call(request, r);
  }

  private static Invocation.Answered<KvReply> call(Function<KvRequest, Object> request, KvRequest r) {
    return Invocation.answeredBy(request.apply(r), KvReply.class, KvReply::id, r.id()).sharedBy(r.fingerprint(), r);
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
