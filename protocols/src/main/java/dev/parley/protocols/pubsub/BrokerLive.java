package dev.parley.protocols.pubsub;

import akka.actor.typed.ActorRef;
import dev.parley.protocols.pubsub.TopicBroker.Command;
import dev.parley.protocols.pubsub.TopicBroker.Filter;
import dev.parley.protocols.pubsub.TopicBroker.FlushLive;
import dev.parley.protocols.pubsub.TopicBroker.LiveMessages;
import dev.parley.protocols.pubsub.TopicBroker.Message;
import dev.parley.protocols.pubsub.TopicBroker.Reply;
import dev.parley.protocols.pubsub.TopicBroker.SubscribeLive;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The {@link TopicBroker}'s live subscriptions ({@link SubscribeLive}): at most once, held in memory
 * only, nothing journaled and nothing acknowledged.
 *
 * <p>Model: as the broker's; a restart forgets every live subscription (subscribers repeat their
 * {@link SubscribeLive}, which {@link PubSubClient} does on its retry timer).
 *
 * <p>Algorithm: each message the broker takes (a {@link TopicBroker.Publish}, or a {@link
 * TopicBroker.PublishLive} numbered above the last from its publisher) is added, as it is taken (before it is written), to
 * the pending batch of every live subscription of its topic whose filter it matches; the first such
 * addition sends the broker a {@link FlushLive}, which lands behind the commands already in its
 * mailbox, and the flush sends each subscription its batch as one {@link LiveMessages} (so a burst
 * of publishes reaches a subscriber as a few messages, not one per publish). A batch that reaches
 * {@link #MAX_BATCH} is sent at once.
 *
 * <p>Guarantees: a live subscription gets the messages the broker takes while it is open, in the
 * broker's order, so in each publisher's order; a publish the broker takes again after a restart
 * (its publisher retrying an unwritten one) may come again, with its publisher id and number, by
 * which {@link PubSubClient} drops it. A message may be lost (a lost link message, a restart), and
 * a live subscriber may get a message that a broker crash then loses before it is written. Cost per
 * message: a lookup of its topic and a filter test per live subscription of it; per flush, one
 * message per live subscription that got anything; memory: the batches of one flush, and the last
 * number of each at-most-once publisher.
 */
final class BrokerLive {

  /** The most messages one {@link LiveMessages} carries. */
  static final int MAX_BATCH = 1_000;

  private static final class Listener {
    final String subscriberId;
    final String topic;
    final Filter filter;
    final ActorRef<Reply> replyTo;
    List<Message> pending = new ArrayList<>();

    Listener(String subscriberId, String topic, Filter filter, ActorRef<Reply> replyTo) {
      this.subscriberId = subscriberId;
      this.topic = topic;
      this.filter = filter;
      this.replyTo = replyTo;
    }
  }

  private final ActorRef<Command> self;
  private final BrokerDelivery.Replier replier;
  private final Map<String, Listener> byId = new LinkedHashMap<>();
  private final Map<String, List<Listener>> byTopic = new HashMap<>();
  private final List<Listener> dirty = new ArrayList<>();
  /** The last number taken from each at-most-once publisher since the broker started. */
  private final Map<String, Long> livePublishers = new HashMap<>();
  private boolean flushSent;

  BrokerLive(ActorRef<Command> self, BrokerDelivery.Replier replier) {
    this.self = self;
    this.replier = replier;
  }

  /** Opens {@code s} (or replaces the live subscription of that id); false if it was open as it is. */
  boolean open(SubscribeLive s) {
    Filter filter = s.filter() == null ? Filter.ALL : s.filter();
    Listener old = byId.get(s.subscriberId());
    if (old != null && old.topic.equals(s.topic()) && old.filter.equals(filter)
        && Objects.equals(old.replyTo, s.replyTo())) {
      return false;
    }
    close(s.subscriberId());
    Listener l = new Listener(s.subscriberId(), s.topic(), filter, s.replyTo());
    byId.put(l.subscriberId, l);
    byTopic.computeIfAbsent(l.topic, t -> new ArrayList<>()).add(l);
    return true;
  }

  /** Ends live subscription {@code subscriberId} (what it was not sent yet is dropped); false if none. */
  boolean close(String subscriberId) {
    Listener l = byId.remove(subscriberId);
    if (l == null) {
      return false;
    }
    List<Listener> same = byTopic.get(l.topic);
    same.remove(l);
    if (same.isEmpty()) {
      byTopic.remove(l.topic);
    }
    dirty.remove(l);
    return true;
  }

  boolean has(String subscriberId) {
    return byId.containsKey(subscriberId);
  }

  /** The live subscriptions open now. */
  int size() {
    return byId.size();
  }

  /**
   * An at-most-once publish: taken (as a message at offset 0) if it is numbered above the last
   * taken from its publisher, else dropped.
   */
  void publish(TopicBroker.PublishLive p) {
    Long last = livePublishers.get(p.publisherId());
    if (last != null && p.seq() <= last) {
      return;
    }
    livePublishers.put(p.publisherId(), p.seq());
    offer(new Message(0, p.publisherId(), p.seq(), p.topic(), p.key(), p.payload()));
  }

  /** The broker took {@code m}: every live subscription that wants it gets it with the next flush. */
  void offer(Message m) {
    List<Listener> listeners = byTopic.get(m.topic());
    if (listeners == null) {
      return;
    }
    for (Listener l : listeners) {
      if (!l.filter.matches(m.key(), m.payload())) {
        continue;
      }
      if (l.pending.isEmpty()) {
        dirty.add(l);
      }
      l.pending.add(m);
      if (l.pending.size() >= MAX_BATCH) {
        send(l);
        dirty.remove(l);
      }
    }
    if (!dirty.isEmpty() && !flushSent) {
      flushSent = true;
      self.tell(new FlushLive());
    }
  }

  /** Sends every live subscription its pending batch. */
  void flush() {
    flushSent = false;
    for (Listener l : dirty) {
      send(l);
    }
    dirty.clear();
  }

  private void send(Listener l) {
    List<Message> batch = l.pending;
    l.pending = new ArrayList<>();
    replier.reply(l.replyTo, l.subscriberId, new LiveMessages(l.subscriberId, batch));
  }
}
