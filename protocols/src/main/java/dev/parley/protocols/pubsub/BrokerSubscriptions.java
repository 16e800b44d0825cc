package dev.parley.protocols.pubsub;

import akka.persistence.typed.javadsl.Effect;
import dev.parley.protocols.core.WriteAhead;
import dev.parley.protocols.pubsub.BrokerState.Subscription;
import dev.parley.protocols.pubsub.TopicBroker.Command;
import dev.parley.protocols.pubsub.TopicBroker.Event;
import dev.parley.protocols.pubsub.TopicBroker.Filter;
import dev.parley.protocols.pubsub.TopicBroker.Leave;
import dev.parley.protocols.pubsub.TopicBroker.Left;
import dev.parley.protocols.pubsub.TopicBroker.NotSubscribed;
import dev.parley.protocols.pubsub.TopicBroker.Subscribe;
import dev.parley.protocols.pubsub.TopicBroker.Subscribed;
import dev.parley.protocols.pubsub.TopicBroker.SubscriptionClosed;
import dev.parley.protocols.pubsub.TopicBroker.SubscriptionLeft;
import dev.parley.protocols.pubsub.TopicBroker.SubscriptionOpened;
import dev.parley.protocols.pubsub.TopicBroker.Unsubscribe;
import dev.parley.protocols.pubsub.TopicBroker.Unsubscribed;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;

/**
 * The {@link TopicBroker}'s subscriptions: opening one (or reopening it, durable or after a {@link
 * Leave}), a subscriber leaving, and ending one. Each change is written before the subscriber is
 * answered (persist-then-act); the broker's head comment has the model, guarantees and cost.
 */
final class BrokerSubscriptions {

  private final WriteAhead<Command, Event, BrokerState> writes;
  private final BrokerDelivery delivery;
  private final BrokerDelivery.Replier replier;
  private final Logger log;

  BrokerSubscriptions(WriteAhead<Command, Event, BrokerState> writes, BrokerDelivery delivery,
      BrokerDelivery.Replier replier, Logger log) {
    this.writes = writes;
    this.delivery = delivery;
    this.replier = replier;
    this.log = log;
  }

  Effect<Event, BrokerState> onSubscribe(BrokerState state, Subscribe s) {
    if (s.subscriberId() == null) {
      log.warn("ignoring a subscribe without subscriber: {}", s);
      return writes.none();
    }
    Subscription old = state.subscription(s.subscriberId());
    if (s.topic() == null && old == null) {
      replier.reply(s.replyTo(), s.subscriberId(), new NotSubscribed(s.subscriberId()));
      return writes.none();
    }
    String topic = s.topic() == null ? old.topic() : s.topic();
    Filter filter = s.topic() == null ? old.filter() : s.filter() == null ? Filter.ALL : s.filter();
    boolean durable = s.topic() == null ? old.durable() : s.durable();
    delivery.reconnected(s.subscriberId());
    return writes.then(new SubscriptionOpened(s.subscriberId(), topic, filter, durable, s.push(), s.replyTo()),
        after -> {
          Subscription sub = after.subscription(s.subscriberId());
          long acked = delivery.acked(sub);
          replier.reply(s.replyTo(), s.subscriberId(), new Subscribed(s.subscriberId(), topic, durable, acked));
          delivery.push(after, sub);
        });
  }

  Effect<Event, BrokerState> onLeave(BrokerState state, Leave l) {
    Subscription s = state.subscription(l.subscriberId());
    if (s == null) {
      replier.reply(l.replyTo(), l.subscriberId(), new Left(l.subscriberId(), false));
      return writes.none();
    }
    delivery.forget(l.subscriberId(), s.durable());
    List<Event> events = new ArrayList<>(delivery.takeAck(state, l.subscriberId()));
    events.add(new SubscriptionLeft(l.subscriberId()));
    return writes.then(events, state,
        after -> replier.reply(l.replyTo(), l.subscriberId(), new Left(l.subscriberId(), s.durable())));
  }

  Effect<Event, BrokerState> onUnsubscribe(BrokerState state, Unsubscribe u) {
    Subscription s = state.subscription(u.subscriberId());
    if (s == null) {
      replier.reply(u.replyTo(), u.subscriberId(), new Unsubscribed(u.subscriberId(), false));
      return writes.none();
    }
    delivery.forget(u.subscriberId(), false);
    return writes.then(new SubscriptionClosed(u.subscriberId()),
        after -> replier.reply(u.replyTo(), u.subscriberId(), new Unsubscribed(u.subscriberId(), true)));
  }
}
