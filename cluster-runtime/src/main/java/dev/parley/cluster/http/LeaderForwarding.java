package dev.parley.cluster.http;

import akka.http.javadsl.model.headers.RawHeader;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import dev.parley.cluster.Clients;
import dev.parley.cluster.Forwarding;
import dev.parley.cluster.Invocation;
import dev.parley.cluster.LeaderServed;
import dev.parley.cluster.NodeRuntime;
import dev.parley.cluster.OperationHost;
import dev.parley.protocols.core.NodeId;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The HTTP edge's half of forwarding to the leader ({@link Forwarding}), shared by every route that
 * carries out a {@link LeaderServed} kind's operation ({@code /kv}, {@code /log}, {@code POST
 * /protocols/{name}/{op}}): whether the request asks for the 307 instead, and the request answered
 * by the leader when this node's instance says another node leads. With {@code
 * parley.http.forward-to-leader = off} it never forwards.
 */
final class LeaderForwarding extends AllDirectives {

  /** The request header asking for a 307 to the leader rather than a forward ({@code true}). */
  static final String REDIRECT = "Parley-Redirect";

  /** The response header naming the node that served a forwarded request. */
  static final String SERVED_BY = "Parley-Served-By";

  private final NodeRuntime runtime;
  private final Operations operations;
  /** {@code parley.http.forward-to-leader}: off, every such request is answered with its 307. */
  private final boolean forwardToLeader;

  LeaderForwarding(NodeRuntime runtime, Operations operations, boolean forwardToLeader) {
    this.runtime = runtime;
    this.operations = operations;
    this.forwardToLeader = forwardToLeader;
  }

  /**
   * {@code inner} told whether the request asks for the redirect rather than a forward: parameter
   * {@code redirect} or the header {@value #REDIRECT}, each {@code true} or {@code false} (anything
   * else is a 400 saying so).
   */
  Route redirectAsked(Params p, Function<Boolean, Route> inner) {
    return optionalHeaderValueByName(REDIRECT, header -> inner.apply(redirectAsked(p, header)));
  }

  /** Whether a request with parameters {@code p} and the header {@value #REDIRECT} (if sent) asks for the 307. */
  static boolean redirectAsked(Params p, Optional<String> header) {
    return p.text("redirect").map(t -> flag("redirect", t)).orElse(false)
        || header.map(t -> flag("the header " + REDIRECT, t)).orElse(false);
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
  Route answerOrForward(NodeRuntime.Instance instance, Invocation invocation, String label, Duration wait,
      long askedNanos, boolean redirect, Object answer, Function<Object, Route> answered,
      BiFunction<Object, NodeId, Route> inUse) {
    LeaderServed.NotServed<?> notServed = instance.kind() instanceof LeaderServed s ? s.notServed() : null;
    if (notServed == null || !notServed.says(answer) || !forwardToLeader || redirect
        || !(invocation instanceof Invocation.Answered<?> a) || a.request() == null) {
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
}
