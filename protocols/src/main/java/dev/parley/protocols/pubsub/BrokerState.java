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
import com.fasterxml.jackson.annotation.JsonCreator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.pcollections.TreePMap;

/**
 * The {@link TopicBroker}'s durable state: what it accepted, from whom, and each subscription's
 * queue; changed only by events (immutable: a snapshot never changes after it is taken). The
 * broker's head comment has the model, guarantees and cost.
 *
 * <p>What it keeps: a message only while some subscription that wanted it has not acknowledged it
 * (a message no subscription wants is never kept; once every subscription's oldest unacknowledged
 * message is newer, it is dropped), each subscription's unacknowledged entries, and each
 * publisher's last number with its latest {@value #REMEMBERED} fingerprints until the publisher
 * expires ({@link PublisherExpiry}: then only counters that keep its retries refused).
 *
 * <p>Cost: indexed, structure-sharing (persistent) maps and vectors: a publisher or subscription
 * is found in O(log n) by its id, a message in O(log m) by its offset; an accepted message costs
 * O(log) per subscription that wants it, an acknowledgement O(k log q) for the k entries it drops
 * plus O(s) for s subscriptions to find what no one needs any more; nothing copies a whole list.
 *
 * @param accepted messages accepted so far (the next offset is one more)
 * @param publishersById the last number accepted from each publisher, by publisher id
 * @param subscriptionsById the subscriptions, by subscriber id
 * @param messagesByOffset the messages some subscription still has queued, by offset
 * @param expiredFloors the buckets in use ({@link PublisherExpiry}): each the highest number of the
 *     expired publishers whose ids hash to it (absent in a snapshot from before expiry: none)
 * @param floorBuckets how many buckets {@code expiredFloors} was made with (0: no publisher expired yet)
 */
