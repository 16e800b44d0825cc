package dev.parley.protocols.pubsub;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.WireMessage;
import dev.parley.protocols.pubsub.TopicBroker.Deliver;
import dev.parley.protocols.pubsub.TopicBroker.Filter;
import dev.parley.protocols.pubsub.TopicBroker.Message;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A publisher and subscriber of a {@link TopicBroker}, for one node: what makes the broker's
 * at-least-once messages exactly-once for the application above it.
 *
 * <p>Model: the broker may crash and recover; links may lose, delay, duplicate and reorder.
 *
 * <p>Algorithm: it numbers its publishes 1, 2, ... and resends every unacknowledged one, in order,
 * every {@link Settings#retryEvery} (the broker takes each number once, in order, acknowledges
 * copies again and refuses one that skips ahead: the retry brings the gap first). A publish the
 * broker refuses under its number ({@link TopicBroker.SeqReused}: the number was used for another
 * message, or the broker forgot this publisher and cannot tell whether it took the message) is no
 * longer sent and is handed back to the application ({@link PublishRefused}) rather than published
 * again under a new number, since the broker may have published it already and publishing it again
 * could deliver it twice; the client numbers its next publishes above the number the refusal names
 * ({@code goOnAbove}: the highest the broker holds as used by this publisher), so they are taken (a
 * client restarted with its numbering back at 1 learns so where to go on). Its subscription (named
 * after the node) is opened with a retried {@link TopicBroker.Subscribe}; it delivers message
 * number {@code n} of the subscription only once it has delivered {@code n - 1}: copies are dropped,
 * messages that overtook a lost one are held back until the broker resends it. It acknowledges
 * cumulatively what it has delivered, once per push. A live subscription ({@link ListenTo}: at most
 * once) is repeated every retry period and delivers a message only if it is newer than the last
 * delivered from its publisher, so a lost or reordered batch loses messages but never reorders or
 * repeats them. A pull subscriber keeps one {@code get(timeout)} outstanding,
 * carrying its acknowledgement, and asks again when an answer comes or is overdue. Any {@link
 * TopicBroker.Command} it is given it forwards to the broker (how a cluster node that does not run
 * the broker serves its HTTP clients).
 *
 * <p>Guarantees: the application gets each message of a journaled subscription once, and of a live
 * one at most once, in the broker's order (so in each publisher's order), and every publish is
 * eventually acknowledged ({@link Published}) or refused ({@link PublishRefused}, once) while the
 * broker is reachable. Upcalls: {@link Received}, {@link Published}, {@link PublishRefused}, and the broker's {@link
 * TopicBroker.Subscribed}, {@link TopicBroker.Left}, {@link TopicBroker.Unsubscribed}.
 */
public final class PubSubClient extends AbstractBehavior<Object> {

  /** The application's downcalls. */
  public sealed interface Command extends WireMessage
      permits PublishTo, PublishLiveTo, SubscribeTo, ListenTo, LeaveTopic, UnsubscribeTopic, Retry {}

  /** Publish {@code payload} under {@code key} on {@code topic}. */
  public record PublishTo(String topic, String key, String payload) implements Command {}

  /**
   * Publish at most once ({@link TopicBroker.PublishLive}): not written, not acknowledged, only to
   * live subscriptions; numbered under the publisher id {@code <node>/live}.
   */
  public record PublishLiveTo(String topic, String key, String payload) implements Command {}

  /** Subscribe to {@code topic} (replacing a subscription this node had), pushed or pulled. */
  public record SubscribeTo(String topic, Filter filter, boolean durable, boolean push) implements Command {}

  /**
   * Subscribe live to {@code topic} (replacing a subscription this node had): at most once, nothing
   * journaled, no acknowledgements ({@link TopicBroker.SubscribeLive}); a message may be lost, never
   * delivered twice. The client repeats the subscribe every {@link Settings#retryEvery} (a restarted
   * broker has forgotten it) and drops any message not newer than the last it delivered from the same
   * publisher (a publish the broker took again after a restart).
   */
  public record ListenTo(String topic, Filter filter) implements Command {}

