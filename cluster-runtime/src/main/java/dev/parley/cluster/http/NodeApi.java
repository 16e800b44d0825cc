package dev.parley.cluster.http;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import akka.actor.typed.javadsl.AskPattern;
import akka.http.javadsl.marshallers.jackson.Jackson;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCode;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.RawHeader;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.ExceptionHandler;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.RejectionHandler;
import akka.http.javadsl.server.Route;
import akka.http.javadsl.unmarshalling.Unmarshaller;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import akka.cluster.typed.Cluster;
import dev.parley.cluster.Caller;
import dev.parley.cluster.Invocation;
import dev.parley.cluster.NodeGuardian;
import dev.parley.cluster.NodeRuntime;
import dev.parley.cluster.Operation;
import dev.parley.cluster.OperationHost;
import dev.parley.persistence.JournalHealth;
import dev.parley.persistence.JournalReader;
import dev.parley.persistence.JournalUnavailableException;
import dev.parley.protocols.core.NodeHost;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.LinkControl;
import dev.parley.protocols.history.HistoryJson;
import dev.parley.protocols.history.HistoryRecorder;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.protocols.trace.ConsistentCut;
import dev.parley.protocols.trace.ShiVizLog;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * A node's HTTP face, JSON through Jackson, on loopback by default.
 *
 * <pre>
 * GET  /status                       members, reachability, network, the journal's state (ok, refusing
 *                                    writes: why, since when, what to do) and its forces so far, the
 *                                    protocol messages sent so far, every instance's state
 * GET  /membership                   the membership changes this node has seen, in order
 * GET  /protocols                    the instances this node runs and their operations
 * GET  /protocols/{name}             one instance's state
 * POST /protocols/{name}/{op}        a client operation, its JSON body mapped onto the operation's record
 *                                    ({@link Operations}), e.g. causal/multicast; /kv, /log and /pubsub are
 *                                    friendlier routes over the same operations; at a node that does not
 *                                    lead a leader-served instance, forwarded to its leader ({@link
 *                                    LeaderForwarding}; ?redirect=true: its answer saying who leads)
 * GET  /protocols/{name}/upcalls     what it reported upward (?since=index)
 * GET  /kv/{store}/{key}             a key-value store's get; PUT, and POST .../cas (see KvRoutes)
 * POST /log/{name}/topics/{topic}    append to a partitioned log; reads, group positions (see LogRoutes)
 * POST /nemesis                      a network fault on this node's outbound links (JSON)
 * POST /nemesis/crash/{name}         crash one instance (its memory is lost)
 * POST /nemesis/restart/{name}       restart it (it recovers what it persisted)
 * GET  /history                      the clients' operations, as JSON lines
 * GET  /trace                        this node's vector-stamped events (?format=shiviz)
 * GET  /journal                      this node's journal (?limit=N)
 * GET  /explorer                     the run explorer over the whole cluster; /explorer/run the run file,
 *                                    /explorer/live its new events as server-sent events (see ExplorerRoutes)
 * POST /pubsub/{broker}/topics/{t}   publish; subscriptions, pull and server-sent events (see PubSubRoutes)
 * </pre>
 *
 * Malformed bodies get 400 with what was wrong; unknown instances and operations 404; no input
 * stops the node. With tokens configured, {@link AccessControl} guards every route (401/403).
 */
public final class NodeApi extends AllDirectives {

  private static final Duration DEFAULT_WAIT = Duration.ofSeconds(5);
  private static final Duration STATUS_WAIT = Duration.ofSeconds(2);
  private static final long MAX_JOURNAL = 100_000;

  private final NodeRuntime runtime;
  private final ActorSystem<?> system;
  private final ObjectMapper json;
  private final Operations operations;
  private final LeaderForwarding forwarding;
  private final ExplorerRoutes explorer;

  public NodeApi(NodeRuntime runtime, ActorSystem<?> system, ObjectMapper json) {
    this.runtime = runtime;
    this.system = system;
    this.json = json;
    this.operations = new Operations(system);
    this.forwarding = new LeaderForwarding(runtime, operations,
        system.settings().config().getBoolean("parley.http.forward-to-leader"));
    this.explorer = new ExplorerRoutes(runtime, system, json);
  }

