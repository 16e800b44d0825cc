package dev.parley.protocols.pubsub;

import akka.actor.typed.ActorRef;
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
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WriteAhead;
import dev.parley.protocols.pubsub.BrokerState.Subscription;
import dev.parley.protocols.pubsub.TopicBroker.Ack;
import dev.parley.protocols.pubsub.TopicBroker.AckBatch;
import dev.parley.protocols.pubsub.TopicBroker.Command;
import dev.parley.protocols.pubsub.TopicBroker.Event;
import dev.parley.protocols.pubsub.TopicBroker.FlushLive;
import dev.parley.protocols.pubsub.TopicBroker.GetStatus;
import dev.parley.protocols.pubsub.TopicBroker.Leave;
import dev.parley.protocols.pubsub.TopicBroker.Left;
import dev.parley.protocols.pubsub.TopicBroker.NotSubscribed;
import dev.parley.protocols.pubsub.TopicBroker.Publish;
import dev.parley.protocols.pubsub.TopicBroker.PublishBatch;
import dev.parley.protocols.pubsub.TopicBroker.PublishLive;
import dev.parley.protocols.pubsub.TopicBroker.PublishLiveBatch;
import dev.parley.protocols.pubsub.TopicBroker.Pull;
import dev.parley.protocols.pubsub.TopicBroker.PullExpired;
import dev.parley.protocols.pubsub.TopicBroker.Reply;
import dev.parley.protocols.pubsub.TopicBroker.Settings;
import dev.parley.protocols.pubsub.TopicBroker.Subscribe;
import dev.parley.protocols.pubsub.TopicBroker.SubscribeLive;
import dev.parley.protocols.pubsub.TopicBroker.Subscribed;
import dev.parley.protocols.pubsub.TopicBroker.Tick;
import dev.parley.protocols.pubsub.TopicBroker.TimerKey;
import dev.parley.protocols.pubsub.TopicBroker.Unsubscribe;
import dev.parley.protocols.pubsub.TopicBroker.Unsubscribed;

/**
 * The {@link TopicBroker} as an event-sourced behavior (whose head comment has the model, guarantees
 * and cost): the journal plumbing (state, snapshots, recovery), the dispatch of each command to the
 * part that takes it, and what joins the parts: a live subscription's {@link Leave} and {@link
 * Unsubscribe} (which end it here, or go on to the journaled subscription), acknowledgements noted
 * for the next write, pulls, the timers and the status. The parts: {@link BrokerPublishing} (each
 * publisher's order, exactly once, group commit), {@link BrokerSubscriptions}, {@link
 * BrokerDelivery} (push window, pulls, redelivery, acknowledgements) and {@link BrokerLive} (live
 * subscriptions, at most once).
 */
final class BrokerServer extends EventSourcedBehavior<Command, Event, BrokerState> {

  private final Peers<Object> group;
  private final Settings settings;
  private final ActorContext<Command> context;
  private final WriteAhead<Command, Event, BrokerState> writes;
  private final BrokerLive live;
  private final BrokerDelivery delivery;
  private final BrokerPublishing publishing;
  private final BrokerSubscriptions subscriptions;

  /** The broker named {@code name}; {@code publishing} makes its intake of publishes. */
  BrokerServer(String name, Peers<Object> group, Settings settings, BrokerPublishing.Maker publishing,
      ActorContext<Command> context, TimerScheduler<Command> timers) {
    super(PersistenceId.of("topic-broker", name));
    context.setLoggerName(TopicBroker.class); // it logs as the protocol, wherever its parts are written
    this.group = group;
    this.settings = settings;
    this.context = context;
    this.writes = new WriteAhead<>(Effect());
    this.live = new BrokerLive(context.getSelf(), this::reply);
    this.delivery = new BrokerDelivery(settings, timers, this::reply, live);
    this.publishing = publishing.make(writes, timers, settings, delivery, this::reply, context.getLog());
    this.subscriptions = new BrokerSubscriptions(writes, delivery, this::reply, context.getLog());
    timers.startTimerWithFixedDelay(TimerKey.REDELIVER, new Tick(TimerKey.REDELIVER), settings.redeliverAfter());
  }

  @Override
  public BrokerState emptyState() {
    return BrokerState.EMPTY;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(settings.snapshotEvery(), 2).withDeleteEventsOnSnapshot();
  }

  @Override
  public EventHandler<BrokerState, Event> eventHandler() {
    PublisherExpiry expiry = settings.publisherExpiry();
    return newEventHandlerBuilder().forAnyState().onAnyEvent((state, event) -> state.apply(event, expiry));
  }