  /** Go away: a durable subscription keeps queueing at the broker until the next {@link SubscribeTo}. */
  public record LeaveTopic() implements Command {}

  /** End the subscription for good. */
  public record UnsubscribeTopic() implements Command {}

  /** The retry timer. */
  public record Retry() implements Command {}

  /** The client's timer. */
  public enum TimerKey {
    RETRY
  }

  /** Upcall: message number {@code n} of this node's subscription, delivered once, in order. */
  public record Received(String subscriberId, long n, Message message) implements WireMessage {}

  /** Upcall: this node's publish number {@code seq} is written at the broker. */
  public record Published(String publisherId, long seq) implements WireMessage {}

  /**
   * Upcall: the broker refused this node's publish number {@code seq}, {@code publish}, and {@code
   * reason} says why (it may have been published already, by an earlier copy, if the broker forgot
   * this publisher); the client no longer sends it. Telling the client {@code publish} again
   * publishes it under a new number, which the broker takes.
   */
  public record PublishRefused(String publisherId, long seq, PublishTo publish, String reason) implements WireMessage {}

  /**
   * Timing of a client.
   *
   * @param retryEvery how often unacknowledged requests are sent again
   * @param pullMax how many messages one pull may bring
   * @param pullTimeout how long one pull waits at the broker
   */
  public record Settings(Duration retryEvery, int pullMax, Duration pullTimeout) {
    public static final Settings DEFAULT = new Settings(Duration.ofMillis(200), 100, Duration.ofSeconds(1));

    public Settings {
      if (retryEvery == null || retryEvery.isNegative() || retryEvery.isZero()) {
        throw new IllegalArgumentException("retryEvery must be positive, got " + retryEvery);
      }
      if (pullMax < 1) {
        throw new IllegalArgumentException("pullMax must be at least 1, got " + pullMax);
      }
      if (pullTimeout == null || pullTimeout.isNegative()) {
        throw new IllegalArgumentException("pullTimeout must not be negative, got " + pullTimeout);
      }
    }
  }

  private enum Pending { NONE, LEAVE, UNSUBSCRIBE }

  private final ActorRef<TopicBroker.Command> broker;
  private final NodeEnv env;
  private final Settings settings;
  private final ActorRef<Object> upcalls;
  private final String id;
  private long lastSeq;
  private long lastLiveSeq;
  private final TreeMap<Long, TopicBroker.Publish> unacknowledged = new TreeMap<>();
  private SubscribeTo subscription;
  private ListenTo live;
  private boolean confirmed;
  /** Live subscription: the last number delivered from each publisher, and the last {@code n} given. */
  private final Map<String, Long> liveSeen = new HashMap<>();
  private long liveDelivered;
  private long delivered;
  private Pending pending = Pending.NONE;
  private Instant pullSent;
  /** Messages that overtook one still missing, by number. */
  private final TreeMap<Long, Deliver> heldBack = new TreeMap<>();
  /** How far ahead of the next number a message is held back (beyond: dropped, the broker resends). */
  private static final int HOLD_BACK = 4096;

