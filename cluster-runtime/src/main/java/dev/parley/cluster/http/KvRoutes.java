package dev.parley.cluster.http;

import akka.actor.typed.ActorSystem;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.Route;
import akka.http.javadsl.unmarshalling.Unmarshaller;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.cluster.KvKind;
import dev.parley.cluster.NodeRuntime;
import dev.parley.cluster.ProtocolKind;
import dev.parley.protocols.history.HistoryRecorder;
import dev.parley.protocols.replication.Cas;
import dev.parley.protocols.replication.Get;
import dev.parley.protocols.replication.KvReply;
import dev.parley.protocols.replication.KvRequest;
import dev.parley.protocols.replication.Put;
import dev.parley.protocols.replication.RequestId;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The key-value stores' HTTP face:
 *
 * <pre>
 * GET  /kv/{store}/{key}         read a key: 200 {"key":"x","value":"1"} (null if never written)
 * PUT  /kv/{store}/{key}         write the body (as text) to the key: 200
 * POST /kv/{store}/{key}/cas     {"expected":"1","value":"2"}: 200 if it held "1", else 409 with what it held
 * </pre>
 *
 * A node that is not the one to serve it (a Raft follower, a chain's middle) answers 307 to the node
 * that is, when it knows it ({@code curl -L} follows), else 503; a store that cannot answer now (no
 * quorum, blocked) 503; no answer within {@code ?timeout=} ms (default 5000) 504, as the operation
 * may still take effect. {@code ?client=NAME&seq=N} names the request, so a retry with the same pair
 * is applied once. Every call is recorded in {@code /history}.
 */
final class KvRoutes extends ClientRoutes {

  private static final Duration DEFAULT_WAIT = Duration.ofSeconds(5);

  private final Function<String, JsonNode> parse;

  KvRoutes(NodeRuntime runtime, ActorSystem<?> system, ObjectMapper json, Function<String, JsonNode> parse) {
    super(runtime, system, json);
    this.parse = parse;
  }

  Route routes() {
    return pathPrefix(PathMatchers.segment(), store -> concat(
        path(PathMatchers.segment(), key -> concat(
            get(() -> withId(id -> call(store, new Get(id, key)))),
            put(() -> entity(Unmarshaller.entityToString(), body -> withId(id ->
                call(store, new Put(id, key, requireValue(body)))))))),
        path(PathMatchers.segment().slash("cas"), key -> post(() ->
            entity(Unmarshaller.entityToString(), body -> withId(id -> call(store, cas(id, key, body))))))));
  }

  private Route withId(Function<RequestId, Route> inner) {
    return parameterOptional("client", client -> parameterOptional("seq", seq ->
        inner.apply(KvKind.requestId(client.orElse(null), seq.map(KvRoutes::parseSeq).orElse(null)))));
  }

  private static long parseSeq(String seq) {
    try {
      return Long.parseLong(seq);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("seq is a whole number (1, 2, ...), got '" + seq + "'");
    }
  }

  private static String requireValue(String body) {
    if (body == null || body.isEmpty()) {
      throw new IllegalArgumentException("PUT writes its body to the key; the body is empty (curl -X PUT "
          + "--data-raw 'value' ...)");
    }
    return body;
  }

  private KvRequest cas(RequestId id, String key, String body) {
    JsonNode parsed = parse.apply(body);
    if (parsed == null || !parsed.isObject()) {
      throw new IllegalArgumentException("cas takes a JSON object such as {\"expected\":\"1\",\"value\":\"2\"} "
          + "(expected null: never written)");
    }
    return KvKind.parse("cas", id, ((ObjectNode) parsed).put("key", key));
  }

  private Route call(String store, KvRequest request) {
    NodeRuntime.Instance instance = runtime.instance(store);
    if (!(instance.kind() instanceof KvKind kind)) {
      throw new NodeRuntime.UnknownException("'" + store + "' is a " + instance.kind().name()
          + ", not a key-value store; the stores on this node are " + stores());
    }
    String op = request instanceof Put ? "put" : request instanceof Cas ? "cas" : "get";
    Object value = request instanceof Put p ? p.value()
        : request instanceof Cas c ? Arrays.asList(c.expected(), c.value()) : null;
    HistoryRecorder.Handle h = runtime.history().invoke(request.id().client(), op, request.key(), value);
    ProtocolKind.Call call = kind.call(request);
    CompletionStage<Object> done = runtime.upcalls().next(store, call.completedBy());
    instance.host().tell(call.downcall());
    return parameterOptional("timeout", timeout -> {
      Duration wait = timeout.map(t -> Duration.ofMillis(parseSeq(t))).orElse(DEFAULT_WAIT);
      return onSuccess(done.toCompletableFuture().orTimeout(wait.toMillis(), TimeUnit.MILLISECONDS)
          .handle((upcall, error) -> error == null ? upcall : error), answer ->
          answer(store, request, h, answer, wait));
    });
  }

  private Route answer(String store, KvRequest request, HistoryRecorder.Handle h, Object answer, Duration wait) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("store", store);
    body.put("key", request.key());
    body.put("id", request.id().toString());
    if (answer instanceof KvReply.Ok ok) {
      if (request instanceof Get) {
        runtime.history().ok(h, ok.value());
        body.put("value", ok.value());
      } else {
        runtime.history().ok(h);
        body.put("written", request instanceof Put p ? p.value() : ((Cas) request).value());
      }
      return respond(StatusCodes.OK, body);
    }
    if (answer instanceof KvReply.CasFailed f) {
      runtime.history().fail(h, "cas failed");
      body.put("error", "cas failed: " + request.key() + " holds " + (f.current() == null ? "nothing" : "'" + f.current() + "'"));
      body.put("current", f.current());
      return respond(StatusCodes.CONFLICT, body);
    }
    if (answer instanceof KvReply.NotLeader n) {
      runtime.history().fail(h, "not served here");
      return toLeader(n.leader(), body, "does not serve this request", "repeat it",
          "an election or a repair may be under way");
    }
    if (answer instanceof KvReply.Unavailable u) {
      runtime.history().info(h, u.reason());
      body.put("error", u.reason());
      return respond(StatusCodes.SERVICE_UNAVAILABLE, body);
    }
    String why = answer instanceof TimeoutException || answer instanceof CompletionException c
        && c.getCause() instanceof TimeoutException ? "no answer within " + wait.toMillis()
        + " ms; the operation may still take effect" : String.valueOf(answer);
    runtime.history().info(h, why);
    body.put("error", why);
    return respond(StatusCodes.GATEWAY_TIMEOUT, body);
  }

  private List<String> stores() {
    return runtime.instances().values().stream().filter(i -> i.kind() instanceof KvKind)
        .map(NodeRuntime.Instance::name).toList();
  }
}
