package dev.parley.cluster;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.parley.protocols.pubsub.PubSubClient;
import dev.parley.protocols.pubsub.BrokerFront;
import dev.parley.protocols.pubsub.PublisherExpiry;
import dev.parley.protocols.pubsub.TopicBroker;
import java.time.Duration;
import java.util.List;

/**
 * The topic broker of {@code protocols/pubsub} ({@code topic-broker}): the journaled broker runs on
 * the group's first node and every other node forwards requests to it. Operations {@code publish},
 * {@code subscribe}, {@code unsubscribe}, {@code pull} and {@code ack}, each answered by the broker's
 * reply to the request; the friendlier face is {@code /pubsub/<name>/...} (the same operations, and
 * server-sent events; see {@code PubSubRoutes}). Its live status is the broker's. Settings: {@code
 * broker} and {@code client} of its configuration section.
 */
public final class PubSubKind implements ProtocolKind {

  @Override
  public String name() {
    return "topic-broker";
  }

  @Override
  public String description() {
    return "topic broker on the group's first node (journaled, durable subscriptions, push, pull and filters); "
        + "use /pubsub/<name>/topics/<topic> and /pubsub/<name>/subscriptions/<subscriber>";
  }

  @Override
  public void checkConfig(KindConfig config) {
    broker(config);
    client(config);
  }

  private static TopicBroker.Settings broker(KindConfig config) {
    KindConfig c = config.section("broker");
    return new TopicBroker.Settings(c.duration("commit-window"), c.integer("window"),
        c.duration("redeliver-after"), c.duration("ack-flush"), c.integer("snapshot-every"),
        new PublisherExpiry(c.number("publisher-expiry-messages"), c.integer("publisher-expiry-buckets")));
  }

  private static PubSubClient.Settings client(KindConfig config) {
    KindConfig c = config.section("client");
    return new PubSubClient.Settings(c.duration("retry-every"), c.integer("pull-max"), c.duration("pull-timeout"));
  }

  @Override
  public Behavior<Object> create(KindContext context) {
    return BrokerFront.inGroup(context.peers().members().first(), context.instance(), broker(context.config()),
        client(context.config()), context.peers(), context.env(), context.upcalls());
  }

  /** Publish {@code payload} to {@code topic}; {@code publisher} and {@code seq} (1, 2, ...) count a retry once. */
  public record Publish(@JsonProperty(required = true) String topic, String key,
      @JsonProperty(required = true) String payload, String publisher, Long seq) {
    public Publish {
      if (seq != null && (seq < 1 || publisher == null)) {
        throw new IllegalArgumentException("\"seq\" numbers a publisher's messages from 1: give \"publisher\" with it");
      }
    }
  }

  /** Subscribe {@code subscriber} to {@code topic}, with an optional filter; a durable one keeps queueing. */
  public record Subscribe(@JsonProperty(required = true) String subscriber, @JsonProperty(required = true) String topic,
      TopicBroker.Filter filter, Boolean durable) {}

  /** Drop {@code subscriber}'s subscription and its queue. */
  public record Unsubscribe(@JsonProperty(required = true) String subscriber) {}

  /** Up to {@code max} queued messages, waiting up to {@code waitMs} for one, acknowledging up to {@code ack} first. */
  public record Pull(@JsonProperty(required = true) String subscriber, Integer max, Long waitMs, Long ack) {
    public Pull {
      if (max != null && (max < 1 || max > 10_000) || waitMs != null && (waitMs < 0 || waitMs > 600_000)
          || ack != null && ack < 0) {
        throw new IllegalArgumentException("\"max\" is 1 to 10000, \"waitMs\" 0 to 600000, \"ack\" >= 0");
      }
    }
  }

  /** Acknowledge {@code subscriber}'s messages up to number {@code upTo}. */
  public record Ack(@JsonProperty(required = true) String subscriber, @JsonProperty(required = true) Long upTo) {}

  @Override
  public List<Operation<?>> operations() {
    return List.of(
        Operation.of("publish", Publish.class, (caller, p) -> Invocation.asking(r -> new TopicBroker.Publish(
            p.publisher() == null ? "http" : p.publisher(), p.seq() == null ? 0 : p.seq(), p.topic(), p.key(),
            p.payload(), r.narrow()))),
        Operation.of("subscribe", Subscribe.class, (caller, s) -> Invocation.asking(r -> new TopicBroker.Subscribe(
            s.subscriber(), s.topic(), s.filter() == null ? TopicBroker.Filter.ALL : s.filter(),
            Boolean.TRUE.equals(s.durable()), false, r.narrow()))),
        Operation.of("unsubscribe", Unsubscribe.class, (caller, u) ->
            Invocation.asking(r -> new TopicBroker.Unsubscribe(u.subscriber(), r.narrow()))),
        Operation.of("pull", Pull.class, (caller, p) -> Invocation.asking(r -> new TopicBroker.Pull(p.subscriber(),
            p.ack() == null ? 0 : p.ack(), p.max() == null ? 100 : p.max(),
            Duration.ofMillis(p.waitMs() == null ? 0 : p.waitMs()), r.narrow()))),
        Operation.of("ack", Ack.class, (caller, a) ->
            Invocation.accepted(new TopicBroker.Ack(a.subscriber(), a.upTo()))));
  }

  @Override
  public boolean hasLiveStatus() {
    return true;
  }

  @Override
  public Object statusQuery(NodeSettings node, ActorRef<Object> replyTo) {
    return new TopicBroker.GetStatus(replyTo.narrow());
  }
}
