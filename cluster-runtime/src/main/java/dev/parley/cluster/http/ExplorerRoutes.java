package dev.parley.cluster.http;

import akka.actor.typed.ActorSystem;
import akka.cluster.typed.Cluster;
import akka.http.javadsl.marshalling.sse.EventStreamMarshalling;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.headers.HttpCookie;
import akka.http.javadsl.model.headers.HttpCookiePair;
import akka.http.javadsl.model.sse.ServerSentEvent;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import akka.stream.javadsl.Source;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.cluster.ClusterRun;
import dev.parley.cluster.NodeClient;
import dev.parley.cluster.NodeGuardian;
import dev.parley.cluster.NodeRuntime;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.trace.ExplorerPage;
import dev.parley.protocols.trace.RunRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;

/**
 * The run explorer served by a node, over the whole cluster (docs/explorer.md):
 *
 * <pre>
 * GET /explorer        the page (text/html); it loads explorer/run, then follows explorer/live
 * GET /explorer/run    the cluster's run as a run file (JSON, version 1): a consistent cut of every
 *                      member's trace, every node's clients' operations (each with its node), the
 *                      instances' statuses per node as "states", notes on nodes that did not answer
 *                      and on what was left out; the latest {@value #MAX_EVENTS} events at most
 * GET /explorer/live   server-sent events, about every second: "events" (the run's new events, their
 *                      i continuing), "history" (operations new or completed), "states", "notes"
 * </pre>
 *
 * <p>Model: one {@link ClusterRun} per node, shared by every request, which reads the members over
 * their HTTP APIs (asynchronously, never on Akka's dispatcher; the caller's bearer token goes
 * along) at most about once per {@value #INTERVAL_MILLIS} ms however many pages follow it. A page
 * follows from where its run ended: {@code /explorer/run} sets a cookie holding that position (named
 * for this node), and each server-sent event carries it as its id, so a reconnecting page goes on
 * where it stopped; without either, a follower starts from now.
 *
 * <p>Cost per follower: one refresh at a time (ticks it cannot keep up with are dropped), at most
 * {@value #MAX_BATCH} events per message; the stream ends when the client goes.
 */
final class ExplorerRoutes extends AllDirectives {

  static final int MAX_EVENTS = 20_000;
  static final long INTERVAL_MILLIS = 500;
  private static final int MAX_BATCH = 5_000;
  private static final Duration TICK = Duration.ofSeconds(1);
  private static final Duration KEEP_ALIVE = Duration.ofSeconds(5);
  private static final Duration WAIT = Duration.ofSeconds(5);

  private final NodeRuntime runtime;
  private final ActorSystem<?> system;
  private final ObjectMapper json;
  private final ClusterRun run = new ClusterRun(MAX_EVENTS, INTERVAL_MILLIS);

  ExplorerRoutes(NodeRuntime runtime, ActorSystem<?> system, ObjectMapper json) {
    this.runtime = runtime;
    this.system = system;
    this.json = json;
  }

  Route routes() {
    return concat(
        pathEnd(() -> get(() -> complete(HttpEntities.create(ContentTypes.TEXT_HTML_UTF8, ExplorerPage.live())))),
        path("run", () -> get(() -> token(this::run))),
        path("live", () -> get(() -> token(token -> optionalHeaderValueByName("Last-Event-ID", lastId ->
            optionalCookie(cookieName(), cookie ->
                live(token, position(lastId.or(() -> cookie.map(HttpCookiePair::value))))))))));
  }

  private Route run(String token) {
    return onSuccess(served(token), s -> setCookie(cookie(s.at()), () ->
        complete(HttpEntities.create(ContentTypes.APPLICATION_JSON, s.run().toJson()))));
  }

  /** The bearer token of the request, if any, to read the other nodes with. */
  private Route token(java.util.function.Function<String, Route> inner) {
    return optionalHeaderValueByName("Authorization", auth -> inner.apply(auth
        .filter(a -> a.regionMatches(true, 0, "Bearer ", 0, 7)).map(a -> a.substring(7).strip()).orElse(null)));
  }

  private CompletionStage<ClusterRun.Served> served(String token) {
    return refresh(token).thenApply(done -> run.served(title(), nodes()));
  }

  private CompletionStage<Void> refresh(String token) {
    return run.refresh(() -> targets(token), this::unasked, WAIT);
  }

  /** Every member with an HTTP address (this node included). */
  private List<ClusterRun.Target> targets(String token) {
    List<ClusterRun.Target> out = new ArrayList<>();
    boolean self = false;
    for (NodeRuntime.Member m : NodeGuardian.members(Cluster.get(system))) {
      if (m.http() != null) {
        out.add(new ClusterRun.Target(m.node(), new NodeClient(m.http(), token)));
        self |= runtime.node().equals(m.node());
      }
    }
    if (!self) {
      out.add(0, new ClusterRun.Target(runtime.node(), new NodeClient(runtime.settings().httpAddress(), token)));
    }
    return out;
  }

