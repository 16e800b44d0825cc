package dev.parley.cluster.http;

import akka.actor.typed.ActorSystem;
import akka.http.javadsl.model.HttpCharset;
import akka.http.javadsl.model.HttpEntity;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpMethod;
import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.Uri;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.Rejections;
import akka.http.javadsl.server.Route;
import akka.http.javadsl.unmarshalling.Unmarshaller;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.cluster.Caller;
import dev.parley.cluster.Clients;
import dev.parley.cluster.Forwarding;
import dev.parley.cluster.Invocation;
import dev.parley.cluster.KvKind;
import dev.parley.cluster.NodeRuntime;
import dev.parley.cluster.OperationHost;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.history.HistoryRecorder;
import dev.parley.protocols.replication.Cas;
import dev.parley.protocols.replication.Get;
import dev.parley.protocols.replication.KvReply;
import dev.parley.protocols.replication.KvRequest;
import dev.parley.protocols.replication.Put;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The key-value stores' HTTP face:
 *
 * <pre>
 * GET  /kv/{store}/{key}         read a key: 200 {"key":"x","value":"1"} (null if never written)
 * PUT  /kv/{store}/{key}         write the body (as text) to the key: 200
 * POST /kv/{store}/{key}/cas     {"expected":"1","value":"2"}: 200 if it held "1", else 409 with what it held
 * </pre>
 *
 * Query parameters: {@code client} and {@code seq} name the request, {@code timeout} (ms) bounds the
 * wait. Every parameter and the body are checked before anything is sent (400 otherwise, without
 * effect). A request naming no client is a client of its own. One request id names one request: a
 * retry (same client and seq, same request) gets the first answer and is applied once; another
 * request under a used id is refused, 409 {@code "conflict":"id-reused"}, without effect, here at
 * once if the first is still open at this node, else by the store. Each route is the store's
 * operation ({@code get}, {@code put}, {@code cas}) through the one operation path ({@link
 * Operations}); the answer is the store's reply carrying the request's id, handed to this request alone.
 *
 * <p>A request this node's replica does not serve (at a Raft follower, a chain's middle, a backup) is
 * forwarded once to the node the replica names as leader ({@link Forwarding}), keeping its id, and
 * answered with the leader's answer and the header {@value LeaderForwarding#SERVED_BY} naming the leader; with {@code
 * parley.http.forward-to-leader = off}, or when the request asks for the redirect ({@code
 * ?redirect=true} or the header {@value LeaderForwarding#REDIRECT}{@code : true}), and when the forwarded request meets
 * no leader again, it is answered 307 to the node that serves it when known ({@code curl -L} follows),
 * else 503. Other answers: 503 when the store cannot answer now; 504 when no answer
 * came within the timeout (default 5000 ms), as the operation may still take effect; 414 for a key
 * over {@value #MAX_KEY_BYTES} bytes. Every call is recorded in {@code /history}.
 */
final class KvRoutes extends ClientRoutes {

  /** The longest key, in bytes of UTF-8. */
  static final int MAX_KEY_BYTES = 1024;

  private static final Duration DEFAULT_WAIT = Duration.ofSeconds(5);
  private static final List<String> PARAMETERS = List.of("client", "seq", "timeout", "redirect");

  private final Function<String, JsonNode> parse;

  KvRoutes(NodeRuntime runtime, ActorSystem<?> system, ObjectMapper json, Operations operations,
      Function<String, JsonNode> parse) {
    super(runtime, system, json, operations);
    this.parse = parse;
  }

  /**
   * {@code GET} and {@code PUT /kv/{store}/{key}}, the stores' hot path, matched by hand: the routing
   * DSL's chain (a directive per path segment, method, parameter and header, each a closure and a
   * rejection to collect) was most of a leader's CPU per write. The path's segments are the ones the
   * DSL would match ({@code PathMatchers.segment()}: percent-decoded, not empty, no trailing slash),
   * the query is checked by {@link Params#checked}, and another method on such a path is refused with
   * the same 405 as before. Anything else is left to the routes after it.
   */
  Route getAndPut() {
    return extractRequest(request -> {
      String[] storeAndKey = storeAndKey(request.getUri());
      if (storeAndKey == null) {
        return reject();
      }
      String store = storeAndKey[0];
      String key = storeAndKey[1];
      HttpMethod method = request.method();
      if (method.equals(HttpMethods.GET)) {
        return call(store, key, request, "GET /kv/{store}/{key}", "get", () -> new KvKind.Read(key));
      }
      if (method.equals(HttpMethods.PUT) && request.entity() instanceof HttpEntity.Strict whole) {
        return put(store, key, request, text(whole));
      }
      if (method.equals(HttpMethods.PUT)) {
        return entity(Unmarshaller.entityToString(), body -> put(store, key, request, body));
      }
      return reject(Rejections.method(HttpMethods.GET), Rejections.method(HttpMethods.PUT));
    });
  }

  private Route put(String store, String key, HttpRequest request, String body) {
    return call(store, key, request, "PUT /kv/{store}/{key}", "put", () -> new KvKind.Write(key, requireValue(body)));
  }

  /**
   * A body that arrived whole, as text: what {@code Unmarshaller.entityToString()} makes of it (the
   * charset its content type names, else UTF-8), without the unmarshaller's future.
   */
  private static String text(HttpEntity.Strict whole) {
    Charset charset = whole.getContentType().getCharsetOption().map(HttpCharset::nioCharset)
        .orElse(StandardCharsets.UTF_8);
    return whole.getData().isEmpty() ? "" : whole.getData().decodeString(charset);
  }

  /** The store and key of a path {@code /kv/{store}/{key}}, percent-decoded; null for any other path. */
  private static String[] storeAndKey(Uri uri) {
    String path = uri.path(); // as rendered: a '/' inside a segment stays %2F
    if (!path.startsWith(PREFIX)) {
      return null;
    }
    int slash = path.indexOf('/', PREFIX.length());
    if (slash <= PREFIX.length() || slash == path.length() - 1 || path.indexOf('/', slash + 1) >= 0) {
      return null;
    }
    Iterator<String> segments = uri.pathSegments().iterator();
    segments.next();
    return new String[] {segments.next(), segments.next()};
  }

  private static final String PREFIX = "/kv/";

  /** {@code POST /kv/{store}/{key}/cas}, under {@code /kv}. */
  Route routes() {
    return pathPrefix(PathMatchers.segment(), store -> path(PathMatchers.segment().slash("cas"), key -> post(() ->
        entity(Unmarshaller.entityToString(), body ->
            Params.of("POST /kv/{store}/{key}/cas", PARAMETERS, p ->
                forwarding.redirectAsked(p, redirect -> call(store, key, p, "cas", () -> cas(store, key, body),
                    redirect)))))));
  }

  private static String requireValue(String body) {
    if (body == null || body.isEmpty()) {
      throw new IllegalArgumentException("PUT writes its body to the key; the body is empty (curl -X PUT "
          + "--data-raw 'value' ...)");
    }
    return body;
  }

  private Record cas(String store, String key, String body) {
    JsonNode parsed = parse.apply(body);
    if (parsed == null || !parsed.isObject()) {
      throw new IllegalArgumentException("cas takes a JSON object such as {\"expected\":\"1\",\"value\":\"2\"} "
          + "(expected null: never written)");
    }
    return Operations.map(runtime.instance(store).kind().operation("cas"), ((ObjectNode) parsed).put("key", key));
  }

  /** Operation {@code op} of {@code store} on {@code body}, asked by {@code request} of {@code route}. */
  private Route call(String store, String key, HttpRequest request, String route, String op, Supplier<Record> body) {
    Params p = Params.checked(route, PARAMETERS, request.getUri().query().toMultiMap());
    return call(store, key, p, op, body, LeaderForwarding.redirectAsked(p,
        request.getHeader(LeaderForwarding.REDIRECT).map(HttpHeader::value)));
  }

  /** Operation {@code op} of {@code store} on {@code body}, through the one operation path. */
  private Route call(String store, String key, Params p, String op, Supplier<Record> body,
      boolean redirect) {
    NodeRuntime.Instance instance = runtime.instance(store);
    if (!(instance.kind() instanceof KvKind)) {
      throw new NodeRuntime.UnknownException("'" + store + "' is a " + instance.kind().name()
          + ", not a key-value store; the stores on this node are " + stores());
    }
    int keyBytes = key.getBytes(StandardCharsets.UTF_8).length;
    if (keyBytes > MAX_KEY_BYTES) {
      return respond(StatusCodes.URI_TOO_LONG, Map.of("store", store, "error", "the key is " + keyBytes
          + " bytes of UTF-8; keys are at most " + MAX_KEY_BYTES + " bytes"));
    }
    Caller caller = p.caller(runtime.settings(), true);
    Duration wait = p.timeout(DEFAULT_WAIT);
    Record mapped = body.get();
    Invocation invocation = Operations.invocation(instance, op, mapped, caller);
    KvRequest request = (KvRequest) ((Invocation.Answered<?>) invocation).request();
    HistoryRecorder.Handle h = runtime.history().invokeConcurrently(caller.client(), request.kind(), key,
        value(request));
    String label = Operations.label(op, mapped);
    long asked = System.nanoTime();
    return Params.within(wait, () -> onSuccess(operations.ask(instance, invocation, caller, wait, label), outcome -> {
      if (outcome instanceof OperationHost.InUse u) {
        return inUse(store, request, h, (KvRequest) u.earlier(), runtime.node());
      }
      return forwarding.answerOrForward(instance, invocation, label, wait, asked, redirect,
          outcome instanceof OperationHost.Answered a ? a.answer() : outcome,
          answer -> answer(store, request, h, answer, wait),
          (earlier, at) -> inUse(store, request, h, (KvRequest) earlier, at));
    }));
  }

  private Route inUse(String store, KvRequest request, HistoryRecorder.Handle h, KvRequest earlier, NodeId at) {
    runtime.history().fail(h, "id reused");
    return respond(StatusCodes.CONFLICT, conflict(store, request, "id-reused", "request id " + request.id()
        + " already names " + describe(earlier) + ", still open at " + at
        + "; this request (" + describe(request) + ") was not sent: give each request a new seq (a retry repeats"
        + " its request exactly)"));
  }

  private static Object value(KvRequest request) {
    if (request instanceof Put p) {
      return p.value();
    }
    return request instanceof Cas c ? Arrays.asList(c.expected(), c.value()) : null;
  }

  private static String describe(KvRequest r) {
    return "a " + r.kind() + " of key \"" + Clients.abbreviate(r.key()) + "\"";
  }

  private static Map<String, Object> conflict(String store, KvRequest request, String conflict, String error) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("store", store);
    body.put("key", request.key());
    body.put("id", request.id().toString());
    body.put("conflict", conflict);
    body.put("error", error);
    return body;
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
      body.put("conflict", "cas-failed");
      body.put("error", "cas failed: " + request.key() + " holds " + (f.current() == null ? "nothing" : "'" + f.current() + "'"));
      body.put("current", f.current());
      return respond(StatusCodes.CONFLICT, body);
    }
    if (answer instanceof KvReply.Rejected r) {
      runtime.history().fail(h, r.reason());
      return respond(StatusCodes.CONFLICT, conflict(store, request, r.why().label(), r.reason()));
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
    String why = !timedOut(answer) ? "unexpected answer: " + answer
        : request.id().isAnonymous() ? "no answer within " + wait.toMillis() + " ms; the operation may still take"
            + " effect, and as it named no client it cannot be repeated safely (read the key to learn its outcome;"
            + " name a client, client=NAME&seq=N, for requests that can be repeated)"
        : "no answer within " + wait.toMillis()
            + " ms; the operation may still take effect (repeat it with the same client and seq to learn its outcome)";
    runtime.history().info(h, why);
    body.put("error", why);
    return respond(StatusCodes.GATEWAY_TIMEOUT, body);
  }

  private List<String> stores() {
    return runtime.instances().values().stream().filter(i -> i.kind() instanceof KvKind)
        .map(NodeRuntime.Instance::name).toList();
  }
}
