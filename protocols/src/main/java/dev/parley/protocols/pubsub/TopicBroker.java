package dev.parley.protocols.pubsub;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.RecoveryCompleted;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.Effect;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import akka.persistence.typed.javadsl.RetentionCriteria;
import akka.persistence.typed.javadsl.SignalHandler;
import dev.parley.protocols.core.Durable;
import dev.parley.protocols.core.Fingerprint;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A topic broker (the notes' publish/subscribe architecture: topics on an information bus, {@code
 * subscribe(topic)}, push delivery and {@code msg = get(timeout)}), with durable subscriptions.
 *
 * <p>Model: one broker that may crash and recover (crash-recovery: its journal survives);
 * publishers and subscribers that come and go; links that may lose, delay, duplicate and reorder
 * (publishers retry, subscribers acknowledge, the broker redelivers: see {@link PubSubClient}).
 *
 * <p>Algorithm: a {@link Publish} carries its publisher's id and a sequence number (1, 2, ...); the
 * broker accepts only the next number of each publisher (a copy of an accepted one is acknowledged
 * again as a duplicate, one that skips ahead is refused with {@link OutOfOrder}, another message
 * under a used number with {@link SeqReused}: the broker keeps the fingerprints of each publisher's
 * last {@value #REMEMBERED} messages), so each publisher's messages are taken in its own order
 * exactly once. Accepted messages are written to
 * the journal (group commit: what arrives within {@link Settings#commitWindow} is one write) and
 * only then acknowledged ({@link PublishAck}) and queued for every subscription whose topic and
 * {@link Filter} they match, with that subscription's next number. A push subscription gets its
 * queue as {@link Deliver} messages, at most {@link Settings#window} unacknowledged at a time,
 * resent every {@link Settings#redeliverAfter} while unacknowledged; a pull subscription asks with
 * {@link Pull} ({@code get(timeout)}: answered at once when something is queued, else when a message
 * arrives, else empty at the timeout). Either acknowledges cumulatively ({@link Ack}, or the {@code
 * ackUpTo} of its next pull); acknowledged messages leave the queue (acknowledgements are written
 * in batches every {@link Settings#ackFlush}: a crash in between only makes the broker redeliver,
 * which subscribers recognise by number). A durable subscriber that {@link Leave}s keeps its
 * subscription and queue (temporal decoupling) and gets everything queued when it subscribes again;
 * a non-durable one is dropped when it leaves, and any subscriber when it {@link Unsubscribe}s.
 * Snapshots every {@link Settings#snapshotEvery} events with older events deleted keep the journal
 * bounded; messages every subscription has acknowledged are dropped from the state.
 *
 * <p>Guarantees: nothing acknowledged to a publisher is lost, also across broker crashes; every
 * subscription gets every matching message accepted after it subscribed, in each publisher's order,
 * each with a number by which a subscriber delivers it once ({@link PubSubClient}); a durable
 * subscription loses nothing while its subscriber is away. Cost per message: 1 publish + 1 ack, and
 * 1 delivery + 1 acknowledgement per matching subscriber (1 + subscribers round trips); journal
 * writes: one per commit window of publishes, one per flush of acknowledgements.
 */
public final class TopicBroker
    extends EventSourcedBehavior<TopicBroker.Command, TopicBroker.Event, TopicBroker.State> {

  // ---------------------------------------------------------------- protocol

  /** Requests of publishers and subscribers, the broker's timers and the status query. */
  public sealed interface Command extends WireMessage
      permits Publish, Subscribe, Leave, Unsubscribe, Ack, Pull, Tick, PullExpired, GetStatus {}

  /**
   * {@code publisherId}'s message number {@code seq} (1, 2, ...; 0: no number, taken as the next)
   * on {@code topic}. The answer, a {@link PublishAck} or {@link OutOfOrder}, goes to {@code
   * replyTo}, or if that is null to the group member named {@code publisherId}.
   */
  public record Publish(
      String publisherId, long seq, String topic, String key, String payload, ActorRef<Reply> replyTo)
      implements Command {}

  /**
   * Opens (or reopens, after a {@link Leave}) subscription {@code subscriberId} to the messages on
   * {@code topic} that match {@code filter}. {@code push}: the broker sends {@link Deliver}s to
   * {@code replyTo} (or, if null, to the group member named {@code subscriberId}); otherwise the
   * subscriber pulls. Answered with {@link Subscribed}; a reopened subscription is sent everything
   * still unacknowledged. A null {@code topic} reopens an existing subscription as it was, with
   * only {@code push} and {@code replyTo} changed (answered {@link NotSubscribed} if there is none).
   */
  public record Subscribe(
      String subscriberId, String topic, Filter filter, boolean durable, boolean push, ActorRef<Reply> replyTo)
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
      permits PublishAck, OutOfOrder, SeqReused, Subscribed, Deliver, Pulled, Left, Unsubscribed, NotSubscribed {}

  /** {@code publisherId}'s {@code seq} is written (at {@code offset}; a {@code duplicate} was before). */
  public record PublishAck(String publisherId, long seq, long offset, boolean duplicate) implements Reply {}

  /** {@code publisherId}'s {@code seq} skips ahead: the broker takes {@code expected} next. */
  public record OutOfOrder(String publisherId, long seq, long expected) implements Reply {}

  /**
   * Not published: {@code publisherId}'s {@code seq} was published already with another topic, key or
   * payload, or is too old for the broker to tell ({@code reason} says which). A retry repeats its
   * message exactly; a new message takes the next number.
   */
  public record SeqReused(String publisherId, long seq, String reason) implements Reply {}

  /** The subscription is open; its messages up to {@code acked} are acknowledged already. */
  public record Subscribed(String subscriberId, String topic, boolean durable, long acked) implements Reply {}

  /** Message number {@code n} of subscription {@code subscriberId}. */
  public record Deliver(String subscriberId, long n, Message message) implements Reply {}

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
   * @param ackOnArrival acknowledge a publish when it arrives, before it is written (lower latency,
   *     like a log's {@code acks=0}: a crash within the commit window loses acknowledged messages)
   * @param window how many unacknowledged messages a push subscriber is sent at a time
   * @param redeliverAfter how often unacknowledged pushes are sent again
   * @param ackFlush how long acknowledgements may wait to be written
   * @param snapshotEvery events between snapshots (older events are then deleted)
   */
  public record Settings(
      Duration commitWindow, boolean ackOnArrival, int window, Duration redeliverAfter, Duration ackFlush,
      int snapshotEvery) {
    public static final Settings DEFAULT =
        new Settings(Duration.ofMillis(2), false, 256, Duration.ofMillis(500), Duration.ofMillis(100), 10_000);

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
    }

    public Settings withCommitWindow(Duration d) {
      return new Settings(d, ackOnArrival, window, redeliverAfter, ackFlush, snapshotEvery);
    }

    public Settings withAckOnArrival(boolean on) {
      return new Settings(commitWindow, on, window, redeliverAfter, ackFlush, snapshotEvery);
    }

    public Settings withRedeliverAfter(Duration d) {
      return new Settings(commitWindow, ackOnArrival, window, d, ackFlush, snapshotEvery);
    }

    public Settings withSnapshotEvery(int events) {
      return new Settings(commitWindow, ackOnArrival, window, redeliverAfter, ackFlush, events);
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

  /**
   * The broker's durable state, changed only by events (immutable: a snapshot never changes after
   * it is taken).
   *
   * @param accepted messages accepted so far (the next offset is one more)
   * @param publishers the last number accepted from each publisher
   * @param subscriptions the subscriptions, in order of opening
   * @param messages the messages some subscription still has queued, by offset
   */
  public record State(
      long accepted, List<PublisherSeq> publishers, List<Subscription> subscriptions, List<Message> messages)
      implements WireMessage {

    static final State EMPTY = new State(0, List.of(), List.of(), List.of());

    public State {
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

    State apply(Event event) {
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
    private State accept(List<Message> batch) {
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
      return new State(last, ps, subs, ms);
    }

    private static PublisherSeq publisher(List<PublisherSeq> publishers, String publisherId) {
      for (PublisherSeq p : publishers) {
        if (p.publisherId().equals(publisherId)) {
          return p;
        }
      }
      return null;
    }

    private State acked(String subscriberId, long upTo) {
      Subscription s = subscription(subscriberId);
      if (s == null || upTo <= s.acked()) {
        return this;
      }
      List<Entry> q = s.queue().stream().filter(e -> e.n() > upTo).toList();
      return withSubscription(subscriberId, new Subscription(s.subscriberId(), s.topic(), s.filter(), s.durable(),
          s.push(), s.deliverTo(), s.connected(), s.numbered(), Math.min(upTo, s.numbered()), q)).collect();
    }

    private State withSubscription(String subscriberId, Subscription replacement) {
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
      return new State(accepted, publishers, subs, messages);
    }

    /** Drops the messages older than every subscription's oldest unacknowledged one. */
    private State collect() {
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
      return drop == 0 ? this : new State(accepted, publishers, subscriptions, messages.subList(drop, messages.size()));
    }
  }

  // ---------------------------------------------------------------- the broker

  private final Peers<Object> group;
  private final Settings settings;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  /** Publishes taken but not yet written (group commit), in order of arrival. */
  private final List<Publish> unwritten = new ArrayList<>();
  /** Copies of publishes not yet written, to acknowledge once they are. */
  private final List<Publish> copies = new ArrayList<>();
  /** Acknowledgements taken but not yet written: subscriber to number. */
  private final Map<String, Long> ackedUnwritten = new TreeMap<>();
  /** The highest number pushed to each push subscriber since it (re)connected. */
  private final Map<String, Long> pushedUpTo = new TreeMap<>();
  /** Each subscriber's acknowledged number at the last redelivery tick. */
  private final Map<String, Long> ackedAtLastTick = new TreeMap<>();
  /** Pulls waiting for a message: subscriber to the pull and its number. */
  private final Map<String, Waiting> waiting = new LinkedHashMap<>();
  private long pulls;

  private record Waiting(long number, Pull pull) {}

  /** Keys of the pull timers (one per waiting subscriber). */
  private record PullTimer(String subscriberId) {}

  /**
   * A broker named {@code name} (its persistence id); {@code group} lets it answer members that
   * gave no reply address (may be {@link Peers#alone}).
   */
  public static Behavior<Command> create(String name, Peers<Object> group, Settings settings) {
    Objects.requireNonNull(name, "name");
    return Durable.of((context, timers) -> new TopicBroker(name, group, settings, context, timers));
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

  private TopicBroker(
      String name, Peers<Object> group, Settings settings, ActorContext<Command> context,
      TimerScheduler<Command> timers) {
    super(PersistenceId.of("topic-broker", name));
    this.group = group;
    this.settings = settings;
    this.context = context;
    this.timers = timers;
    timers.startTimerWithFixedDelay(TimerKey.REDELIVER, new Tick(TimerKey.REDELIVER), settings.redeliverAfter());
  }

  @Override
  public State emptyState() {
    return State.EMPTY;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(settings.snapshotEvery(), 2).withDeleteEventsOnSnapshot();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(State::apply);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> {
          for (Subscription s : state.subscriptions()) {
            push(state, s);
          }
        })
        .build();
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Publish.class, this::onPublish)
        .onCommand(Subscribe.class, this::onSubscribe)
        .onCommand(Leave.class, this::onLeave)
        .onCommand(Unsubscribe.class, this::onUnsubscribe)
        .onCommand(Ack.class, this::onAck)
        .onCommand(Pull.class, this::onPull)
        .onCommand(Tick.class, this::onTick)
        .onCommand(PullExpired.class, this::onPullExpired)
        .onCommand(GetStatus.class, this::onGetStatus)
        .build();
  }

  // ---------------------------------------------------------------- publishing

  private Effect<Event, State> onPublish(State state, Publish p) {
    if (p.publisherId() == null || p.topic() == null || p.seq() < 0) {
      context.getLog().warn("ignoring a publish without publisher or topic, or with a negative number: {}", p);
      return Effect().none();
    }
    if (p.seq() != 0 && p.seq() <= state.lastSeq(p.publisherId())) {
      String written = state.fingerprintOf(p.publisherId(), p.seq());
      reply(p.replyTo(), p.publisherId(), fingerprint(p.topic(), p.key(), p.payload()).equals(written)
          ? new PublishAck(p.publisherId(), p.seq(), 0, true)
          : new SeqReused(p.publisherId(), p.seq(), written != null
              ? "publisher " + p.publisherId() + "'s seq " + p.seq() + " was published with another topic, key or "
                  + "payload; this message was not published (a retry repeats its message exactly)"
              : "publisher " + p.publisherId() + "'s seq " + p.seq() + " was published, but is older than the last "
                  + REMEMBERED + " this broker remembers, so whether this is the same message cannot be told; "
                  + "it was not published again"));
      return Effect().none();
    }
    long last = lastSeq(state, p.publisherId());
    Publish same = p.seq() == 0 ? null : unwritten(p.publisherId(), p.seq());
    if (same != null && !fingerprint(same.topic(), same.key(), same.payload())
        .equals(fingerprint(p.topic(), p.key(), p.payload()))) {
      reply(p.replyTo(), p.publisherId(), new SeqReused(p.publisherId(), p.seq(), "publisher " + p.publisherId()
          + "'s seq " + p.seq() + " is being published with another topic, key or payload; this message was not "
          + "published (a retry repeats its message exactly)"));
      return Effect().none();
    }
    if (p.seq() != 0 && p.seq() <= last) {
      if (settings.ackOnArrival()) {
        reply(p.replyTo(), p.publisherId(), new PublishAck(p.publisherId(), p.seq(), 0, true));
      } else {
        copies.add(p); // a copy of one not written yet: acknowledged with it, never before
      }
      return Effect().none();
    }
    if (p.seq() > last + 1) {
      reply(p.replyTo(), p.publisherId(), new OutOfOrder(p.publisherId(), p.seq(), last + 1));
      return Effect().none();
    }
    Publish numbered = p.seq() == 0
        ? new Publish(p.publisherId(), last + 1, p.topic(), p.key(), p.payload(), p.replyTo()) : p;
    unwritten.add(numbered);
    if (settings.ackOnArrival()) {
      long offset = state.accepted() + unwritten.size();
      reply(p.replyTo(), p.publisherId(), new PublishAck(p.publisherId(), numbered.seq(), offset, false));
    }
    if (settings.commitWindow().isZero()) {
      return writeUnwritten(state);
    }
    if (!timers.isTimerActive(TimerKey.COMMIT)) {
      timers.startSingleTimer(TimerKey.COMMIT, new Tick(TimerKey.COMMIT), settings.commitWindow());
    }
    return Effect().none();
  }

  /** The publish numbered {@code seq} of {@code publisherId} taken but not written yet, or null. */
  private Publish unwritten(String publisherId, long seq) {
    for (Publish u : unwritten) {
      if (u.publisherId().equals(publisherId) && u.seq() == seq) {
        return u;
      }
    }
    return null;
  }

  /** The last number taken from {@code publisherId}, written or not. */
  private long lastSeq(State state, String publisherId) {
    long last = state.lastSeq(publisherId);
    for (Publish u : unwritten) {
      if (u.publisherId().equals(publisherId)) {
        last = Math.max(last, u.seq());
      }
    }
    return last;
  }

  /** Writes the publishes and acknowledgements waiting, in one write; then answers and pushes. */
  private Effect<Event, State> writeUnwritten(State state) {
    timers.cancel(TimerKey.COMMIT);
    List<Event> events = new ArrayList<>();
    List<Publish> written = List.copyOf(unwritten);
    long offset = state.accepted();
    List<Message> batch = new ArrayList<>(written.size());
    for (Publish p : written) {
      batch.add(new Message(++offset, p.publisherId(), p.seq(), p.topic(), p.key(), p.payload()));
    }
    if (!batch.isEmpty()) {
      events.add(new MessagesAccepted(batch));
    }
    unwritten.clear();
    List<Publish> copied = List.copyOf(copies);
    copies.clear();
    events.addAll(takeAcks(state));
    if (events.isEmpty()) {
      return Effect().none();
    }
    long first = state.accepted();
    return Effect().persist(events).thenRun(after -> {
      long o = first;
      for (Publish p : written) {
        o++;
        if (!settings.ackOnArrival()) {
          reply(p.replyTo(), p.publisherId(), new PublishAck(p.publisherId(), p.seq(), o, false));
        }
      }
      for (Publish p : copied) {
        reply(p.replyTo(), p.publisherId(), new PublishAck(p.publisherId(), p.seq(), 0, true));
      }
      for (Subscription s : after.subscriptions()) {
        push(after, s);
        answerWaitingPull(after, s);
      }
    });
  }

  // ---------------------------------------------------------------- subscriptions

  private Effect<Event, State> onSubscribe(State state, Subscribe s) {
    if (s.subscriberId() == null) {
      context.getLog().warn("ignoring a subscribe without subscriber: {}", s);
      return Effect().none();
    }
    Subscription old = state.subscription(s.subscriberId());
    if (s.topic() == null && old == null) {
      reply(s.replyTo(), s.subscriberId(), new NotSubscribed(s.subscriberId()));
      return Effect().none();
    }
    String topic = s.topic() == null ? old.topic() : s.topic();
    Filter filter = s.topic() == null ? old.filter() : s.filter() == null ? Filter.ALL : s.filter();
    boolean durable = s.topic() == null ? old.durable() : s.durable();
    pushedUpTo.remove(s.subscriberId());
    return Effect()
        .persist(new SubscriptionOpened(s.subscriberId(), topic, filter, durable, s.push(), s.replyTo()))
        .thenRun(after -> {
          Subscription sub = after.subscription(s.subscriberId());
          reply(s.replyTo(), s.subscriberId(), new Subscribed(s.subscriberId(), topic, durable, acked(after, sub)));
          push(after, sub);
        });
  }

  private Effect<Event, State> onLeave(State state, Leave l) {
    Subscription s = state.subscription(l.subscriberId());
    if (s == null) {
      reply(l.replyTo(), l.subscriberId(), new Left(l.subscriberId(), false));
      return Effect().none();
    }
    forget(l.subscriberId(), s.durable());
    List<Event> events = new ArrayList<>(takeAck(state, l.subscriberId()));
    events.add(new SubscriptionLeft(l.subscriberId()));
    return Effect().persist(events).thenRun(after ->
        reply(l.replyTo(), l.subscriberId(), new Left(l.subscriberId(), s.durable())));
  }

  private Effect<Event, State> onUnsubscribe(State state, Unsubscribe u) {
    Subscription s = state.subscription(u.subscriberId());
    if (s == null) {
      reply(u.replyTo(), u.subscriberId(), new Unsubscribed(u.subscriberId(), false));
      return Effect().none();
    }
    forget(u.subscriberId(), false);
    return Effect().persist(new SubscriptionClosed(u.subscriberId())).thenRun(after ->
        reply(u.replyTo(), u.subscriberId(), new Unsubscribed(u.subscriberId(), true)));
  }

  /** Drops what the broker holds in memory for a subscriber that left ({@code keepAcks}: durable). */
  private void forget(String subscriberId, boolean keepAcks) {
    pushedUpTo.remove(subscriberId);
    ackedAtLastTick.remove(subscriberId);
    if (!keepAcks) {
      ackedUnwritten.remove(subscriberId);
    }
    Waiting w = waiting.remove(subscriberId);
    if (w != null) {
      timers.cancel(new PullTimer(subscriberId));
    }
  }

  // ---------------------------------------------------------------- acknowledgements

  private Effect<Event, State> onAck(State state, Ack a) {
    Subscription s = state.subscription(a.subscriberId());
    if (s == null) {
      return Effect().none();
    }
    noteAck(s, a.upTo());
    push(state, s);
    return Effect().none();
  }

  private void noteAck(Subscription s, long upTo) {
    long capped = Math.min(upTo, s.numbered());
    if (capped > s.acked() && capped > ackedUnwritten.getOrDefault(s.subscriberId(), 0L)) {
      ackedUnwritten.put(s.subscriberId(), capped);
      if (!timers.isTimerActive(TimerKey.ACK_FLUSH)) {
        timers.startSingleTimer(TimerKey.ACK_FLUSH, new Tick(TimerKey.ACK_FLUSH), settings.ackFlush());
      }
    }
  }

  /** The number up to which {@code s} has acknowledged, written or not. */
  private long acked(State state, Subscription s) {
    return Math.max(s.acked(), ackedUnwritten.getOrDefault(s.subscriberId(), 0L));
  }

  private List<Event> takeAcks(State state) {
    List<Event> events = new ArrayList<>();
    ackedUnwritten.forEach((id, upTo) -> {
      if (state.subscription(id) != null) {
        events.add(new MessagesAcked(id, upTo));
      }
    });
    ackedUnwritten.clear();
    timers.cancel(TimerKey.ACK_FLUSH);
    return events;
  }

  private List<Event> takeAck(State state, String subscriberId) {
    Long upTo = ackedUnwritten.remove(subscriberId);
    return upTo == null || state.subscription(subscriberId) == null
        ? List.of() : List.of(new MessagesAcked(subscriberId, upTo));
  }

  // ---------------------------------------------------------------- pull

  private Effect<Event, State> onPull(State state, Pull p) {
    Subscription s = state.subscription(p.subscriberId());
    if (s == null) {
      reply(p.replyTo(), p.subscriberId(), new NotSubscribed(p.subscriberId()));
      return Effect().none();
    }
    noteAck(s, p.ackUpTo());
    Waiting old = waiting.remove(p.subscriberId());
    if (old != null) {
      timers.cancel(new PullTimer(p.subscriberId()));
    }
    List<Deliver> ready = queued(state, s, Math.max(1, p.max()));
    if (!ready.isEmpty() || p.timeout() == null || p.timeout().isZero() || p.timeout().isNegative()) {
      reply(p.replyTo(), p.subscriberId(), new Pulled(p.subscriberId(), ready));
      return Effect().none();
    }
    long number = ++pulls;
    waiting.put(p.subscriberId(), new Waiting(number, p));
    timers.startSingleTimer(new PullTimer(p.subscriberId()), new PullExpired(p.subscriberId(), number), p.timeout());
    return Effect().none();
  }

  private Effect<Event, State> onPullExpired(State state, PullExpired e) {
    Waiting w = waiting.get(e.subscriberId());
    if (w != null && w.number() == e.pull()) {
      waiting.remove(e.subscriberId());
      reply(w.pull().replyTo(), e.subscriberId(), new Pulled(e.subscriberId(), List.of()));
    }
    return Effect().none();
  }

  private void answerWaitingPull(State state, Subscription s) {
    Waiting w = waiting.get(s.subscriberId());
    if (w == null) {
      return;
    }
    List<Deliver> ready = queued(state, s, Math.max(1, w.pull().max()));
    if (!ready.isEmpty()) {
      waiting.remove(s.subscriberId());
      timers.cancel(new PullTimer(s.subscriberId()));
      reply(w.pull().replyTo(), s.subscriberId(), new Pulled(s.subscriberId(), ready));
    }
  }

  /** Up to {@code max} of {@code s}'s unacknowledged messages, oldest first. */
  private List<Deliver> queued(State state, Subscription s, int max) {
    long acked = acked(state, s);
    List<Deliver> out = new ArrayList<>();
    for (Entry e : s.queue()) {
      if (out.size() >= max) {
        break;
      }
      if (e.n() > acked) {
        out.add(new Deliver(s.subscriberId(), e.n(), state.message(e.offset())));
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- push

  /** Sends {@code s} what it has not been sent, within its window. */
  private void push(State state, Subscription s) {
    if (s == null || !s.push() || !s.connected()) {
      return;
    }
    long acked = acked(state, s);
    long from = Math.max(acked, pushedUpTo.getOrDefault(s.subscriberId(), acked));
    if (from >= s.numbered()) {
      pushedUpTo.put(s.subscriberId(), from);
      return;
    }
    long limit = acked + settings.window();
    long sent = from;
    for (Entry e : s.queue()) {
      if (e.n() > limit) {
        break;
      }
      if (e.n() > from) {
        reply(s.deliverTo(), s.subscriberId(), new Deliver(s.subscriberId(), e.n(), state.message(e.offset())));
        sent = e.n();
      }
    }
    pushedUpTo.put(s.subscriberId(), sent);
  }

  private Effect<Event, State> onTick(State state, Tick t) {
    switch (t.key()) {
      case COMMIT:
        return writeUnwritten(state);
      case ACK_FLUSH:
        List<Event> acks = takeAcks(state);
        return acks.isEmpty() ? Effect().none() : Effect().persist(acks);
      case REDELIVER:
      default:
        for (Subscription s : state.subscriptions()) {
          long acked = acked(state, s);
          Long before = ackedAtLastTick.put(s.subscriberId(), acked);
          if (!pushedUpTo.containsKey(s.subscriberId())) {
            push(state, s); // nothing sent since the broker started
          } else if (before != null && before == acked && s.numbered() > acked) {
            pushedUpTo.remove(s.subscriberId()); // no progress since the last tick: send again
            push(state, s);
          }
        }
        return Effect().none();
    }
  }

  private Effect<Event, State> onGetStatus(State state, GetStatus q) {
    List<SubscriptionStatus> subs = new ArrayList<>();
    for (Subscription s : state.subscriptions()) {
      long acked = acked(state, s);
      int queued = (int) s.queue().stream().filter(e -> e.n() > acked).count();
      subs.add(new SubscriptionStatus(s.subscriberId(), s.topic(), s.filter(), s.durable(), s.push(), s.connected(),
          queued, acked));
    }
    Map<String, Long> publishers = new TreeMap<>();
    state.publishers().forEach(p -> publishers.put(p.publisherId(), p.seq()));
    q.replyTo().tell(new Status(state.accepted(), state.messages().size(), subs, publishers));
    return Effect().none();
  }

  /** Tells {@code to}, or if null the group member named {@code member}. */
  private void reply(ActorRef<Reply> to, String member, Reply reply) {
    if (to != null) {
      to.tell(reply);
      return;
    }
    NodeId node = NodeId.of(member);
    if (group.contains(node) && !node.equals(group.self())) {
      group.tell(node, reply);
    } else {
      context.getLog().debug("no address for {}: {} not sent", member, reply);
    }
  }
}