  public static Behavior<Object> create(
      ActorRef<TopicBroker.Command> broker, NodeEnv env, Settings settings, ActorRef<Object> upcalls) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers ->
        new PubSubClient(context, timers, broker, env, settings, upcalls)));
  }

  private PubSubClient(
      ActorContext<Object> context, TimerScheduler<Object> timers, ActorRef<TopicBroker.Command> broker,
      NodeEnv env, Settings settings, ActorRef<Object> upcalls) {
    super(context);
    this.broker = broker;
    this.env = env;
    this.settings = settings;
    this.upcalls = upcalls;
    this.id = env.node().name();
    timers.startTimerWithFixedDelay(TimerKey.RETRY, new Retry(), settings.retryEvery());
  }

  @Override
  public Receive<Object> createReceive() {
    return newReceiveBuilder()
        .onMessage(PublishTo.class, this::onPublishTo)
        .onMessage(PublishLiveTo.class, this::onPublishLiveTo)
        .onMessage(SubscribeTo.class, this::onSubscribeTo)
        .onMessage(ListenTo.class, this::onListenTo)
        .onMessage(LeaveTopic.class, m -> request(Pending.LEAVE))
        .onMessage(UnsubscribeTopic.class, m -> request(Pending.UNSUBSCRIBE))
        .onMessage(Retry.class, this::onRetry)
        .onMessage(TopicBroker.PublishAck.class, this::onPublishAck)
        .onMessage(TopicBroker.OutOfOrder.class, m -> this)
        .onMessage(TopicBroker.SeqReused.class, this::onSeqReused)
        .onMessage(TopicBroker.Subscribed.class, this::onSubscribed)
        .onMessage(TopicBroker.Pushed.class, this::onPushed)
        .onMessage(TopicBroker.LiveMessages.class, this::onLiveMessages)
        .onMessage(TopicBroker.Pulled.class, this::onPulled)
        .onMessage(TopicBroker.Left.class, this::onLeft)
        .onMessage(TopicBroker.Unsubscribed.class, this::onUnsubscribed)
        .onMessage(TopicBroker.NotSubscribed.class, m -> this)
        .onMessage(TopicBroker.Command.class, this::forward)
        .build();
  }

  private Behavior<Object> forward(TopicBroker.Command command) {
    broker.tell(command);
    return this;
  }

  // ---------------------------------------------------------------- publishing

  private Behavior<Object> onPublishTo(PublishTo p) {
    TopicBroker.Publish publish = new TopicBroker.Publish(id, ++lastSeq, p.topic(), p.key(), p.payload(), null);
    unacknowledged.put(publish.seq(), publish);
    broker.tell(publish);
    return this;
  }

  private Behavior<Object> onPublishLiveTo(PublishLiveTo p) {
    broker.tell(new TopicBroker.PublishLive(id + "/live", ++lastLiveSeq, p.topic(), p.key(), p.payload()));
    return this;
  }

  private Behavior<Object> onPublishAck(TopicBroker.PublishAck ack) {
    Map<Long, TopicBroker.Publish> done = unacknowledged.headMap(ack.seq(), true);
    for (Long seq : List.copyOf(done.keySet())) {
      upcalls.tell(new Published(id, seq));
    }
    done.clear();
    return this;
  }

  /**
   * A refused publish: no longer sent, handed back to the application once; numbering goes on above
   * the number the refusal names.
   */
  private Behavior<Object> onSeqReused(TopicBroker.SeqReused refused) {
    TopicBroker.Publish publish = id.equals(refused.publisherId()) ? unacknowledged.remove(refused.seq()) : null;
    if (publish != null) {
      lastSeq = Math.max(lastSeq, refused.goOnAbove());
      upcalls.tell(new PublishRefused(id, refused.seq(), new PublishTo(publish.topic(), publish.key(),
          publish.payload()), refused.reason()));
    }
    return this;
  }

  private Behavior<Object> resendPublishes() {
    unacknowledged.values().forEach(broker::tell);
    return this;
  }

  // ---------------------------------------------------------------- subscribing

  private Behavior<Object> onSubscribeTo(SubscribeTo s) {
    if (live != null) {
      broker.tell(new TopicBroker.Unsubscribe(id, null)); // the live one ends before this opens
      live = null;
    }
    subscription = s;
    confirmed = false;
    pending = Pending.NONE;
    pullSent = null;
    sendSubscribe();
    return this;
  }

  private Behavior<Object> onListenTo(ListenTo l) {
    if (subscription != null) {
      broker.tell(new TopicBroker.Unsubscribe(id, null)); // the journaled one ends before this opens
      subscription = null;
      delivered = 0;
      heldBack.clear();
    }
    live = l;
    confirmed = false;
    pending = Pending.NONE;
    sendListen();
    return this;
  }

  private void sendListen() {
    broker.tell(new TopicBroker.SubscribeLive(id, live.topic(), live.filter(), null));
  }

  private void sendSubscribe() {
    broker.tell(new TopicBroker.Subscribe(id, subscription.topic(), subscription.filter(), subscription.durable(),
        subscription.push(), null));
  }

  private Behavior<Object> request(Pending what) {
    if (subscription == null && live == null && what == Pending.LEAVE) {
      return this;
    }
    pending = what;
    sendPending();
    return this;
  }

  private void sendPending() {
    if (pending == Pending.LEAVE) {
      broker.tell(new TopicBroker.Leave(id, null));
    } else if (pending == Pending.UNSUBSCRIBE) {
      broker.tell(new TopicBroker.Unsubscribe(id, null));
    }
  }

  private Behavior<Object> onSubscribed(TopicBroker.Subscribed s) {
    if (live != null) {
      if (!confirmed && pending == Pending.NONE && !s.durable()) {
        confirmed = true;
        upcalls.tell(s);
      }
      return this;
    }
    if (subscription == null || confirmed || pending != Pending.NONE) {
      return this;
    }
    confirmed = true;
    delivered = Math.max(delivered, s.acked());
    upcalls.tell(s);
    if (!subscription.push()) {
      pull();
    }
    return this;
  }

  private Behavior<Object> onLeft(TopicBroker.Left l) {
    if (pending != Pending.LEAVE) {
      return this;
    }
    pending = Pending.NONE;
    subscription = null;
    live = null;
    confirmed = false;
    heldBack.clear();
    if (!l.kept()) {
      delivered = 0;
    }
    upcalls.tell(l);
    return this;
  }

  private Behavior<Object> onUnsubscribed(TopicBroker.Unsubscribed u) {
    if (pending != Pending.UNSUBSCRIBE) {
      return this;
    }
    pending = Pending.NONE;
    subscription = null;
    live = null;
    confirmed = false;
    delivered = 0;
    heldBack.clear();
    upcalls.tell(u);
    return this;
  }

  // ---------------------------------------------------------------- receiving

  /** A push: each message taken in order, then one cumulative acknowledgement. */
  private Behavior<Object> onPushed(TopicBroker.Pushed p) {
    if (subscription == null || pending != Pending.NONE) {
      return this;
    }
    p.messages().forEach(this::take);
    broker.tell(new TopicBroker.Ack(id, delivered));
    return this;
  }

  /** Live messages: each delivered unless it is not newer than the last from its publisher. */
  private Behavior<Object> onLiveMessages(TopicBroker.LiveMessages m) {
    if (live == null || pending != Pending.NONE) {
      return this;
    }
    for (Message message : m.messages()) {
      if (message.seq() > liveSeen.getOrDefault(message.publisherId(), 0L)) {
        liveSeen.put(message.publisherId(), message.seq());
        upcalls.tell(new Received(id, ++liveDelivered, message));
      }
    }
    return this;
  }

  /** Holds {@code d} back until those before it are delivered; delivers what is then in order. */
  private void take(Deliver d) {
    if (d.n() <= delivered || d.n() > delivered + HOLD_BACK) {
      return;
    }
    heldBack.put(d.n(), d);
    while (!heldBack.isEmpty() && heldBack.firstKey() == delivered + 1) {
      Deliver next = heldBack.pollFirstEntry().getValue();
      delivered = next.n();
      upcalls.tell(new Received(id, next.n(), next.message()));
    }
  }

  private Behavior<Object> onPulled(TopicBroker.Pulled p) {
    if (subscription == null || subscription.push() || pending != Pending.NONE) {
      return this;
    }
    p.messages().forEach(this::take);
    pull();
    return this;
  }

  private void pull() {
    pullSent = env.now();
    broker.tell(new TopicBroker.Pull(id, delivered, settings.pullMax(), settings.pullTimeout(), null));
  }

  // ---------------------------------------------------------------- retries

  private Behavior<Object> onRetry(Retry r) {
    resendPublishes();
    if (pending != Pending.NONE) {
      sendPending();
    } else if (live != null) {
      sendListen();
    } else if (subscription != null && !confirmed) {
      sendSubscribe();
    } else if (subscription != null && !subscription.push() && pullSent != null
        && env.now().isAfter(pullSent.plus(settings.pullTimeout()).plus(settings.retryEvery()))) {
      pull();
    }
    return this;
  }
}
