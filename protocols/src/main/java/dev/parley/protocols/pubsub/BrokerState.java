package dev.parley.protocols.pubsub;

import akka.actor.typed.ActorRef;
import dev.parley.protocols.core.Fingerprint;
import dev.parley.protocols.core.WireMessage;
import dev.parley.protocols.pubsub.TopicBroker.Event;
import dev.parley.protocols.pubsub.TopicBroker.Filter;
import dev.parley.protocols.pubsub.TopicBroker.Message;
import dev.parley.protocols.pubsub.TopicBroker.MessagesAccepted;
import dev.parley.protocols.pubsub.TopicBroker.MessagesAcked;
import dev.parley.protocols.pubsub.TopicBroker.Reply;
import dev.parley.protocols.pubsub.TopicBroker.SubscriptionClosed;
import dev.parley.protocols.pubsub.TopicBroker.SubscriptionLeft;
import dev.parley.protocols.pubsub.TopicBroker.SubscriptionOpened;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@link TopicBroker}'s durable state: what it accepted, from whom, and each subscription's
 * queue; changed only by events (immutable: a snapshot never changes after it is taken). The
 * broker's head comment has the model, guarantees and cost.
 *
 * @param accepted messages accepted so far (the next offset is one more)
 * @param publishers the last number accepted from each publisher
 * @param subscriptions the subscriptions, in order of opening
 * @param messages the messages some subscription still has queued, by offset
 */
