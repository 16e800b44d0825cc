package dev.parley.cluster.http;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.Behaviors;
import akka.http.javadsl.marshalling.sse.EventStreamMarshalling;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.sse.ServerSentEvent;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.Route;
import akka.http.javadsl.unmarshalling.Unmarshaller;
import akka.japi.Pair;
import akka.stream.BoundedSourceQueue;
import akka.stream.QueueOfferResult;
import akka.stream.javadsl.Source;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.cluster.Caller;
import dev.parley.cluster.Clients;
import dev.parley.cluster.Invocation;
import dev.parley.cluster.OperationHost;
import dev.parley.cluster.NodeRuntime;
import dev.parley.cluster.PubSubKind;
import dev.parley.protocols.pubsub.TopicBroker;
import dev.parley.protocols.pubsub.TopicBroker.Filter;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The topic broker's HTTP face (kind {@code topic-broker}); any node serves it, the broker runs on
 * the group's first node and the others forward to it.
 *
 * <pre>
 * POST   /pubsub/{broker}/topics/{topic}?key=&amp;publisher=&amp;seq=    publish the body (text or JSON): 200 once written
 * POST   /pubsub/{broker}/subscriptions/{subscriber}                    {"topic":"t","filter":{...},"durable":true}
 * DELETE /pubsub/{broker}/subscriptions/{subscriber}                    unsubscribe (its queue is dropped)
 * GET    /pubsub/{broker}/subscriptions/{subscriber}/messages?max=&amp;timeout=&amp;ack=   pull: get(timeout)
 * POST   /pubsub/{broker}/subscriptions/{subscriber}/ack?upTo=N         acknowledge up to message number N
 * GET    /pubsub/{broker}/subscriptions/{subscriber}/events             server-sent events (push)
 * </pre>
 *
 * Pulling does not acknowledge: the messages returned stay queued until acknowledged, with {@code
 * ack=N} on the next pull or {@code POST .../ack?upTo=N} (N: the last {@code n} taken), so a lost
 * answer loses nothing. A filter has any of {@code keyEquals}, {@code keyPrefix}, {@code
 * payloadContains} (all must hold). {@code publisher} and {@code seq} (1, 2, ...) make a retried
 * publish count once, in order; without {@code seq} the broker takes the publisher's next number.
 * Server-sent events reopen the subscription with push delivery to the connection; each message
 * is acknowledged once handed to it, and closing the connection leaves the subscription (a durable
 * one keeps queueing). Bad input gets 400 saying what was wrong; an unknown broker or subscription
 * 404; no answer in time 504.
 */
final class PubSubRoutes extends ClientRoutes {

  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final int MAX_PULL = 10_000;
  private static final int SSE_BUFFER = 256;
  /** How often an idle event stream sends a comment line: how soon a closed connection is noticed. */
  private static final Duration HEARTBEAT = Duration.ofSeconds(2);
  private static final Set<String> FILTER_FIELDS = Set.of("keyEquals", "keyPrefix", "payloadContains");

  private final Function<String, JsonNode> parse;

  PubSubRoutes(NodeRuntime runtime, ActorSystem<?> system, ObjectMapper json, Operations operations,
      Function<String, JsonNode> parse) {
    super(runtime, system, json, operations);
    this.parse = parse;
  }

  Route routes() {
    return pathPrefix(PathMatchers.segment(), broker -> concat(
        path(PathMatchers.segment("topics").slash(PathMatchers.segment()), topic -> post(() ->
            entity(Unmarshaller.entityToString(), body -> Params.of("POST /pubsub/{broker}/topics/{topic}",
                List.of("key", "publisher", "seq"), p -> publish(broker, topic, p, body))))),
        pathPrefix(PathMatchers.segment("subscriptions").slash(PathMatchers.segment()), subscriber -> concat(
            pathEnd(() -> concat(
                post(() -> entity(Unmarshaller.entityToString(), body -> Params.of(
                    "POST /pubsub/{broker}/subscriptions/{subscriber}", List.of(), p -> subscribe(broker, subscriber, body)))),
                delete(() -> Params.of("DELETE /pubsub/{broker}/subscriptions/{subscriber}", List.of(), p ->
                    unsubscribe(broker, subscriber))))),
            path("messages", () -> get(() -> Params.of("GET /pubsub/{broker}/subscriptions/{subscriber}/messages",
                List.of("max", "timeout", "ack"), p -> pull(broker, subscriber, p)))),
            path("ack", () -> post(() -> Params.of("POST /pubsub/{broker}/subscriptions/{subscriber}/ack",
                List.of("upTo"), p -> ack(broker, subscriber, p)))),
            path("events", () -> get(() -> Params.of("GET /pubsub/{broker}/subscriptions/{subscriber}/events",
                List.of(), p -> events(broker, subscriber))))))));
  }

