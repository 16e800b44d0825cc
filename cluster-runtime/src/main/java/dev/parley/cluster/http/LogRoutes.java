package dev.parley.cluster.http;

import akka.actor.typed.ActorSystem;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.Route;
import akka.http.javadsl.unmarshalling.Unmarshaller;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.cluster.Caller;
import dev.parley.cluster.Invocation;
import dev.parley.cluster.LogKind;
import dev.parley.cluster.NodeRuntime;
import dev.parley.cluster.OperationHost;
import dev.parley.protocols.pubsub.PartitionedLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The partitioned logs' HTTP face:
 *
 * <pre>
 * POST /log/{name}/topics/{topic}?key=k                       append the body: 200 {"partition":p,"offset":o,...}
 * GET  /log/{name}/topics/{topic}/partitions/{p}?from=&max=   read: 200 {"start":s,"end":e,"records":[...]}
 * POST /log/{name}/groups/{group}/topics/{topic}/partitions/{p}  commit the offset in the body: 200
 * GET  /log/{name}/groups/{group}/topics/{topic}              the group's positions: 200 {"positions":{"0":5}}
 * </pre>
 *
 * Every parameter, path number and body is checked before anything is sent: a malformed or
 * out-of-range one (a partition past 2147483647, {@code timeout=abc}, an unknown parameter) is a 400
 * naming it, without effect, at the node asked. A broker whose replica does not lead forwards the
 * call once to the leader's node ({@link dev.parley.cluster.Forwarding}, keeping the call's name) and
 * answers with the leader's answer and the header {@value LeaderForwarding#SERVED_BY}; with {@code
 * parley.http.forward-to-leader = off}, when the request asks for it ({@code ?redirect=true}, the
 * header {@value LeaderForwarding#REDIRECT}{@code : true}) or when the leader it was forwarded to no
 * longer leads, it answers 307 to the leader's node when it knows it ({@code curl -L} follows), else
 * 503. A partition the topic does not have is a 404; no answer within {@code ?timeout=} ms (default
 * 5000) a 504, as an append may still take effect. Each
 * route is the log's operation ({@code append}, {@code read}, {@code commit}, {@code positions})
 * through the one operation path ({@link Operations}); its answer is the broker's reply naming the
 * request's call, handed to that request alone.
 */
final class LogRoutes extends ClientRoutes {

  private static final Duration DEFAULT_WAIT = Duration.ofSeconds(5);
  private static final int MAX_READ = 10_000;

  LogRoutes(NodeRuntime runtime, ActorSystem<?> system, ObjectMapper json, Operations operations) {
    super(runtime, system, json, operations);
  }

  Route routes() {
    return pathPrefix(PathMatchers.segment(), log -> concat(
        pathPrefix("topics", () -> pathPrefix(PathMatchers.segment(), topic -> topicRoutes(log, topic))),
        pathPrefix("groups", () -> pathPrefix(PathMatchers.segment(), group -> pathPrefix("topics", () ->
            pathPrefix(PathMatchers.segment(), topic -> groupRoutes(log, group, topic)))))));
  }

  private Route topicRoutes(String log, String topic) {
    return concat(
        pathEnd(() -> post(() -> entity(Unmarshaller.entityToString(), body ->
            Params.of("POST /log/{name}/topics/{topic}", with("key"), p -> {
              String record = requireBody(body);
              return ask(log, p, "append", new LogKind.Append(topic, p.text("key").orElse(null), record));
            })))),
        path(PathMatchers.segment("partitions").slash(PathMatchers.segment()), partition -> get(() ->
            Params.of("GET /log/{name}/topics/{topic}/partitions/{p}", with("from", "max"), p -> {
              int number = partition(partition);
              long from = p.whole("from", 0, Long.MAX_VALUE, 0);
              int max = (int) p.whole("max", 1, MAX_READ, 100);
              return ask(log, p, "read", new LogKind.Read(topic, number, from, max));
            }))));
  }

  private Route groupRoutes(String log, String group, String topic) {
    return concat(
        pathEnd(() -> get(() -> Params.of("GET /log/{name}/groups/{group}/topics/{topic}", with(), p ->
            ask(log, p, "positions", new LogKind.Positions(group, topic))))),
        path(PathMatchers.segment("partitions").slash(PathMatchers.segment()), partition -> post(() ->
            entity(Unmarshaller.entityToString(), body ->
                Params.of("POST /log/{name}/groups/{group}/topics/{topic}/partitions/{p}", with(), p -> {
                  int number = partition(partition);
                  long offset = Params.parseWhole("offset", body == null ? "" : body, 0, Long.MAX_VALUE);
                  return ask(log, p, "commit", new LogKind.Commit(group, topic, number, offset));
                })))));
  }

  /** The parameters of a route: its {@code own}, and {@code timeout} and {@code redirect}, which every route takes. */
  private static List<String> with(String... own) {
    List<String> all = new ArrayList<>(List.of(own));
    all.addAll(List.of("timeout", "redirect"));
    return all;
  }

  private static int partition(String text) {
    return (int) Params.parseWhole("partition", text, 0, Integer.MAX_VALUE);
  }

  private static String requireBody(String body) {
    if (body == null || body.isEmpty()) {
      throw new IllegalArgumentException("POST appends its body as the record; the body is empty "
          + "(curl --data-raw 'record' ...)");
    }
    return body;
  }

  /**
   * Checks the rest, then operation {@code op} of {@code log} on {@code body} through the one
   * operation path, forwarded to the leader if this node's broker does not lead.
   */
  private Route ask(String log, Params p, String op, Record body) {
    return forwarding.redirectAsked(p, redirect -> ask(log, p, op, body, redirect));
  }

  private Route ask(String log, Params p, String op, Record body, boolean redirect) {
    NodeRuntime.Instance instance = runtime.instance(log);
    if (!(instance.kind() instanceof LogKind)) {
      throw new NodeRuntime.UnknownException("'" + log + "' is a " + instance.kind().name()
          + ", not a partitioned log; the logs on this node are " + logs());
    }
    Duration wait = p.timeout(DEFAULT_WAIT);
    Caller caller = Caller.anonymous(runtime.settings());
    Invocation invocation = Operations.invocation(instance, op, body, caller);
    String label = Operations.label(op, body);
    long asked = System.nanoTime();
    return Params.within(wait, () -> onSuccess(operations.ask(instance, invocation, caller, wait, label), outcome ->
        forwarding.answerOrForward(instance, invocation, label, wait, asked, redirect,
            outcome instanceof OperationHost.Answered a ? a.answer() : outcome,
            answer -> answer(log, answer, wait), (earlier, at) -> answer(log, earlier, wait))));
  }

  private Route answer(String log, Object answer, Duration wait) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("log", log);
    if (answer instanceof PartitionedLog.Appended a) {
      body.put("topic", a.topic());
      body.put("partition", a.partition());
      body.put("offset", a.offset());
      body.put("timestamp", a.timestamp());
      return respond(StatusCodes.OK, body);
    }
    if (answer instanceof PartitionedLog.Records r) {
      body.put("topic", r.topic());
      body.put("partition", r.partition());
      body.put("start", r.start());
      body.put("end", r.end());
      body.put("records", r.records());
      return respond(StatusCodes.OK, body);
    }
    if (answer instanceof PartitionedLog.Committed c) {
      body.put("group", c.group());
      body.put("topic", c.topic());
      body.put("partition", c.partition());
      body.put("offset", c.offset());
      return respond(StatusCodes.OK, body);
    }
    if (answer instanceof PartitionedLog.GroupPositions g) {
      body.put("group", g.group());
      body.put("topic", g.topic());
      body.put("positions", g.positions());
      return respond(StatusCodes.OK, body);
    }
    if (answer instanceof PartitionedLog.NotLeader n) {
      return toLeader(n.leader(), body, "does not lead this log", "repeat the request",
          "an election may be under way");
    }
    if (answer instanceof PartitionedLog.Rejected r) {
      body.put("error", r.reason());
      return respond(StatusCodes.NOT_FOUND, body);
    }
    if (answer instanceof PartitionedLog.Failed f) {
      body.put("error", f.reason());
      return respond(StatusCodes.SERVICE_UNAVAILABLE, body);
    }
    String why = timedOut(answer) ? "no answer within " + wait.toMillis()
        + " ms; an append may still take effect" : "unexpected answer: " + answer;
    body.put("error", why);
    return respond(StatusCodes.GATEWAY_TIMEOUT, body);
  }

  private List<String> logs() {
    return runtime.instances().values().stream().filter(i -> i.kind() instanceof LogKind)
        .map(NodeRuntime.Instance::name).toList();
  }
}