public record BrokerState(
    long accepted, Map<String, PublisherSeq> publishersById, Map<String, Subscription> subscriptionsById,
    Map<Long, Message> messagesByOffset, Map<Integer, Long> expiredFloors, int floorBuckets)
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
   * @param queue its unacknowledged messages, oldest first (an {@link EntryQueue}: share it)
   */
  public record Subscription(
      String subscriberId, String topic, Filter filter, boolean durable, boolean push,
      ActorRef<Reply> deliverTo, boolean connected, long numbered, long acked, List<Entry> queue)
      implements WireMessage {
    public Subscription {
      queue = EntryQueue.of(queue == null ? List.of() : queue);
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
  public record PublisherSeq(String publisherId, long seq, List<String> recent, long lastOffset)
      implements WireMessage {
    @JsonCreator
    public PublisherSeq {
      recent = recent == null ? List.of() : List.copyOf(recent); // null: a snapshot from before fingerprints
    }

    /** A publisher whose last message's offset is not known (counted as active from the next sweep). */
    public PublisherSeq(String publisherId, long seq, List<String> recent) {
      this(publisherId, seq, recent, 0);
    }

    /** The fingerprint of message {@code n}, or null if it is not remembered. */
    String fingerprintOf(long n) {
      long first = seq - recent.size() + 1;
      return n >= first && n <= seq ? recent.get((int) (n - first)) : null;
    }

    PublisherSeq next(long n, String fingerprint, long offset) {
      List<String> kept = new ArrayList<>(recent.size() + 1);
      if (n == seq + 1) {
        kept.addAll(recent.subList(Math.max(0, recent.size() + 1 - REMEMBERED), recent.size()));
      }
      kept.add(fingerprint);
      return new PublisherSeq(publisherId, n, kept, offset);
    }
  }

  /** What a publish asks, for telling a retry from another message under the same number. */
  static String fingerprint(String topic, String key, String payload) {
    return Fingerprint.of(topic, key, payload);
  }


  static final BrokerState EMPTY = new BrokerState(0, Map.of(), Map.of(), Map.of(), Map.of(), 0);

  @JsonCreator
  public BrokerState {
    publishersById = persistent(publishersById);
    subscriptionsById = persistent(subscriptionsById);
    messagesByOffset = persistent(messagesByOffset);
    expiredFloors = persistent(expiredFloors);
  }

  /** The state from lists (publishers, subscriptions, messages), indexed once. */
  public BrokerState(long accepted, List<PublisherSeq> publishers, List<Subscription> subscriptions,
      List<Message> messages) {
    this(accepted, index(publishers, PublisherSeq::publisherId), index(subscriptions, Subscription::subscriberId),
        index(messages, Message::offset), Map.of(), 0);
  }

  private static <K extends Comparable<? super K>, V> TreePMap<K, V> index(List<V> values, Function<V, K> key) {
    TreePMap<K, V> map = TreePMap.empty();
    for (V v : values) {
      map = map.plus(key.apply(v), v);
    }
    return map;
  }

  private static <K extends Comparable<? super K>, V> TreePMap<K, V> persistent(Map<K, V> map) {
    if (map == null) {
      return TreePMap.empty();
    }
    return map instanceof TreePMap<K, V> p ? p : TreePMap.from(map);
  }

  /** Each publisher's last number, in publisher id order. */
  public Collection<PublisherSeq> publishers() {
    return publishersById.values();
  }

  /** The subscriptions, in subscriber id order. */
  public Collection<Subscription> subscriptions() {
    return subscriptionsById.values();
  }

  /** The messages some subscription still has queued, in offset order. */
  public Collection<Message> messages() {
    return messagesByOffset.values();
  }

  /** Whether {@code publisherId} has an entry (it published and has not expired). */
  boolean knows(String publisherId) {
    return publishersById.containsKey(publisherId);
  }

  /**
   * The floor of a publisher without an entry: the least of its buckets, at least the last number
   * of any expired publisher of that id (0 if none expired).
   */
  long expiredFloor(String publisherId) {
    if (floorBuckets == 0) {
      return 0;
    }
    long floor = Long.MAX_VALUE;
    for (int b : PublisherExpiry.bucketsOf(publisherId, floorBuckets)) {
      floor = Math.min(floor, expiredFloors.getOrDefault(b, 0L));
    }
    return floor;
  }

  public long lastSeq(String publisherId) {
    PublisherSeq p = publishersById.get(publisherId);
    return p == null ? 0 : p.seq();
  }

  /** The fingerprint of {@code publisherId}'s message {@code seq}, or null if not remembered. */
  String fingerprintOf(String publisherId, long seq) {
    PublisherSeq p = publishersById.get(publisherId);
    return p == null ? null : p.fingerprintOf(seq);
  }

  public Subscription subscription(String subscriberId) {
    return subscriptionsById.get(subscriberId);
  }

  public Message message(long offset) {
    return messagesByOffset.get(offset);
  }

  /** The offset of the oldest message kept, or {@link Long#MAX_VALUE} if none is. */
  long oldestKept() {
    TreePMap<Long, Message> ms = (TreePMap<Long, Message>) messagesByOffset;
    return ms.isEmpty() ? Long.MAX_VALUE : ms.firstKey();
  }

  BrokerState apply(Event event, PublisherExpiry expiry) {
    if (event instanceof MessagesAccepted a) {
      return accept(a.messages(), expiry);
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

  /**
   * Takes {@code batch} (in offset order) into every subscription that wants each message. Each
   * publisher's entry changes once per batch, and only the messages it will remember (its latest
   * {@value #REMEMBERED}) are fingerprinted.
   */
  private BrokerState accept(List<Message> batch, PublisherExpiry expiry) {
    TreePMap<String, PublisherSeq> ps = (TreePMap<String, PublisherSeq>) publishersById;
    long last = accepted;
    Map<String, List<Message>> byPublisher = new LinkedHashMap<>();
    for (Message m : batch) {
      byPublisher.computeIfAbsent(m.publisherId(), id -> new ArrayList<>()).add(m);
      last = Math.max(last, m.offset());
    }
    for (Map.Entry<String, List<Message>> e : byPublisher.entrySet()) {
      PublisherSeq before = ps.get(e.getKey());
      PublisherSeq after = before == null ? new PublisherSeq(e.getKey(), 0, List.of()) : before;
      List<Message> ms = e.getValue();
      for (int i = Math.max(0, ms.size() - REMEMBERED); i < ms.size(); i++) {
        Message m = ms.get(i);
        if (m.seq() > after.seq()) {
          after = after.next(m.seq(), fingerprint(m.topic(), m.key(), m.payload()), m.offset());
        }
      }
      if (after != before) {
        ps = ps.plus(e.getKey(), after);
      }
    }
    TreePMap<String, Subscription> subs = (TreePMap<String, Subscription>) subscriptionsById;
    boolean[] wanted = new boolean[batch.size()];
    long[] offsets = new long[batch.size()];
    for (Subscription s : subscriptionsById.values()) {
      int count = 0;
      for (int i = 0; i < batch.size(); i++) {
        Message m = batch.get(i);
        if (s.wants(m)) {
          offsets[count++] = m.offset();
          wanted[i] = true;
        }
      }
      if (count > 0) {
        EntryQueue q = ((EntryQueue) s.queue()).plusRun(s.numbered() + 1, Arrays.copyOf(offsets, count));
        subs = subs.plus(s.subscriberId(), new Subscription(s.subscriberId(), s.topic(), s.filter(), s.durable(),
            s.push(), s.deliverTo(), s.connected(), s.numbered() + count, s.acked(), q));
      }
    }
    TreePMap<Long, Message> ms = (TreePMap<Long, Message>) messagesByOffset;
    for (int i = 0; i < batch.size(); i++) {
      if (wanted[i]) {
        ms = ms.plus(batch.get(i).offset(), batch.get(i));
      }
    }
    BrokerState taken = new BrokerState(last, ps, subs, ms, expiredFloors, floorBuckets);
    return last / expiry.sweepEvery() > accepted / expiry.sweepEvery() ? taken.expire(expiry) : taken;
  }

  /**
   * The publishers silent for {@link PublisherExpiry#afterMessages} forgotten, each leaving its last
   * number in its buckets; one whose last offset is not known (from an older snapshot) counts as
   * active now.
   */
  private BrokerState expire(PublisherExpiry expiry) {
    TreePMap<String, PublisherSeq> ps = (TreePMap<String, PublisherSeq>) publishersById;
    TreePMap<Integer, Long> floors = (TreePMap<Integer, Long>) expiredFloors;
    int buckets = floorBuckets != 0 ? floorBuckets : expiry.buckets();
    for (PublisherSeq p : publishersById.values()) {
      if (p.lastOffset() == 0) {
        ps = ps.plus(p.publisherId(), new PublisherSeq(p.publisherId(), p.seq(), p.recent(), accepted));
      } else if (accepted - p.lastOffset() >= expiry.afterMessages()) {
        ps = ps.minus(p.publisherId());
        for (int b : PublisherExpiry.bucketsOf(p.publisherId(), buckets)) {
          if (floors.getOrDefault(b, 0L) < p.seq()) {
            floors = floors.plus(b, p.seq());
          }
        }
      }
    }
    return ps == publishersById ? this
        : new BrokerState(accepted, ps, subscriptionsById, messagesByOffset, floors,
            floors.isEmpty() ? floorBuckets : buckets);
  }

  private BrokerState acked(String subscriberId, long upTo) {
    Subscription s = subscription(subscriberId);
    if (s == null || upTo <= s.acked()) {
      return this;
    }
    EntryQueue q = ((EntryQueue) s.queue()).dropThrough(upTo);
    return withSubscription(subscriberId, new Subscription(s.subscriberId(), s.topic(), s.filter(), s.durable(),
        s.push(), s.deliverTo(), s.connected(), s.numbered(), Math.min(upTo, s.numbered()), q)).collect();
  }

  private BrokerState withSubscription(String subscriberId, Subscription replacement) {
    TreePMap<String, Subscription> subs = (TreePMap<String, Subscription>) subscriptionsById;
    subs = replacement == null ? subs.minus(subscriberId) : subs.plus(subscriberId, replacement);
    return new BrokerState(accepted, publishersById, subs, messagesByOffset, expiredFloors, floorBuckets);
  }

  /** Drops the messages older than every subscription's oldest unacknowledged one. */
  private BrokerState collect() {
    long oldest = Long.MAX_VALUE;
    for (Subscription s : subscriptionsById.values()) {
      if (!s.queue().isEmpty()) {
        oldest = Math.min(oldest, s.queue().get(0).offset());
      }
    }
    TreePMap<Long, Message> ms = (TreePMap<Long, Message>) messagesByOffset;
    if (!ms.isEmpty() && ms.firstKey() < oldest) {
      ms = ms.tailMap(oldest, true);
    }
    return ms == messagesByOffset ? this
        : new BrokerState(accepted, publishersById, subscriptionsById, ms, expiredFloors, floorBuckets);
  }
}
