package dev.parley.cluster.http;

import akka.actor.typed.ActorSystem;
import akka.cluster.typed.Cluster;
import akka.http.javadsl.marshallers.jackson.Jackson;
import akka.http.javadsl.marshalling.Marshaller;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.RequestEntity;
import akka.http.javadsl.model.StatusCode;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.Accept;
import akka.http.javadsl.model.headers.AcceptCharset;
import akka.http.javadsl.model.headers.Location;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.cluster.NodeGuardian;
import dev.parley.cluster.NodeRuntime;
import dev.parley.cluster.OperationHost;
import dev.parley.protocols.core.NodeId;
import java.util.Map;
import java.util.Optional;

/**
 * What the client route families ({@code /kv}, {@code /log}, {@code /pubsub}) share: answering with
 * a JSON body, and sending a request this node cannot serve to the node that can: forwarded there
 * ({@link LeaderForwarding}, for a {@link dev.parley.cluster.LeaderServed} kind) or, when asked or
 * when forwarding is off, a 307 ({@link #toLeader}).
 */
abstract class ClientRoutes extends AllDirectives {

  protected final NodeRuntime runtime;
  protected final ActorSystem<?> system;
  protected final ObjectMapper json;
  protected final Operations operations;
  /** A request this node does not serve, forwarded to the leader. */
  protected final LeaderForwarding forwarding;
  /** The JSON marshaller every answer goes through, made once. */
  private final Marshaller<Object, RequestEntity> answers;

  ClientRoutes(NodeRuntime runtime, ActorSystem<?> system, ObjectMapper json, Operations operations) {
    this.runtime = runtime;
    this.system = system;
    this.json = json;
    this.operations = operations;
    this.forwarding = new LeaderForwarding(runtime, operations, system.settings().config()
        .getBoolean("parley.http.forward-to-leader"));
    this.answers = Jackson.marshaller(json);
  }

  /** Whether {@code answer}, what a request ended with, is its timeout. */
  protected static boolean timedOut(Object answer) {
    return answer instanceof OperationHost.TimedOut;
  }

  /**
   * {@code code} with {@code body} as JSON. A request that states no {@code Accept} or {@code
   * Accept-Charset} takes any answer, so its answer is made directly (what the marshaller would make,
   * without the content negotiation a marshaller goes through for every answer); one that states
   * either gets the marshaller's negotiated answer (a 406 if it accepts no JSON).
   */
  protected Route respond(StatusCode code, Object body) {
    return extractRequest(request -> request.getHeader(Accept.class).isPresent()
        || request.getHeader(AcceptCharset.class).isPresent()
        ? complete(code, body, answers)
        : handleSync(any -> HttpResponse.create().withStatus(code).withEntity(ContentTypes.APPLICATION_JSON, text(body))));
  }

  /** {@code body} as the JSON marshaller writes it, and failing as it fails. */
  private String text(Object body) {
    try {
      return json.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("Cannot marshal to JSON: " + body, e);
    }
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
