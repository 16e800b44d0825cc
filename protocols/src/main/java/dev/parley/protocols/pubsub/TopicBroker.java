package dev.parley.protocols.pubsub;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import dev.parley.protocols.core.Durable;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A topic broker (the notes' publish/subscribe architecture: topics on an information bus, {@code
 * subscribe(topic)}, push delivery and {@code msg = get(timeout)}), with durable subscriptions and
 * live (at-most-once) ones.
 *
 * <p>Model: one broker that may crash and recover (crash-recovery: its journal survives);
 * publishers and subscribers that come and go; links that may lose, delay, duplicate and reorder
 * (publishers retry, subscribers acknowledge, the broker redelivers: see {@link PubSubClient}).
 *
 * <p>Algorithm: a {@link Publish} carries its publisher's id and a sequence number (1, 2, ...); the
 * broker accepts only the next number of each publisher (a copy of an accepted one is acknowledged
 * again as a duplicate, one that skips ahead is refused with {@link OutOfOrder}, another message
 * under a used number with {@link SeqReused}: the broker keeps the fingerprints of each publisher's
 * last {@value BrokerState#REMEMBERED} messages), so each publisher's messages are taken in its own order
 * exactly once; a publisher silent for {@link PublisherExpiry#afterMessages} accepted messages is
 * forgotten, and its retries stay refused ({@link PublisherExpiry}). Accepted messages are written
 * to the journal (behind a {@link BrokerFront}, which keeps taking publishes while the broker
 * writes: everything that arrived during one write is the next, one {@link PublishBatch}; publishes
 * sent to the broker itself: group commit, what arrives within {@link Settings#commitWindow} is one
 * write, of at most {@link BrokerPublishing#MAX_BATCH}) and only then acknowledged ({@link
 * PublishAck}) and
 * queued for every subscription whose topic and {@link Filter} they match, with that subscription's
 * next number. A push subscription gets what it has not been sent as one {@link Pushed} per write,
 * at most {@link Settings#window} unacknowledged at a time, resent every {@link
 * Settings#redeliverAfter} while unacknowledged, and answers each with one cumulative {@link Ack}; a pull subscription asks with
 * {@link Pull} ({@code get(timeout)}: answered at once when something is queued, else when a message
 * arrives, else empty at the timeout). Either acknowledges cumulatively ({@link Ack}, or the {@code
 * ackUpTo} of its next pull); acknowledged messages leave the queue (acknowledgements are written
 * in batches every {@link Settings#ackFlush}: a crash in between only makes the broker redeliver,
 * which subscribers recognise by number). A durable subscriber that {@link Leave}s keeps its
 * subscription and queue (temporal decoupling) and gets everything queued when it subscribes again;
 * a non-durable one is dropped when it leaves, and any subscriber when it {@link Unsubscribe}s.
 * Snapshots every {@link Settings#snapshotEvery} events with older events deleted keep the journal
 * bounded; messages every subscription has acknowledged are dropped from the state. A live
 * subscription ({@link SubscribeLive}, {@link BrokerLive}) is kept in memory only and gets each
 * message as the broker takes it, before the write, in {@link LiveMessages} batches, with no
 * acknowledgement; {@link PublishLive} publishes at most once, to live subscriptions only, and is
 * never written.
 *
 * <p>Guarantees: nothing acknowledged to a publisher is lost, also across broker crashes; every
 * subscription gets every matching message accepted after it subscribed, in each publisher's order,
 * each with a number by which a subscriber delivers it once ({@link PubSubClient}); a durable
 * subscription loses nothing while its subscriber is away; a live subscription gets each matching
 * message at most once, in each publisher's order. Cost per message: 1 publish + 1 ack; per
 * matching journaled subscriber one push and one acknowledgement per write (not per message); per
 * live subscriber one {@link LiveMessages} per burst taken; journal writes: one per front batch (or
 * commit window) of publishes, carrying the acknowledgements taken since the last, one per flush of
 * acknowledgements alone; memory: the unacknowledged messages, each subscription's queue in runs
 * ({@link EntryQueue}), the publishers active within the expiry window and the counters of
 * expired ones.
 *
 * <p>Here: the vocabulary (commands, replies, events) and the factories; the broker itself, an
 * event-sourced behavior that hands each command to the part that takes it, is {@link BrokerServer}.
 */
public final class TopicBroker {

  // ---------------------------------------------------------------- protocol

  /** Requests of publishers and subscribers, the broker's timers and the status query. */
  public sealed interface Command extends WireMessage
      permits Publish, PublishBatch, AckBatch, PublishLive, PublishLiveBatch, Subscribe, SubscribeLive, Leave, Unsubscribe, Ack, Pull, Tick, PullExpired, FlushLive,
          GetStatus {}

  /**
   * {@code publisherId}'s message number {@code seq} (1, 2, ...; 0: no number, taken as the next)
   * on {@code topic}. The answer, a {@link PublishAck} or {@link OutOfOrder}, goes to {@code
   * replyTo}, or if that is null to the group member named {@code publisherId}.
   */
  public record Publish(
      String publisherId, long seq, String topic, String key, String payload, ActorRef<Reply> replyTo)
      implements Command {}

  /**
   * Publishes gathered by a {@link BrokerFront} while the broker was writing, with the latest
   * {@link Ack} of each subscriber that acknowledged meanwhile (taken first), taken in order as if
   * each had come alone and written at once as one write (however many: the front bounds them by
   * {@link BrokerFront#MAX_BATCH}); each publisher is answered as for its own {@link Publish}, and
   * {@code replyTo} (the front) is told {@link BatchWritten} once the write completed, or at once
   * if nothing was written.
   */
  public record PublishBatch(List<Publish> publishes, List<Ack> acks, ActorRef<BatchWritten> replyTo)
      implements Command {
    public PublishBatch {
      publishes = List.copyOf(publishes);
      acks = acks == null ? List.of() : List.copyOf(acks);
    }
  }

  /**
   * The latest {@link Ack} of each subscriber that acknowledged since the last look, gathered by a
   * {@link BrokerFront}: taken as one command (written with the next write, or after {@link
   * Settings#ackFlush}), so a burst of acknowledgements never makes the broker stash and replay one
   * command per push.
   */
  public record AckBatch(List<Ack> acks) implements Command {
    public AckBatch {
      acks = List.copyOf(acks);
    }
  }

  /** The broker wrote (or had nothing to write for) a {@link PublishBatch} of {@code publishes}. */
  public record BatchWritten(int publishes) implements WireMessage {}

  /**
   * An at-most-once publish, as Akka's {@code Topic} publishes: not written, not acknowledged, and
   * handed only to the live subscriptions ({@link SubscribeLive}) of {@code topic} whose filter it
   * matches, as a {@link Message} with offset 0 and number {@code seq}. The publisher numbers these
   * itself (1, 2, ...; a publisher id publishes either these or {@link Publish}es, whose numbers the
   * broker keeps): the broker drops one not above the last it took from the publisher, and {@link
   * PubSubClient} drops repeats after a broker restart by the same number. Journaled subscriptions
   * never see it.
   */
  public record PublishLive(String publisherId, long seq, String topic, String key, String payload)
      implements Command {}

  /**
   * At-most-once publishes gathered by a {@link BrokerFront} since its last look, taken in order as
   * if each had come alone (one command for a burst, where each alone costs the broker a command).
   */
  public record PublishLiveBatch(List<PublishLive> publishes) implements Command {
    public PublishLiveBatch {
      publishes = List.copyOf(publishes);
    }
  }

  /**
   * Opens (or reopens, after a {@link Leave}) subscription {@code subscriberId} to the messages on
   * {@code topic} that match {@code filter}. {@code push}: the broker sends {@link Pushed} batches to
   * {@code replyTo} (or, if null, to the group member named {@code subscriberId}); otherwise the
   * subscriber pulls. Answered with {@link Subscribed}; a reopened subscription is sent everything
   * still unacknowledged. A null {@code topic} reopens an existing subscription as it was, with
   * only {@code push} and {@code replyTo} changed (answered {@link NotSubscribed} if there is none).
   */
  public record Subscribe(
      String subscriberId, String topic, Filter filter, boolean durable, boolean push, ActorRef<Reply> replyTo)
      implements Command {}

  /**
   * Opens (or keeps open: subscribers repeat it, since a broker that restarts forgets them) the live
   * subscription {@code subscriberId} to the messages on {@code topic} that match {@code filter}:
   * at most once, nothing journaled, no acknowledgements. The broker hands each message to it as it
   * takes the publish, before the publish is written, in {@link LiveMessages} batches; a message is
   * lost when the subscriber or a link loses it or the broker restarts. Answered with {@link
   * Subscribed} ({@code durable} false, {@code acked} 0). A {@link Leave} or {@link Unsubscribe}
   * ends it.
   */
  public record SubscribeLive(String subscriberId, String topic, Filter filter, ActorRef<Reply> replyTo)
      implements Command {}

  /** The subscriber goes away: a durable subscription stays and keeps queueing, another is dropped. */
  public record Leave(String subscriberId, ActorRef<Reply> replyTo) implements Command {}

  /** Ends the subscription, durable or not, and drops its queue. */
  public record Unsubscribe(String subscriberId, ActorRef<Reply> replyTo) implements Command {}

  /** {@code subscriberId} has its messages up to number {@code upTo}. */
  public record Ack(String subscriberId, long upTo) implements Command {}

  /**
   * {@code get(timeout)}: acknowledges up to {@code ackUpTo}, then asks for at most {@code max} queued
   * messages, waiting up to {@code timeout} for one if none is queued. Answered with {@link Pulled}.
   */
  public record Pull(String subscriberId, long ackUpTo, int max, Duration timeout, ActorRef<Reply> replyTo)
      implements Command {}

  /** The periodic timer: redeliver, and write acknowledgements or publishes still waiting. */
  public record Tick(TimerKey key) implements Command {}

  /** The pull of {@code subscriberId} numbered {@code pull} has waited its timeout (a timer). */
  public record PullExpired(String subscriberId, long pull) implements Command {}

  /** Sends the live subscriptions what they have been given since the last flush (a self-message). */
  public record FlushLive() implements Command {}

  /** Asks for the broker's {@link Status}. */
  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  /** The broker's timers. */
  public enum TimerKey {
    REDELIVER,
    COMMIT,
    ACK_FLUSH
  }

  /** What the broker sends to publishers and subscribers. */
  public sealed interface Reply extends WireMessage
      permits PublishAck, OutOfOrder, SeqReused, Subscribed, Deliver, Pushed, Pulled, LiveMessages, Left,
          Unsubscribed, NotSubscribed {}

  /** {@code publisherId}'s {@code seq} is written (at {@code offset}; a {@code duplicate} was before). */
  public record PublishAck(String publisherId, long seq, long offset, boolean duplicate) implements Reply {}

  /** {@code publisherId}'s {@code seq} skips ahead: the broker takes {@code expected} next. */
  public record OutOfOrder(String publisherId, long seq, long expected) implements Reply {}

  /**
   * Not published: {@code publisherId}'s {@code seq} was published already with another topic, key or
   * payload, or is too old for the broker to tell, or its publisher was forgotten ({@code reason}
   * says which). A retry repeats its message exactly; a new message takes a number above {@code
   * goOnAbove}, the highest number the broker holds as used by this publisher (0 from a broker of
   * before this field: the publisher then learns nothing to go on from).
   */
  public record SeqReused(String publisherId, long seq, String reason, long goOnAbove) implements Reply {}

  /** The subscription is open; its messages up to {@code acked} are acknowledged already. */
  public record Subscribed(String subscriberId, String topic, boolean durable, long acked) implements Reply {}

  /**
   * Message number {@code n} of subscription {@code subscriberId} (pushed in a {@link Pushed},
   * pulled in a {@link Pulled}).
   */
  public record Deliver(String subscriberId, long n, Message message) implements Reply {}

  /**
   * A push: the messages of subscription {@code subscriberId} sent at once (one or more, numbered
   * consecutively, in order); the subscriber acknowledges the last it has with one {@link Ack}.
   */
  public record Pushed(String subscriberId, List<Deliver> messages) implements Reply {
    public Pushed {
      messages = List.copyOf(messages);
    }
  }

  /**
   * Messages for live subscription {@code subscriberId}, in the broker's order (so in each
   * publisher's), sent as the broker took them and not acknowledged: at most once.
   */
  public record LiveMessages(String subscriberId, List<Message> messages) implements Reply {
    public LiveMessages {
      messages = List.copyOf(messages);
    }
  }

  /** A pull's answer: the queued messages (empty at the timeout), in order. */
  public record Pulled(String subscriberId, List<Deliver> messages) implements Reply {
    public Pulled {
      messages = List.copyOf(messages);
    }
  }

  /** The subscriber left; its subscription was {@code kept} (durable) or dropped. */
  public record Left(String subscriberId, boolean kept) implements Reply {}

  /** The subscription ended ({@code existed}: there was one). */
  public record Unsubscribed(String subscriberId, boolean existed) implements Reply {}

  /** A pull for a subscription the broker does not have. */
  public record NotSubscribed(String subscriberId) implements Reply {}

  /** A published message: its place in the broker's order, its publisher's id and number. */
  public record Message(long offset, String publisherId, long seq, String topic, String key, String payload)
      implements WireMessage {}

  /**
   * What a subscription takes from its topic, declaratively (so it is journaled and sent like any
   * message): every condition given must hold; none given takes everything.
   *
   * @param keyEquals the key is exactly this
   * @param keyPrefix the key starts with this
   * @param payloadContains the payload contains this text
   */
  public record Filter(String keyEquals, String keyPrefix, String payloadContains) implements WireMessage {
    public static final Filter ALL = new Filter(null, null, null);

    public static Filter keyEquals(String key) {
      return new Filter(key, null, null);
    }

    public static Filter keyPrefix(String prefix) {
      return new Filter(null, prefix, null);
    }

    public static Filter payloadContains(String text) {
      return new Filter(null, null, text);
    }

    public boolean matches(String key, String payload) {
      return (keyEquals == null || keyEquals.equals(key))
          && (keyPrefix == null || (key != null && key.startsWith(keyPrefix)))
          && (payloadContains == null || (payload != null && payload.contains(payloadContains)));
    }
  }

  /**
   * The broker's state as {@link GetStatus} shows it.
   *
   * @param accepted messages accepted so far
   * @param retained messages some subscription has not acknowledged yet
   * @param subscriptions each subscription's state
   * @param publishers the last number accepted from each publisher
   */
  public record Status(
      long accepted, int retained, List<SubscriptionStatus> subscriptions, Map<String, Long> publishers)
      implements WireMessage {}

  /** One subscription: {@code queued} messages not yet acknowledged, the last {@code acked}. */
  public record SubscriptionStatus(
      String subscriberId, String topic, Filter filter, boolean durable, boolean push, boolean connected,
      int queued, long acked) implements WireMessage {}

  /**
   * Timing and limits of a broker.
   *
   * @param commitWindow how long publishes may wait to be written together (zero: each at once)
   * @param window how many unacknowledged messages a push subscriber is sent at a time
   * @param redeliverAfter how often unacknowledged pushes are sent again
   * @param ackFlush how long acknowledgements may wait to be written
   * @param snapshotEvery events between snapshots (older events are then deleted)
   * @param publisherExpiry when a silent publisher is forgotten, and how its retries stay refused
   */
  public record Settings(Duration commitWindow, int window, Duration redeliverAfter, Duration ackFlush,
      int snapshotEvery, PublisherExpiry publisherExpiry) {
    public static final Settings DEFAULT = new Settings(Duration.ofMillis(2), 4096, Duration.ofMillis(500),
        Duration.ofMillis(100), 10_000, PublisherExpiry.DEFAULT);

    public Settings {
      if (commitWindow == null || commitWindow.isNegative()) {
        throw new IllegalArgumentException("the commit window must not be negative, got " + commitWindow);
      }
      if (window < 1) {
        throw new IllegalArgumentException("the push window must be at least 1, got " + window);
      }
      if (redeliverAfter == null || redeliverAfter.isNegative() || redeliverAfter.isZero()) {
        throw new IllegalArgumentException("redeliverAfter must be positive, got " + redeliverAfter);
      }
      if (ackFlush == null || ackFlush.isNegative() || ackFlush.isZero()) {
        throw new IllegalArgumentException("ackFlush must be positive, got " + ackFlush);
      }
      if (snapshotEvery < 1) {
        throw new IllegalArgumentException("snapshotEvery must be at least 1, got " + snapshotEvery);
      }
      if (publisherExpiry == null) {
        throw new IllegalArgumentException("publisherExpiry must be given (PublisherExpiry.DEFAULT: after "
            + PublisherExpiry.DEFAULT.afterMessages() + " messages, " + PublisherExpiry.DEFAULT.buckets() + " buckets)");
      }
    }

    /** The settings with publishers expiring by {@link PublisherExpiry#DEFAULT}. */
    public Settings(Duration commitWindow, int window, Duration redeliverAfter, Duration ackFlush, int snapshotEvery) {
      this(commitWindow, window, redeliverAfter, ackFlush, snapshotEvery, PublisherExpiry.DEFAULT);
    }

    public Settings withCommitWindow(Duration d) {
      return new Settings(d, window, redeliverAfter, ackFlush, snapshotEvery, publisherExpiry);
    }

    public Settings withWindow(int messages) {
      return new Settings(commitWindow, messages, redeliverAfter, ackFlush, snapshotEvery, publisherExpiry);
    }

    public Settings withRedeliverAfter(Duration d) {
      return new Settings(commitWindow, window, d, ackFlush, snapshotEvery, publisherExpiry);
    }

    public Settings withSnapshotEvery(int events) {
      return new Settings(commitWindow, window, redeliverAfter, ackFlush, events, publisherExpiry);
    }

    public Settings withPublisherExpiry(PublisherExpiry expiry) {
      return new Settings(commitWindow, window, redeliverAfter, ackFlush, snapshotEvery, expiry);
    }
  }

  // ---------------------------------------------------------------- events and state

  /** What the broker persists. */
  public sealed interface Event extends WireMessage
      permits SubscriptionOpened, SubscriptionLeft, SubscriptionClosed, MessagesAccepted, MessagesAcked {}

  public record SubscriptionOpened(
      String subscriberId, String topic, Filter filter, boolean durable, boolean push, ActorRef<Reply> deliverTo)
      implements Event {}

  public record SubscriptionLeft(String subscriberId) implements Event {}

  public record SubscriptionClosed(String subscriberId) implements Event {}

  /** The publishes of one commit window, in the order they were taken. */
  public record MessagesAccepted(List<Message> messages) implements Event {
    public MessagesAccepted {
      messages = List.copyOf(messages);
    }
  }

  public record MessagesAcked(String subscriberId, long upTo) implements Event {}

  // ---------------------------------------------------------------- the broker

  /**
   * A broker named {@code name} (its persistence id); {@code group} lets it answer members that
   * gave no reply address (may be {@link Peers#alone}).
   */
  public static Behavior<Command> create(String name, Peers<Object> group, Settings settings) {
    return create(name, group, settings, BrokerPublishing::new);
  }

  /** A broker that takes publishes with {@code publishing} (a variant's, in specs). */
  static Behavior<Command> create(String name, Peers<Object> group, Settings settings,
      BrokerPublishing.Maker publishing) {
    Objects.requireNonNull(name, "name");
    return Durable.of((context, timers) -> new BrokerServer(name, group, settings, publishing, context, timers));
  }

  /**
   * This member's behavior in a group where node {@code broker} runs the broker and every other
   * member a {@link PubSubClient} of it (the shape specs, simulations and a cluster use).
   */
  public static Behavior<Object> inGroup(
      NodeId broker,
      String name,
      Settings brokerSettings,
      PubSubClient.Settings clientSettings,
      Peers<Object> peers,
      NodeEnv env,
      ActorRef<Object> upcalls) {
    if (peers.self().equals(broker)) {
      return create(name, peers, brokerSettings).unsafeCast();
    }
    return PubSubClient.create(peers.ref(broker).narrow(), env, clientSettings, upcalls);
  }

  private TopicBroker() {}
}
