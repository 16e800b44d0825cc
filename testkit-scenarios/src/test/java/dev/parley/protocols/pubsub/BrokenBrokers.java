package dev.parley.protocols.pubsub;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.TimerScheduler;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WriteAhead;
import dev.parley.protocols.pubsub.TopicBroker.Command;
import dev.parley.protocols.pubsub.TopicBroker.Event;
import dev.parley.protocols.pubsub.TopicBroker.Message;
import dev.parley.protocols.pubsub.TopicBroker.Publish;
import dev.parley.protocols.pubsub.TopicBroker.PublishAck;
import org.slf4j.Logger;

/** The deliberately broken brokers the pub/sub specs use as negative controls. */
public final class BrokenBrokers {

  private BrokenBrokers() {}

  /**
   * As {@link TopicBroker#inGroup}, but the broker acknowledges a publish when it arrives, before it
   * is written (lower latency, like a log's {@code acks=0}): a crash within the commit window, or
   * with no window a write that fails or that a crash interrupts, loses acknowledged messages.
   */
  public static Behavior<Object> ackingOnArrival(NodeId broker, String name, TopicBroker.Settings brokerSettings,
      PubSubClient.Settings clientSettings, Peers<Object> peers, NodeEnv env, ActorRef<Object> upcalls) {
    if (peers.self().equals(broker)) {
      return TopicBroker.create(name, peers, brokerSettings, AckOnArrival::new).unsafeCast();
    }
    return TopicBroker.inGroup(broker, name, brokerSettings, clientSettings, peers, env, upcalls);
  }

  /** The intake whose one method differs: it acknowledges before the write, not after. */
  private static final class AckOnArrival extends BrokerPublishing {

    AckOnArrival(WriteAhead<Command, Event, BrokerState> writes, TimerScheduler<Command> timers,
        TopicBroker.Settings settings, BrokerDelivery delivery, BrokerDelivery.Replier replier, Logger log) {
      super(writes, timers, settings, delivery, replier, log);
    }

    @Override
    void take(Publish p, Message message) {
      answer(p, new PublishAck(p.publisherId(), message.seq(), message.offset(), false));
      publishes().take(message);
    }
  }
}
