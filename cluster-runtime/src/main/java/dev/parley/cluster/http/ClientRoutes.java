package dev.parley.cluster.http;

import akka.actor.typed.ActorSystem;
import akka.cluster.typed.Cluster;
import akka.http.javadsl.marshallers.jackson.Jackson;
import akka.http.javadsl.model.StatusCode;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.Location;
import akka.http.javadsl.model.headers.RawHeader;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.cluster.Clients;
import dev.parley.cluster.Forwarding;
import dev.parley.cluster.Invocation;
import dev.parley.cluster.LeaderServed;
import dev.parley.cluster.NodeGuardian;
import dev.parley.cluster.NodeRuntime;
import dev.parley.cluster.OperationHost;
import dev.parley.protocols.core.NodeId;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * What the client route families ({@code /kv}, {@code /log}, {@code /pubsub}) share: answering with
 * a JSON body, and sending a request this node cannot serve to the node that can: forwarded there
 * ({@link #answerOrForward}, for a {@link LeaderServed} kind) or, when asked or when forwarding is
 * off, a 307 ({@link #toLeader}).
 */
abstract class ClientRoutes extends AllDirectives {

  /** The request header asking for a 307 to the leader rather than a forward ({@code true}). */
  static final String REDIRECT = "Parley-Redirect";

  /** The response header naming the node that served a forwarded request. */
  static final String SERVED_BY = "Parley-Served-By";

  protected final NodeRuntime runtime;
  protected final ActorSystem<?> system;
  protected final ObjectMapper json;
  protected final Operations operations;
  private final boolean forwardToLeader;

  ClientRoutes(NodeRuntime runtime, ActorSystem<?> system, ObjectMapper json, Operations operations) {
    this.runtime = runtime;
    this.system = system;
    this.json = json;
    this.operations = operations;
    this.forwardToLeader = system.settings().config().getBoolean("parley.http.forward-to-leader");
  }

  /** Whether {@code answer}, what a request ended with, is its timeout. */
  protected static boolean timedOut(Object answer) {
    return answer instanceof OperationHost.TimedOut;
  }

  protected Route respond(StatusCode code, Object body) {
    return complete(code, body, Jackson.marshaller(json));
  }

  /**
   * {@code inner} told whether the request asks for the redirect rather than a forward: parameter
   * {@code redirect} or the header {@value #REDIRECT}, each {@code true} or {@code false} (anything
   * else is a 400 saying so).
   */
  protected Route redirectAsked(Params p, Function<Boolean, Route> inner) {
    return optionalHeaderValueByName(REDIRECT, header -> inner.apply(
        p.text("redirect").map(t -> flag("redirect", t)).orElse(false)
            || header.map(t -> flag("the header " + REDIRECT, t)).orElse(false)));
  }

  private static boolean flag(String name, String text) {
    if (text.strip().equalsIgnoreCase("true") || text.strip().equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(text.strip());
    }
    throw new IllegalArgumentException(name + " is true (answer 307 to the leader rather than forward) or false, got '"
        + Clients.abbreviate(text) + "'");
  }

  /**
   * {@code answer}, what this node's {@code instance} answered {@code invocation} with (asked at
   * {@code askedNanos}, {@link System#nanoTime}), as {@code answered} makes it a route; unless the
   * instance is {@link LeaderServed}, the answer says another node leads, forwarding is on and the
   * request did not ask for the {@code redirect}: then the invocation's request is carried out at
   * that leader, once, within what is left of {@code wait} ({@link Forwarding}), and answered with
   * the leader's answer and the header {@value #SERVED_BY}, or, if another request is open under its
   * id there, with what {@code inUse} makes of that request and the leader. No answer in time is
   * answered as the timeout; a leader not reachable, or no longer leading, gets the 307 its "not the
   * leader" makes.
   */
  protected Route answerOrForward(NodeRuntime.Instance instance, Invocation invocation, String label, Duration wait,
      long askedNanos, boolean redirect, Object answer, Function<Object, Route> answered,
      BiFunction<Object, NodeId, Route> inUse) {
    LeaderServed.NotServed<?> notServed = instance.kind() instanceof LeaderServed s ? s.notServed() : null;
    if (notServed == null || !notServed.says(answer) || !forwardToLeader || redirect
        || !(invocation instanceof Invocation.Answered<?> a)) {
      return answered.apply(answer);
    }
    NodeId leader = notServed.leaderIn(answer);
    if (leader == null || leader.equals(runtime.node())) {
      return answered.apply(answer);
    }
    Duration left = wait.minusNanos(System.nanoTime() - askedNanos);
    Duration within = left.isNegative() || left.isZero() ? Duration.ofMillis(1) : left;
    return onSuccess(operations.forward(instance, leader, a.request(), within, label), reply -> {
      if (reply.servedBy() == null || notServed.says(reply.answer())) {
        return answered.apply(reply.servedBy() == null ? answer : reply.answer());
      }
      if (reply.answer() == null && reply.inUse() == null) {
        return answered.apply(new OperationHost.TimedOut());
      }
      return respondWithHeader(RawHeader.create(SERVED_BY, reply.servedBy().name()), () -> reply.inUse() != null
          ? inUse.apply(reply.inUse(), reply.servedBy()) : answered.apply(reply.answer()));
    });
  }

  /**
   * A 307 to the same path and query at {@code leader}'s HTTP address (which every member announces)
   * when it is another reachable member, else a 503; {@code body} gets the error (this node {@code
   * notHere}; {@code repeat} at the location given, or {@code underWay}), the leader and the location.
   */
  protected Route toLeader(NodeId leader, Map<String, Object> body, String notHere, String repeat, String underWay) {
    Optional<String> http = leader == null || leader.equals(runtime.node()) ? Optional.empty()
        : NodeGuardian.members(Cluster.get(system)).stream()
            .filter(m -> leader.equals(m.node()) && m.http() != null && m.reachable())
            .map(NodeRuntime.Member::http).findFirst();
    if (http.isEmpty()) {
      body.put("error", runtime.node() + " " + notHere + " and knows no node that does (" + underWay
          + "); retry shortly");
      return respond(StatusCodes.SERVICE_UNAVAILABLE, body);
    }
    return extractUri(uri -> {
      String location = "http://" + http.get() + uri.path() + uri.rawQueryString().map(q -> "?" + q).orElse("");
      body.put("error", runtime.node() + " " + notHere + "; " + leader + " does: " + repeat
          + " at the location given (curl -L follows)");
      body.put("leader", leader.name());
      body.put("location", location);
      return respondWithHeader(Location.create(location), () -> respond(StatusCodes.TEMPORARY_REDIRECT, body));
    });
  }
}
