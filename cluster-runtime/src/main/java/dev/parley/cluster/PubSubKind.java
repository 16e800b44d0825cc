package dev.parley.cluster;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.protocols.pubsub.PubSubClient;
import dev.parley.protocols.pubsub.TopicBroker;
import java.util.List;

/**
 * The topic broker of {@code protocols/pubsub} ({@code topic-broker}): the journaled broker runs on
 * the group's first node and every other node forwards requests to it. Its HTTP face is {@code
 * /pubsub/<name>/...} (publish, subscribe, pull, server-sent events; see {@code PubSubRoutes}); its
 * live status is the broker's. Settings: {@code broker} and {@code client} of its configuration section.
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
        c.duration("redeliver-after"), c.duration("ack-flush"), c.integer("snapshot-every"));
  }

  private static PubSubClient.Settings client(KindConfig config) {
    KindConfig c = config.section("client");
    return new PubSubClient.Settings(c.duration("retry-every"), c.integer("pull-max"), c.duration("pull-timeout"));
  }

  @Override
  public Behavior<Object> create(KindContext context) {
    return TopicBroker.inGroup(context.peers().members().first(), context.instance(), broker(context.config()),
        client(context.config()), context.peers(), context.env(), context.upcalls());
  }

  @Override
  public List<String> operations() {
    return List.of();
  }

  @Override
  public Call call(NodeSettings node, String op, JsonNode body) {
    throw ProtocolKind.unknownOperation(this, op);
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
