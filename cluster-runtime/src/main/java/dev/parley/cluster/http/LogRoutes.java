package dev.parley.cluster.http;

import akka.actor.typed.ActorSystem;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.Route;
import akka.http.javadsl.unmarshalling.Unmarshaller;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.cluster.LogKind;
import dev.parley.cluster.NodeRuntime;
import dev.parley.cluster.ProtocolKind;
import dev.parley.protocols.pubsub.PartitionedLog;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

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
 * A broker whose replica does not lead answers 307 to the leader's node when it knows it ({@code
 * curl -L} follows), else 503; a partition the topic does not have 404; a malformed number 400; no
 * answer within {@code ?timeout=} ms (default 5000) 504, as an append may still take effect.
 */
final class LogRoutes extends ClientRoutes {

  private static final Duration DEFAULT_WAIT = Duration.ofSeconds(5);


  LogRoutes(NodeRuntime runtime, ActorSystem<?> system, ObjectMapper json) {
    super(runtime, system, json);
  }

  Route routes() {
    return pathPrefix(PathMatchers.segment(), log -> concat(
        pathPrefix("topics", () -> pathPrefix(PathMatchers.segment(), topic -> topicRoutes(log, topic))),
        pathPrefix("groups", () -> pathPrefix(PathMatchers.segment(), group -> pathPrefix("topics", () ->
            pathPrefix(PathMatchers.segment(), topic -> groupRoutes(log, group, topic)))))));
  }

  private Route topicRoutes(String log, String topic) {
    return concat(
        pathEnd(() -> post(() -> parameterOptional("key", key ->
            entity(Unmarshaller.entityToString(), body -> ask(log, call ->
                new PartitionedLog.Append(call, topic, key.orElse(null), requireBody(body))))))),
        path(PathMatchers.segment("partitions").slash(PathMatchers.segment()), p -> get(() ->
            parameterOptional("from", from -> parameterOptional("max", max -> ask(log, call ->
                new PartitionedLog.Read(call, topic, (int) number("partition", p),
                    from.map(f -> number("from", f)).orElse(0L),
                    (int) Math.min(Integer.MAX_VALUE, max.map(m -> number("max", m)).orElse(100L)))))))));
  }

  private Route groupRoutes(String log, String group, String topic) {
    return concat(
        pathEnd(() -> get(() -> ask(log, call -> new PartitionedLog.Positions(call, group, topic)))),
        path(PathMatchers.segment("partitions").slash(PathMatchers.segment()), p -> post(() ->
            entity(Unmarshaller.entityToString(), body -> ask(log, call ->
                new PartitionedLog.CommitOffset(call, group, topic, (int) number("partition", p),
                    number("offset", body == null ? "" : body.trim())))))));
  }

  private static String requireBody(String body) {
    if (body == null || body.isEmpty()) {
      throw new IllegalArgumentException("POST appends its body as the record; the body is empty "
          + "(curl --data-raw 'record' ...)");
    }
    return body;
  }

  private static long number(String what, String text) {
    try {
      long n = Long.parseLong(text);
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(what + " is a whole number >= 0, got '" + text + "'");
  }

  private Route ask(String log, Function<String, PartitionedLog.Command> command) {
    NodeRuntime.Instance instance = runtime.instance(log);
    if (!(instance.kind() instanceof LogKind kind)) {
      throw new NodeRuntime.UnknownException("'" + log + "' is a " + instance.kind().name()
          + ", not a partitioned log; the logs on this node are " + logs());
    }
    String name = LogKind.newCall();
    ProtocolKind.Call call = kind.call(command.apply(name), name);
    CompletionStage<Object> done = runtime.upcalls().next(log, call.completedBy());
    instance.host().tell(call.downcall());
    return parameterOptional("timeout", timeout -> {
      Duration wait = timeout.map(t -> Duration.ofMillis(number("timeout", t))).orElse(DEFAULT_WAIT);
      return onSuccess(done.toCompletableFuture().orTimeout(wait.toMillis(), TimeUnit.MILLISECONDS)
          .handle((upcall, error) -> error == null ? upcall : error), answer -> answer(log, answer, wait));
    });
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
    String why = answer instanceof TimeoutException || answer instanceof CompletionException c
        && c.getCause() instanceof TimeoutException ? "no answer within " + wait.toMillis()
        + " ms; an append may still take effect" : String.valueOf(answer);
    body.put("error", why);
    return respond(StatusCodes.GATEWAY_TIMEOUT, body);
  }

  private List<String> logs() {
    return runtime.instances().values().stream().filter(i -> i.kind() instanceof LogKind)
        .map(NodeRuntime.Instance::name).toList();
  }
}