  /**
   * The node's routes, built once: the Java DSL evaluates a directive's inner supplier for every
   * request it matches, so each supplier here hands back a route built in advance rather than
   * building the tree (and the route classes) again per request.
   */
  public Route routes() {
    KvRoutes kv = new KvRoutes(runtime, system, json, operations, this::parse);
    Route api = concat(
        kv.getAndPut(),
        path("status", () -> get(() -> onSuccess(status(), this::ok))),
        path("membership", () -> get(() -> ok(runtime.upcalls().since(NodeGuardian.CLUSTER, 0)))),
        pathPrefix("protocols", this::protocolRoutes),
        pathPrefix("kv", kv::routes),
        pathPrefix("log", new LogRoutes(runtime, system, json, operations)::routes),
        pathPrefix("nemesis", this::nemesisRoutes),
        pathPrefix("pubsub", new PubSubRoutes(runtime, system, json, operations, this::parse)::routes),
        path("history", () -> get(this::history)),
        path("trace", () -> get(() -> Params.of("GET /trace", List.of("format"), p -> trace(p.text("format"))))),
        pathPrefix("explorer", explorer::routes),
        path("journal", () -> get(() -> Params.of("GET /journal", List.of("limit"), p ->
            journal((int) p.whole("limit", 1, MAX_JOURNAL, 1000))))));
    Route checked = exactUris(api);
    Route handled = handleExceptions(errors(), () -> checked);
    Route rejected = handleRejections(rejections(), () -> handled);
    return withRequestTimeoutResponse(this::tooLate, () -> rejected);
  }

  /** The answer to a request the node did not finish within its request timeout. */
  private HttpResponse tooLate(HttpRequest request) {
    return HttpResponse.create().withStatus(StatusCodes.SERVICE_UNAVAILABLE).withEntity(ContentTypes.APPLICATION_JSON,
        "{\"error\":" + quote("the node did not answer " + request.method().name() + " " + request.getUri().path()
            + " within its request timeout; it may still take effect") + "}");
  }

  /** The routes, for a request whose URI percent-decodes to valid UTF-8 ({@link Utf8Uris}); else a 400. */
  private Route exactUris(Route inner) {
    return optionalHeaderValueByName("Raw-Request-URI", raw -> {
      raw.ifPresent(Utf8Uris::requireValid);
      return inner;
    });
  }

  private Route protocolRoutes() {
    return concat(
        pathEnd(() -> get(() -> ok(protocols()))),
        pathPrefix(PathMatchers.segment(), name -> concat(
            pathEnd(() -> get(() -> onSuccess(instanceStatus(name), this::ok))),
            path("upcalls", () -> get(() -> Params.of("GET /protocols/{name}/upcalls", List.of("since"), p -> ok(
                runtime.upcalls().since(runtime.instance(name).name(), p.whole("since", 0, Long.MAX_VALUE, 0)))))),
            path(PathMatchers.segment(), op -> post(() -> entity(Unmarshaller.entityToString(), body ->
                Params.of("POST /protocols/{name}/{op}", List.of("client", "seq", "timeout", "redirect"), p ->
                    forwarding.redirectAsked(p, redirect -> operation(name, op, body, p, redirect)))))))));
  }

  private Route nemesisRoutes() {
    return concat(
        pathEnd(() -> post(() -> entity(Unmarshaller.entityToString(), this::nemesis))),
        path(PathMatchers.segment("crash").slash(PathMatchers.segment()), name ->
            post(() -> hostControl(name, new NodeHost.Crash(), "crashed"))),
        path(PathMatchers.segment("restart").slash(PathMatchers.segment()), name ->
            post(() -> hostControl(name, new NodeHost.Restart(), "restarted"))));
  }

  /**
   * Up to {@code limit} events of the node's journal, read on Akka's blocking-IO threads: a read
   * waits for the journal's store (a JDBC query, a file), and the actors' own pool has as many
   * threads as cores.
   */
  private Route journal(int limit) {
    return onSuccess(CompletableFuture.supplyAsync(() -> JournalReader.read(system, limit),
        system.dispatchers().lookup(DispatcherSelector.blocking())), this::ok);
  }

