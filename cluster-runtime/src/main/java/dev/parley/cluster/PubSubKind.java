package dev.parley.cluster;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.pubsub.PubSubClient;
import dev.parley.protocols.pubsub.TopicBroker;
import java.util.List;

/**
 * The topic broker of {@code protocols/pubsub} ({@code topic-broker}): the journaled broker runs on
 * the group's first node and every other node forwards requests to it. Its HTTP face is {@code
 * /pubsub/<name>/...} (publish, subscribe, pull, server-sent events; see {@code PubSubRoutes}); its
 * live status is the broker's.
 */
public record PubSubKind(TopicBroker.Settings settings) implements ProtocolKind {

  public PubSubKind() {
    this(TopicBroker.Settings.DEFAULT);
  }

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
  public Behavior<Object> create(String instance, Peers<Object> peers, NodeEnv env, ActorRef<Object> upcalls) {
    return TopicBroker.inGroup(peers.members().first(), instance, settings, PubSubClient.Settings.DEFAULT, peers,
        env, upcalls);
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