  // ---------------------------------------------------------------- publish

  private Route publish(String broker, String topic, Params p, String body) {
    Optional<String> publisher = p.text("publisher").map(Clients::named);
    Optional<Long> seq = p.whole("seq", 1, Long.MAX_VALUE);
    Optional<String> key = p.text("key");
    if (seq.isPresent() && publisher.isEmpty()) {
      throw new IllegalArgumentException("seq numbers a publisher's messages: give publisher=NAME with seq=" + seq.get());
    }
    return ask(broker, "publish", new PubSubKind.Publish(topic, key.orElse(null), body, publisher.orElse(null),
        seq.orElse(null)), WAIT, reply -> {
          if (reply instanceof TopicBroker.PublishAck a) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("topic", topic);
            out.put("publisher", a.publisherId());
            out.put("seq", a.seq());
            if (a.duplicate()) {
              out.put("duplicate", true);
            } else {
              out.put("offset", a.offset());
            }
            return respond(StatusCodes.OK, out);
          }
          if (reply instanceof TopicBroker.SeqReused r) {
            return respond(StatusCodes.CONFLICT, Map.of("error", r.reason(), "conflict", "id-reused",
                "publisher", r.publisherId(), "seq", r.seq(), "goOnAbove", r.goOnAbove()));
          }
          if (reply instanceof TopicBroker.OutOfOrder o) {
            return respond(StatusCodes.CONFLICT, Map.of("error", "publisher " + o.publisherId() + " sent seq "
                + o.seq() + " but the broker takes its seq " + o.expected() + " next (send the gap first)",
                "expected", o.expected()));
          }
          return unexpected(reply);
        });
  }

  // ---------------------------------------------------------------- subscriptions

  private Route subscribe(String broker, String subscriber, String body) {
    JsonNode parsed = parse.apply(body);
    String example = "such as {\"topic\":\"orders\",\"filter\":{\"keyPrefix\":\"eu-\"},\"durable\":true}";
    if (parsed == null || !parsed.isObject()) {
      throw new IllegalArgumentException("a subscription is a JSON object, " + example);
    }
    JsonNode topic = parsed.get("topic");
    if (topic == null || !topic.isTextual() || topic.asText().isEmpty()) {
      throw new IllegalArgumentException("a subscription needs \"topic\" (a string), " + example);
    }
    JsonNode durable = parsed.get("durable");
    if (durable != null && !durable.isBoolean()) {
      throw new IllegalArgumentException("\"durable\" is true or false, got " + durable);
    }
    for (Iterator<String> names = parsed.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!Set.of("topic", "filter", "durable").contains(name)) {
        throw new IllegalArgumentException("unknown field \"" + name + "\"; a subscription has topic, filter, durable");
      }
    }
    Filter filter = filter(parsed.get("filter"));
    boolean keep = durable != null && durable.asBoolean();
    return ask(broker, "subscribe", new PubSubKind.Subscribe(subscriber, topic.asText(), filter, keep), WAIT, reply -> {
          if (reply instanceof TopicBroker.Subscribed s) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("subscriber", s.subscriberId());
            out.put("topic", s.topic());
            out.put("filter", filter);
            out.put("durable", s.durable());
            out.put("acked", s.acked());
            return respond(StatusCodes.OK, out);
          }
          return unexpected(reply);
        });
  }

  private Filter filter(JsonNode f) {
    if (f == null || f.isNull()) {
      return Filter.ALL;
    }
    if (!f.isObject()) {
      throw new IllegalArgumentException("\"filter\" is an object with any of " + FILTER_FIELDS + ", got " + f);
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = f.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!FILTER_FIELDS.contains(e.getKey())) {
        throw new IllegalArgumentException("unknown filter field \"" + e.getKey() + "\"; a filter has any of "
            + FILTER_FIELDS);
      }
      if (!e.getValue().isTextual()) {
        throw new IllegalArgumentException("filter field \"" + e.getKey() + "\" is a string, got " + e.getValue());
      }
    }
    return new Filter(text(f, "keyEquals"), text(f, "keyPrefix"), text(f, "payloadContains"));
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null ? null : v.asText();
  }

  private Route unsubscribe(String broker, String subscriber) {
    return ask(broker, "unsubscribe", new PubSubKind.Unsubscribe(subscriber), WAIT, reply -> {
          if (reply instanceof TopicBroker.Unsubscribed u) {
            return u.existed() ? respond(StatusCodes.OK, Map.of("unsubscribed", subscriber)) : notSubscribed(broker, subscriber);
          }
          return unexpected(reply);
        });
  }

  // ---------------------------------------------------------------- pull

  private Route pull(String broker, String subscriber, Params p) {
    int most = (int) p.whole("max", 1, MAX_PULL, 100);
    Duration wait = Duration.ofMillis(p.whole("timeout", 0, Params.MAX_TIMEOUT_MS, 0));
    long upTo = p.whole("ack", 0, Long.MAX_VALUE, 0);
    Duration askWait = wait.plus(WAIT);
    return Params.within(askWait, () -> ask(broker, "pull",
        new PubSubKind.Pull(subscriber, most, wait.toMillis(), upTo), askWait, reply -> {
          if (reply instanceof TopicBroker.Pulled pulled) {
            List<Map<String, Object>> messages = pulled.messages().stream().map(PubSubRoutes::message).toList();
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("subscriber", subscriber);
            out.put("messages", messages);
            if (!messages.isEmpty()) {
              long last = pulled.messages().get(pulled.messages().size() - 1).n();
              out.put("ack", "acknowledge with ack=" + last + " on the next pull, or POST .../ack?upTo=" + last);
            }
            return respond(StatusCodes.OK, out);
          }
          if (reply instanceof TopicBroker.NotSubscribed) {
            return notSubscribed(broker, subscriber);
          }
          return unexpected(reply);
        }));
  }

  private Route ack(String broker, String subscriber, Params p) {
    long n = p.whole("upTo", 1, Long.MAX_VALUE).orElseThrow(() -> new IllegalArgumentException(
        "give upTo=N: the last message number n taken, to acknowledge it and every one before it"));
    return ask(broker, "ack", new PubSubKind.Ack(subscriber, n), WAIT, reply ->
        respond(StatusCodes.OK, Map.of("subscriber", subscriber, "acked", n)));
  }

  private static Map<String, Object> message(TopicBroker.Deliver d) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("n", d.n());
    m.put("offset", d.message().offset());
    m.put("publisher", d.message().publisherId());
    m.put("seq", d.message().seq());
    m.put("topic", d.message().topic());
    m.put("key", d.message().key());
    m.put("payload", d.message().payload());
    return m;
  }

  // ---------------------------------------------------------------- server-sent events

  private Route events(String broker, String subscriber) {
    ActorRef<Object> host = brokerHost(broker);
    Pair<BoundedSourceQueue<ServerSentEvent>, Source<ServerSentEvent, akka.NotUsed>> pair =
        Source.<ServerSentEvent>queue(SSE_BUFFER).preMaterialize(system);
    CompletableFuture<TopicBroker.Reply> opened = new CompletableFuture<>();
    ActorRef<Object> stream = system.systemActorOf(
        streamToClient(host, subscriber, pair.first(), opened), "sse-" + UUID.randomUUID(), Props.empty());
    host.tell(new TopicBroker.Subscribe(subscriber, null, null, false, true, stream.narrow()));
    Source<ServerSentEvent, akka.NotUsed> events = pair.second()
        .keepAlive(HEARTBEAT, ServerSentEvent::heartbeat)
        .watchTermination((mat, done) -> {
          done.whenComplete((d, e) -> stream.tell(new ClientGone()));
          return mat;
        });
    CompletionStage<Object> first = opened.orTimeout(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
        .handle((reply, error) -> error == null ? reply : error);
    return onSuccess(first, reply -> {
      if (reply instanceof TopicBroker.Subscribed) {
        return completeOK(events, EventStreamMarshalling.toEventStream());
      }
      stream.tell(new ClientGone());
      if (reply instanceof TopicBroker.NotSubscribed) {
        return notSubscribed(broker, subscriber);
      }
      return unexpected(reply);
    });
  }

  private record ClientGone() {}

  /**
   * One SSE connection: hands the broker's pushes in order to the connection's queue and
   * acknowledges each once queued; leaves the subscription when the client goes.
   */
  private Behavior<Object> streamToClient(ActorRef<Object> host, String subscriber,
      BoundedSourceQueue<ServerSentEvent> queue, CompletableFuture<TopicBroker.Reply> opened) {
    long[] delivered = {0};
    return Behaviors.receive((context, msg) -> {
      if (msg instanceof TopicBroker.Subscribed s) {
        delivered[0] = Math.max(delivered[0], s.acked());
        opened.complete(s);
      } else if (msg instanceof TopicBroker.NotSubscribed n) {
        opened.complete(n);
        return Behaviors.stopped();
      } else if (msg instanceof TopicBroker.Pushed p) {
        for (TopicBroker.Deliver d : p.messages()) {
          if (d.n() == delivered[0] + 1 && queue.offer(sse(d)) == QueueOfferResult.enqueued()) {
            delivered[0] = d.n();
          }
        }
        host.tell(new TopicBroker.Ack(subscriber, delivered[0]));
      } else if (msg instanceof ClientGone) {
        queue.complete();
        if (opened.isDone() && opened.join() instanceof TopicBroker.Subscribed) {
          host.tell(new TopicBroker.Leave(subscriber, system.ignoreRef()));
        }
        return Behaviors.stopped();
      }
      return Behaviors.same();
    });
  }

  private ServerSentEvent sse(TopicBroker.Deliver d) {
    try {
      return ServerSentEvent.create(json.writeValueAsString(message(d)), "message", String.valueOf(d.n()));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write message " + d.n() + " as JSON", e);
    }
  }

  // ---------------------------------------------------------------- helpers

  private ActorRef<Object> brokerHost(String broker) {
    return brokerInstance(broker).host();
  }

  private NodeRuntime.Instance brokerInstance(String broker) {
    NodeRuntime.Instance instance = runtime.instance(broker);
    if (!(instance.kind() instanceof PubSubKind)) {
      throw new NodeRuntime.UnknownException("'" + broker + "' is a " + instance.kind().name()
          + ", not a topic broker; the brokers on this node are " + runtime.instances().values().stream()
          .filter(i -> i.kind() instanceof PubSubKind).map(NodeRuntime.Instance::name).toList());
    }
    return instance;
  }

  /**
   * Operation {@code op} of {@code broker} on {@code body} through the one operation path, its reply
   * (none for an accepted one) answered by {@code onReply}.
   */
  private Route ask(String broker, String op, Record body, Duration wait, Function<TopicBroker.Reply, Route> onReply) {
    NodeRuntime.Instance instance = brokerInstance(broker);
    Caller caller = Caller.anonymous(runtime.settings());
    Invocation invocation = Operations.invocation(instance, op, body, caller);
    return onSuccess(operations.ask(instance, invocation, caller, wait, Operations.label(op, body)), outcome ->
        outcome instanceof OperationHost.Answered a && a.answer() instanceof TopicBroker.Reply r ? onReply.apply(r)
            : outcome instanceof OperationHost.Accepted ? onReply.apply(null)
            : outcome instanceof OperationHost.TimedOut ? respond(StatusCodes.GATEWAY_TIMEOUT, Map.of("error",
                "the broker did not answer within " + wait.toMillis() + " ms (crashed, restarting or unreachable); "
                    + "retry (a publish with publisher and seq is applied once)"))
            : unexpected(outcome));
  }

  private Route notSubscribed(String broker, String subscriber) {
    return respond(StatusCodes.NOT_FOUND, Map.of("error", "broker " + broker + " has no subscription '" + subscriber
        + "'; POST /pubsub/" + broker + "/subscriptions/" + subscriber + " with {\"topic\":...} first"));
  }

  private Route unexpected(Object reply) {
    return respond(StatusCodes.INTERNAL_SERVER_ERROR, Map.of("error", "unexpected answer from the broker: " + reply));
  }

}