  private Route trace(Optional<String> format) {
    if (format.isEmpty() || format.get().equals("json")) {
      return ok(runtime.tracer().events());
    }
    if (format.get().equals("shiviz")) {
      // this node's events alone: the cut drops the clock entries of the nodes whose events are not here
      ConsistentCut own = ConsistentCut.of(Map.of(runtime.node(), runtime.tracer().events()), List.of());
      return complete(HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, ShiVizLog.of(own.summary(), own.events())));
    }
    throw new IllegalArgumentException("format is json or shiviz, got '" + format.get() + "'");
  }

  private Route ok(Object body) {
    return complete(StatusCodes.OK, body, Jackson.marshaller(json));
  }

  private Route status(StatusCode code, Object body) {
    return complete(code, body, Jackson.marshaller(json));
  }

  /** Another request is open under request id {@code key} at {@code at}: this one was not sent. */
  private Route idReused(HistoryRecorder.Handle h, Object key, NodeId at) {
    runtime.history().fail(h, "id reused");
    return status(StatusCodes.CONFLICT, Map.of("conflict", "id-reused", "error", "request id " + key
        + " already names another request, still open at " + at + "; this one was not sent: give each"
        + " request a new seq (a retry repeats its request exactly)"));
  }

  /** The clients' operations kept, as JSON lines; how many older ones were dropped in a header. */
  private Route history() {
    HistoryRecorder recorder = runtime.history();
    long dropped;
    String lines;
    synchronized (recorder) {
      dropped = recorder.dropped();
      lines = HistoryJson.toJsonLines(recorder.history());
    }
    return respondWithHeader(RawHeader.create(HISTORY_DROPPED, Long.toString(dropped)),
        () -> complete(HttpEntities.create(ContentTypes.APPLICATION_JSON, lines)));
  }

  /** The header of {@code GET /history} saying how many of the oldest operations the node dropped. */
  public static final String HISTORY_DROPPED = "Parley-History-Dropped";

  private CompletionStage<Map<String, Object>> status() {
    Map<String, Object> out = new LinkedHashMap<>();
    var s = runtime.settings();
    out.put("node", s.node());
    out.put("address", s.host() + ":" + s.port());
    out.put("transport", system.settings().config().getString("akka.remote.artery.transport"));
    out.put("http", s.httpAddress());
    out.put("group", s.group());
    out.put("access", runtime.access().counts());
    out.put("members", NodeGuardian.members(Cluster.get(system)));
    out.put("network", runtime.network().faults());
    JournalHealth health = JournalHealth.get(system);
    Map<String, Object> journal = new LinkedHashMap<>(health.state().shown());
    journal.put("forces", health.forces());
    out.put("journal", journal);
    HistoryRecorder recorder = runtime.history();
    synchronized (recorder) {
      out.put("history", Map.of("kept", recorder.size(), "dropped", recorder.dropped(),
          "capacity", recorder.capacity()));
    }
    Map<String, Object> protocols = new LinkedHashMap<>();
    CompletionStage<Map<String, Object>> done = messagesSent().thenApply(sent -> {
      out.put("messages", Map.of("sent", sent));
      out.put("protocols", protocols);
      return out;
    });
    for (String name : runtime.instances().keySet()) {
      done = done.thenCombine(instanceStatus(name), (all, one) -> {
        protocols.put(name, one);
        return all;
      });
    }
    return done;
  }

  private Map<String, Object> protocols() {
    Map<String, Object> out = new LinkedHashMap<>();
    runtime.instances().forEach((name, i) -> out.put(name, Map.of(
        "kind", i.kind().name(), "description", i.kind().description(),
        "operations", i.kind().operationNames())));
    return out;
  }

  /**
   * The protocol messages this node's instances sent to their peers since it started (what their
   * outbound links took, summed over the links that answer within {@link #STATUS_WAIT}, and what went
   * around them by a {@link dev.parley.protocols.link.LinkShortcut}).
   */
  private CompletionStage<Long> messagesSent() {
    CompletionStage<Long> sum = CompletableFuture.completedFuture(0L);
    for (NodeId peer : runtime.settings().group()) {
      if (peer.equals(runtime.node())) {
        continue;
      }
      sum = sum.thenApply(n -> n + runtime.network().bypassed(runtime.node(), peer));
      for (ActorRef<LinkControl> link : runtime.network().links(runtime.node(), peer)) {
        CompletionStage<Long> sent = AskPattern.<LinkControl, LinkControl.LinkStats>ask(link,
                LinkControl.GetStats::new, STATUS_WAIT, system.scheduler())
            .handleAsync((stats, error) -> error == null ? stats.sent() : 0L, Operations.WHERE_ANSWERED);
        sum = sum.thenCombine(sent, Long::sum);
      }
    }
    return sum;
  }

  /** An instance's state: what its upcalls show, and its live state if it answers in time. */
  private CompletionStage<Map<String, Object>> instanceStatus(String name) {
    NodeRuntime.Instance i = runtime.instance(name);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("kind", i.kind().name());
    out.put("started", i.started());
    out.put("peers", i.peers());
    out.put("state", i.kind().status(runtime.upcalls(), name));
    CompletionStage<Map<String, Object>> described = AskPattern.<Object, Object>ask(i.operations(),
            OperationHost.Describe::new, STATUS_WAIT, system.scheduler())
        .handleAsync((requests, error) -> {
          if (requests instanceof Map<?, ?> m) {
            out.put("requests", Map.of("waiting", m.get("waiting")));
            if (m.get("clients") != null) {
              out.put("clients", m.get("clients"));
            }
          }
          return out;
        }, Operations.WHERE_ANSWERED);
    if (!i.started() || !i.kind().hasLiveStatus()) {
      return described;
    }
    return described.thenCompose(o -> AskPattern.<Object, Object>ask(i.host(),
            replyTo -> i.kind().statusQuery(runtime.settings(), replyTo),
            STATUS_WAIT, system.scheduler())
        .handleAsync((live, error) -> {
          out.put("live", error == null ? live : Map.of("unavailable", "no answer within "
              + STATUS_WAIT.toMillis() + " ms (crashed or busy)"));
          return out;
        }, Operations.WHERE_ANSWERED));
  }

  /**
   * A client operation: its body mapped onto the operation's record, handed to the instance's
   * operation host, and answered with what the host answered within the request's timeout.
   */
  private Route operation(String name, String op, String body, Params p, boolean redirect) {
    NodeRuntime.Instance instance = runtime.instance(name);
    Operation<?> operation = instance.kind().operation(op);
    JsonNode parsed = parse(body);
    Record mapped = Operations.map(operation, parsed);
    Duration wait = p.timeout(DEFAULT_WAIT);
    Caller caller = p.caller(runtime.settings(), false);
    Invocation invocation = operation.invoke(caller, mapped);
    String shown = invocation instanceof Invocation.Exclusive || parsed == null ? null : parsed.toString();
    HistoryRecorder.Handle h = runtime.history().invokeConcurrently(caller.client(), op, name, shown);
    String label = Operations.label(op, mapped);
    long asked = System.nanoTime();
    return Params.within(wait, () -> onSuccess(operations.ask(instance, invocation, caller, wait, label), outcome ->
        forwarding.answerOrForward(instance, invocation, label, wait, asked, redirect,
            outcome instanceof OperationHost.Answered a ? a.answer() : outcome,
            answer -> answer(name, op, invocation, caller, wait, h,
                answer instanceof OperationHost.Outcome o ? o : new OperationHost.Answered(answer)),
            (earlier, at) -> idReused(h, ((Invocation.Answered<?>) invocation).key(), at))));
  }

  private Route answer(String name, String op, Invocation invocation, Caller caller, Duration wait,
      HistoryRecorder.Handle h, OperationHost.Outcome outcome) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (outcome instanceof OperationHost.Answered a) {
      runtime.history().ok(h, String.valueOf(a.answer()));
      out.put("done", op);
      out.put("protocol", name);
      out.put("upcall", a.answer());
      return ok(out);
    }
    if (outcome instanceof OperationHost.Accepted) {
      runtime.history().ok(h);
      return status(StatusCodes.ACCEPTED, Map.of("accepted", op, "protocol", name));
    }
    if (outcome instanceof OperationHost.Granted g) {
      runtime.history().ok(h, g.fencingToken());
      out.put("done", op);
      out.put("protocol", name);
      out.put("client", g.client());
      out.put("fencingToken", g.fencingToken());
      out.put("upcall", Map.of("node", runtime.node().name(), "fencingToken", g.fencingToken()));
      return ok(out);
    }
    if (outcome instanceof OperationHost.Released r) {
      runtime.history().ok(h);
      return ok(Map.of("done", op, "protocol", name, "client", r.client(), "fencingToken", r.fencingToken()));
    }
    if (outcome instanceof OperationHost.Refused r) {
      runtime.history().fail(h, r.message());
      return status(StatusCodes.CONFLICT, Map.of("error", r.message(), "conflict", r.conflict()));
    }
    if (outcome instanceof OperationHost.InUse u) {
      return idReused(h, u.key(), runtime.node());
    }
    if (invocation instanceof Invocation.Exclusive x && x.acquiring()) {
      runtime.history().fail(h, "not granted within " + wait.toMillis() + " ms: withdrawn");
      return status(StatusCodes.GATEWAY_TIMEOUT, Map.of("protocol", name, "client", caller.client(), "error",
          caller.client() + " was not granted " + name + " within " + wait.toMillis() + " ms; its request is withdrawn"
          + " and it does not hold the lock (acquire again, with a longer ?timeout=ms if need be)"));
    }
    runtime.history().info(h, "timed out");
    return status(StatusCodes.GATEWAY_TIMEOUT, Map.of("pending", op, "protocol", name,
        "note", "no answer within " + wait.toMillis() + " ms; it may still happen"));
  }

  private JsonNode parse(String body) {
    if (body == null || body.isBlank()) {
      return null;
    }
    try {
      return json.readTree(body);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("the body is not valid JSON: " + e.getOriginalMessage()
          + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
    }
  }

  private Route nemesis(String body) {
    JsonNode parsed = parse(body);
    if (parsed == null) {
      throw new IllegalArgumentException("a nemesis command is JSON, such as {\"type\":\"partition\","
          + "\"sides\":[[\"n1\"],[\"n2\",\"n3\"]]} or {\"type\":\"heal\"}");
    }
    NemesisCommand command;
    try {
      command = json.treeToValue(parsed, NemesisCommand.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a nemesis command: " + e.getOriginalMessage()
          + "; the types are partition, cut, heal, lossy, slow, faults");
    }
    return ok(runtime.network().apply(command));
  }

  private Route hostControl(String name, Object control, String done) {
    runtime.instance(name).host().tell(control);
    return ok(Map.of(done, name));
  }

  private ExceptionHandler errors() {
    return ExceptionHandler.newBuilder()
        .match(NodeRuntime.UnknownException.class, e -> status(StatusCodes.NOT_FOUND, error(e)))
        .match(IllegalArgumentException.class, e -> status(StatusCodes.BAD_REQUEST, error(e)))
        .match(JournalUnavailableException.class, e -> status(StatusCodes.SERVICE_UNAVAILABLE, error(e)))
        .match(CompletionException.class, e -> e.getCause() instanceof JournalUnavailableException j
            ? status(StatusCodes.SERVICE_UNAVAILABLE, error(j)) : failed(e))
        .match(RuntimeException.class, this::failed)
        .build();
  }

  private Route failed(RuntimeException e) {
    system.log().error("HTTP request failed", e);
    return status(StatusCodes.INTERNAL_SERVER_ERROR, error(e));
  }

  private RejectionHandler rejections() {
    return RejectionHandler.defaultHandler().mapRejectionResponse(response ->
        response.entity() instanceof akka.http.javadsl.model.HttpEntity.Strict strict
            && strict.getContentType().mediaType().isText()
            ? response.withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON,
                "{\"error\":" + quote(strict.getData().utf8String()) + "}"))
            : response);
  }

  private String quote(String s) {
    try {
      return json.writeValueAsString(s);
    } catch (JsonProcessingException e) {
      return "\"\"";
    }
  }

  private static Map<String, String> error(Exception e) {
    return Map.of("error", e.getMessage() == null ? e.toString() : e.getMessage());
  }
}