  @Override
  public SignalHandler<BrokerState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> state.subscriptions().forEach(s -> delivery.push(state, s)))
        .build();
  }

  @Override
  public CommandHandler<Command, Event, BrokerState> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Publish.class, publishing::onPublish)
        .onCommand(PublishBatch.class, this::onPublishBatch)
        .onCommand(AckBatch.class, this::onAckBatch)
        .onCommand(Subscribe.class, subscriptions::onSubscribe)
        .onCommand(SubscribeLive.class, this::onSubscribeLive)
        .onCommand(PublishLive.class, this::onPublishLive)
        .onCommand(PublishLiveBatch.class, this::onPublishLiveBatch)
        .onCommand(FlushLive.class, this::onFlushLive)
        .onCommand(Leave.class, this::onLeave)
        .onCommand(Unsubscribe.class, this::onUnsubscribe)
        .onCommand(Ack.class, this::onAck)
        .onCommand(Pull.class, this::onPull)
        .onCommand(Tick.class, this::onTick)
        .onCommand(PullExpired.class, this::onPullExpired)
        .onCommand(GetStatus.class, this::onGetStatus)
        .build();
  }

  // ---------------------------------------------------------------- live subscriptions

  private Effect<Event, BrokerState> onSubscribeLive(BrokerState state, SubscribeLive s) {
    if (s.subscriberId() == null || s.topic() == null) {
      context.getLog().warn("ignoring a live subscribe without subscriber or topic: {}", s);
      return Effect().none();
    }
    live.open(s);
    reply(s.replyTo(), s.subscriberId(), new Subscribed(s.subscriberId(), s.topic(), false, 0));
    return Effect().none();
  }

  private Effect<Event, BrokerState> onPublishLive(BrokerState state, PublishLive p) {
    if (p.publisherId() == null || p.topic() == null || p.seq() < 1) {
      context.getLog().warn("ignoring a live publish without publisher or topic, or with a number below 1 (a"
          + " publisher numbers its live publishes 1, 2, ...): {}", p);
      return Effect().none();
    }
    live.publish(p);
    return Effect().none();
  }

  private Effect<Event, BrokerState> onPublishLiveBatch(BrokerState state, PublishLiveBatch b) {
    b.publishes().forEach(p -> onPublishLive(state, p));
    return Effect().none();
  }

  private Effect<Event, BrokerState> onFlushLive(BrokerState state, FlushLive f) {
    live.flush();
    return Effect().none();
  }

  /** A live subscription ends here; a journaled one the subscriber also has, as it always did. */
  private Effect<Event, BrokerState> onLeave(BrokerState state, Leave l) {
    if (live.close(l.subscriberId()) && state.subscription(l.subscriberId()) == null) {
      reply(l.replyTo(), l.subscriberId(), new Left(l.subscriberId(), false));
      return Effect().none();
    }
    return subscriptions.onLeave(state, l);
  }

  private Effect<Event, BrokerState> onUnsubscribe(BrokerState state, Unsubscribe u) {
    if (live.close(u.subscriberId()) && state.subscription(u.subscriberId()) == null) {
      reply(u.replyTo(), u.subscriberId(), new Unsubscribed(u.subscriberId(), true));
      return Effect().none();
    }
    return subscriptions.onUnsubscribe(state, u);
  }

  // ---------------------------------------------------------------- delivery

  /**
   * Acknowledgements are written with the next write of publishes, or after {@link
   * Settings#ackFlush}, or at once after {@link BrokerPublishing#MAX_BATCH} of them since the last
   * write (which bounds, as for publishes, the run of commands that write nothing).
   */
  private Effect<Event, BrokerState> onAck(BrokerState state, Ack a) {
    takeAck(state, a);
    return delivery.ackTaken() ? publishing.writeWaiting(state) : Effect().none();
  }

  /** Notes {@code a} (written with the next write) and sends what it makes room for. */
  private void takeAck(BrokerState state, Ack a) {
    Subscription s = state.subscription(a.subscriberId());
    if (s != null) {
      delivery.noteAck(s, a.upTo());
      delivery.push(state, s);
    }
  }

  private Effect<Event, BrokerState> onAckBatch(BrokerState state, AckBatch b) {
    b.acks().forEach(a -> takeAck(state, a));
    return Effect().none();
  }

  private Effect<Event, BrokerState> onPublishBatch(BrokerState state, PublishBatch b) {
    b.acks().forEach(a -> takeAck(state, a));
    return publishing.onBatch(state, b);
  }

  private Effect<Event, BrokerState> onPull(BrokerState state, Pull p) {
    Subscription s = state.subscription(p.subscriberId());
    if (s == null) {
      reply(p.replyTo(), p.subscriberId(), new NotSubscribed(p.subscriberId()));
    } else {
      delivery.onPull(state, s, p);
    }
    return Effect().none();
  }

  private Effect<Event, BrokerState> onPullExpired(BrokerState state, PullExpired e) {
    delivery.onPullExpired(e);
    return Effect().none();
  }

  private Effect<Event, BrokerState> onTick(BrokerState state, Tick t) {
    switch (t.key()) {
      case COMMIT:
        return publishing.writeWaiting(state);
      case ACK_FLUSH:
        return writes.write(delivery.takeAcks(state));
      case REDELIVER:
      default:
        delivery.redeliver(state);
        return Effect().none();
    }
  }

  private Effect<Event, BrokerState> onGetStatus(BrokerState state, GetStatus q) {
    q.replyTo().tell(delivery.status(state));
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