  /** The group's nodes that are not members now, so were not asked. */
  private List<String> unasked() {
    Set<NodeId> members = new TreeSet<>();
    NodeGuardian.members(Cluster.get(system)).stream().filter(m -> m.http() != null && m.node() != null)
        .forEach(m -> members.add(m.node()));
    members.add(runtime.node());
    List<String> out = new ArrayList<>();
    for (NodeId n : runtime.settings().group()) {
      if (!members.contains(n)) {
        out.add(n + " is not a member of the cluster as " + runtime.node() + " sees it (stopped, crashed and"
            + " removed, or not started), so it was not asked; its events are not in this run, and messages to or"
            + " from it show without their other end.");
      }
    }
    return out;
  }

  private List<NodeId> nodes() {
    Set<NodeId> all = new TreeSet<>(runtime.settings().group());
    NodeGuardian.members(Cluster.get(system)).stream().filter(m -> m.node() != null).forEach(m -> all.add(m.node()));
    return List.copyOf(all);
  }

  private String title() {
    return "Parley cluster " + String.join(", ", nodes().stream().map(NodeId::toString).toList())
        + " (served by " + runtime.node() + ")";
  }

  // ---------------------------------------------------------------- following

  private String cookieName() {
    return "parley-explorer-" + runtime.node();
  }

  private HttpCookie cookie(ClusterRun.Position at) {
    return HttpCookie.create(cookieName(), encode(at.start(), at.end(), at.operationsVersion()))
        .withPath("/explorer").withHttpOnly(true);
  }

  private static String encode(long offset, long next, long version) {
    return offset + "." + next + "." + version;
  }

  /** A follower's position from an event id or cookie, if it is one this node's run can go on from. */
  private ClusterRun.Position position(Optional<String> given) {
    ClusterRun.Position now = run.position();
    if (given.isPresent()) {
      String[] parts = given.get().split("\\.");
      try {
        if (parts.length == 3) {
          long offset = Long.parseLong(parts[0]);
          long next = Long.parseLong(parts[1]);
          long version = Long.parseLong(parts[2]);
          if (0 <= offset && offset <= next && next <= now.end() && 0 <= version && version <= now.operationsVersion()) {
            return new ClusterRun.Position(offset, next, version);
          }
        }
      } catch (NumberFormatException notOurs) {
        // not a position this node wrote: follow from now
      }
    }
    return now;
  }

  private Route live(String token, ClusterRun.Position from) {
    Follower follower = new Follower(from.start(), from.end(), from.operationsVersion());
    Source<ServerSentEvent, akka.NotUsed> events = Source.tick(Duration.ZERO, TICK, "tick")
        .mapAsync(1, tick -> refresh(token).thenApply(done -> follower.next()))
        .mapConcat(list -> list)
        .keepAlive(KEEP_ALIVE, ServerSentEvent::heartbeat)
        .mapMaterializedValue(ticks -> akka.NotUsed.getInstance());
    return completeOK(events, EventStreamMarshalling.toEventStream());
  }

  /** One page following the run: what it has been sent. Used by its stream alone, one step at a time. */
  private final class Follower {
    private final long offset;
    private long next;
    private long version;
    private String states;
    private String notes;

    Follower(long offset, long next, long version) {
      this.offset = offset;
      this.next = next;
      this.version = version;
    }

    List<ServerSentEvent> next() {
      ClusterRun.Update u = run.since(next, offset, version, MAX_BATCH);
      List<ServerSentEvent> out = new ArrayList<>();
      next = u.next();
      version = u.operationsVersion();
      String id = encode(offset, next, version);
      List<String> noteList = new ArrayList<>(u.notes());
      if (u.skipped() > 0) {
        noteList.add(String.format("This page fell %,d events behind what the node keeps; those are left out.",
            u.skipped()));
      }
      if (!u.events().isEmpty() || !u.operations().isEmpty()) {
        JsonNode batch = read(new RunRecord("live", "cluster", null, List.of(), List.of(), true, u.events(), Map.of(),
            Map.of(), u.operations(), Map.of(), null, u.operationNodes()).toJson());
        if (!u.events().isEmpty()) {
          ArrayNode events = (ArrayNode) batch.get("events");
          for (int k = 0; k < events.size(); k++) {
            ((ObjectNode) events.get(k)).put("i", u.firstIndex() + k);
          }
          out.add(ServerSentEvent.create(events.toString(), "events", id));
        }
        if (!u.operations().isEmpty()) {
          out.add(ServerSentEvent.create(batch.get("history").get("operations").toString(), "history", id));
        }
      }
      String statesNow = write(u.states());
      if (!statesNow.equals(states)) {
        states = statesNow;
        out.add(ServerSentEvent.create(statesNow, "states", id));
      }
      String notesNow = write(noteList);
      if (!notesNow.equals(notes)) {
        notes = notesNow;
        out.add(ServerSentEvent.create(notesNow, "notes", id));
      }
      return out;
    }
  }

  private JsonNode read(String text) {
    try {
      return json.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("the run's JSON could not be read back: " + e.getOriginalMessage(), e);
    }
  }

  private String write(Object value) {
    try {
      return json.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("could not write " + value.getClass().getSimpleName() + " as JSON", e);
    }
  }
}