public record BrokerState(
    long accepted, List<PublisherSeq> publishers, List<Subscription> subscriptions, List<Message> messages)
    implements WireMessage {

  /** A queued message of a subscription: its number there and its offset. */
  public record Entry(long n, long offset) implements WireMessage {}

  /**
   * One subscription.
   *
   * @param deliverTo where pushes go (null: the group member named after the subscriber)
   * @param connected whether its subscriber is here (a durable one that left is not)
   * @param numbered how many messages it has been given numbers for
   * @param acked the number up to which it has acknowledged
   * @param queue its unacknowledged messages, oldest first
   */
  public record Subscription(
      String subscriberId, String topic, Filter filter, boolean durable, boolean push,
      ActorRef<Reply> deliverTo, boolean connected, long numbered, long acked, List<Entry> queue)
      implements WireMessage {
    public Subscription {
      queue = List.copyOf(queue);
    }

    boolean wants(Message m) {
      return topic.equals(m.topic()) && filter.matches(m.key(), m.payload());
    }
  }

  /** How many of a publisher's latest messages the broker remembers the fingerprints of. */
  public static final int REMEMBERED = 64;

  /**
   * The last number accepted from a publisher, and the fingerprints ({@link #fingerprint(Publish)})
   * of its latest messages, numbered {@code seq - recent.size() + 1} to {@code seq}: a retry is told
   * from another message under a used number.
   */
  public record PublisherSeq(String publisherId, long seq, List<String> recent) implements WireMessage {
    public PublisherSeq {
      recent = recent == null ? List.of() : List.copyOf(recent); // null: a snapshot from before fingerprints
    }

    /** The fingerprint of message {@code n}, or null if it is not remembered. */
    String fingerprintOf(long n) {
      long first = seq - recent.size() + 1;
      return n >= first && n <= seq ? recent.get((int) (n - first)) : null;
    }

    PublisherSeq next(long n, String fingerprint) {
      List<String> kept = new ArrayList<>(recent.size() + 1);
      if (n == seq + 1) {
        kept.addAll(recent.subList(Math.max(0, recent.size() + 1 - REMEMBERED), recent.size()));
      }
      kept.add(fingerprint);
      return new PublisherSeq(publisherId, n, kept);
    }
  }

  /** What a publish asks, for telling a retry from another message under the same number. */
  static String fingerprint(String topic, String key, String payload) {
    return Fingerprint.of(topic, key, payload);
  }


  static final BrokerState EMPTY = new BrokerState(0, List.of(), List.of(), List.of());

  public BrokerState {
    publishers = List.copyOf(publishers);
    subscriptions = List.copyOf(subscriptions);
    messages = List.copyOf(messages);
  }

  public long lastSeq(String publisherId) {
    PublisherSeq p = publisher(publishers, publisherId);
    return p == null ? 0 : p.seq();
  }

  /** The fingerprint of {@code publisherId}'s message {@code seq}, or null if not remembered. */
  String fingerprintOf(String publisherId, long seq) {
    PublisherSeq p = publisher(publishers, publisherId);
    return p == null ? null : p.fingerprintOf(seq);
  }

  public Subscription subscription(String subscriberId) {
    for (Subscription s : subscriptions) {
      if (s.subscriberId().equals(subscriberId)) {
        return s;
      }
    }
    return null;
  }

  public Message message(long offset) {
    int lo = 0;
    int hi = messages.size() - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      long o = messages.get(mid).offset();
      if (o == offset) {
        return messages.get(mid);
      } else if (o < offset) {
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return null;
  }

  BrokerState apply(Event event) {
    if (event instanceof MessagesAccepted a) {
      return accept(a.messages());
    } else if (event instanceof MessagesAcked a) {
      return acked(a.subscriberId(), a.upTo());
    } else if (event instanceof SubscriptionOpened o) {
      Subscription old = subscription(o.subscriberId());
      Subscription s = new Subscription(o.subscriberId(), o.topic(), o.filter(), o.durable(), o.push(),
          o.deliverTo(), true, old == null ? 0 : old.numbered(), old == null ? 0 : old.acked(),
          old == null ? List.of() : old.queue());
      return withSubscription(o.subscriberId(), s);
    } else if (event instanceof SubscriptionLeft l) {
      Subscription s = subscription(l.subscriberId());
      if (s == null) {
        return this;
      }
      return withSubscription(l.subscriberId(), s.durable()
          ? new Subscription(s.subscriberId(), s.topic(), s.filter(), true, s.push(), null, false, s.numbered(),
              s.acked(), s.queue())
          : null).collect();
    } else if (event instanceof SubscriptionClosed c) {
      return withSubscription(c.subscriberId(), null).collect();
    }
    throw new IllegalArgumentException("unknown topic broker event " + event);
  }

  /** Takes {@code batch} (in offset order) into every subscription that wants each message. */
  private BrokerState accept(List<Message> batch) {
    List<PublisherSeq> ps = new ArrayList<>(publishers);
    long last = accepted;
    for (Message m : batch) {
      PublisherSeq before = publisher(ps, m.publisherId());
      ps.removeIf(p -> p.publisherId().equals(m.publisherId()));
      String print = fingerprint(m.topic(), m.key(), m.payload());
      ps.add(before == null ? new PublisherSeq(m.publisherId(), 0, List.of()).next(m.seq(), print)
          : m.seq() > before.seq() ? before.next(m.seq(), print) : before);
      last = Math.max(last, m.offset());
    }
    boolean[] kept = new boolean[batch.size()];
    List<Subscription> subs = new ArrayList<>(subscriptions.size());
    for (Subscription s : subscriptions) {
      List<Entry> q = null;
      long numbered = s.numbered();
      for (int i = 0; i < batch.size(); i++) {
        Message m = batch.get(i);
        if (s.wants(m)) {
          if (q == null) {
            q = new ArrayList<>(s.queue().size() + batch.size());
            q.addAll(s.queue());
          }
          q.add(new Entry(++numbered, m.offset()));
          kept[i] = true;
        }
      }
      subs.add(q == null ? s : new Subscription(s.subscriberId(), s.topic(), s.filter(), s.durable(), s.push(),
          s.deliverTo(), s.connected(), numbered, s.acked(), q));
    }
    List<Message> ms = new ArrayList<>(messages.size() + batch.size());
    ms.addAll(messages);
    for (int i = 0; i < batch.size(); i++) {
      if (kept[i]) {
        ms.add(batch.get(i));
      }
    }
    return new BrokerState(last, ps, subs, ms);
  }

  private static PublisherSeq publisher(List<PublisherSeq> publishers, String publisherId) {
    for (PublisherSeq p : publishers) {
      if (p.publisherId().equals(publisherId)) {
        return p;
      }
    }
    return null;
  }

  private BrokerState acked(String subscriberId, long upTo) {
    Subscription s = subscription(subscriberId);
    if (s == null || upTo <= s.acked()) {
      return this;
    }
    List<Entry> q = s.queue().stream().filter(e -> e.n() > upTo).toList();
    return withSubscription(subscriberId, new Subscription(s.subscriberId(), s.topic(), s.filter(), s.durable(),
        s.push(), s.deliverTo(), s.connected(), s.numbered(), Math.min(upTo, s.numbered()), q)).collect();
  }

  private BrokerState withSubscription(String subscriberId, Subscription replacement) {
    List<Subscription> subs = new ArrayList<>(subscriptions);
    int i = 0;
    while (i < subs.size() && !subs.get(i).subscriberId().equals(subscriberId)) {
      i++;
    }
    if (i < subs.size()) {
      if (replacement == null) {
        subs.remove(i);
      } else {
        subs.set(i, replacement);
      }
    } else if (replacement != null) {
      subs.add(replacement);
    }
    return new BrokerState(accepted, publishers, subs, messages);
  }

  /** Drops the messages older than every subscription's oldest unacknowledged one. */
  private BrokerState collect() {
    long oldest = Long.MAX_VALUE;
    for (Subscription s : subscriptions) {
      if (!s.queue().isEmpty()) {
        oldest = Math.min(oldest, s.queue().get(0).offset());
      }
    }
    int drop = 0;
    while (drop < messages.size() && messages.get(drop).offset() < oldest) {
      drop++;
    }
    return drop == 0 ? this
        : new BrokerState(accepted, publishers, subscriptions, messages.subList(drop, messages.size()));
  }
}
