package dev.parley.protocols.pubsub;

import akka.actor.typed.ActorRef;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.persistence.typed.javadsl.Effect;
import dev.parley.protocols.core.WriteAhead;
import dev.parley.protocols.pubsub.TopicBroker.Command;
import dev.parley.protocols.pubsub.TopicBroker.Event;
import dev.parley.protocols.pubsub.TopicBroker.Message;
import dev.parley.protocols.pubsub.TopicBroker.MessagesAccepted;
import dev.parley.protocols.pubsub.TopicBroker.OutOfOrder;
import dev.parley.protocols.pubsub.TopicBroker.Publish;
import dev.parley.protocols.pubsub.TopicBroker.PublishAck;
import dev.parley.protocols.pubsub.TopicBroker.SeqReused;
import dev.parley.protocols.pubsub.TopicBroker.Settings;
import dev.parley.protocols.pubsub.TopicBroker.Tick;
import dev.parley.protocols.pubsub.TopicBroker.TimerKey;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;

/**
 * The {@link TopicBroker}'s intake of publishes: each publisher's messages taken in its own order,
 * exactly once (a retry is told from another message under a used number by its fingerprint; a
 * publisher the broker forgot, {@link PublisherExpiry}, numbers above its floor), written by group
 * commit ({@link WriteAhead}: a {@link BrokerFront}'s batch is one write; publishes sent to the broker
 * itself, what arrives within the commit window) and acknowledged only once written. The broker's
 * head comment has the model, guarantees and cost.
 */
class BrokerPublishing {

  /**
   * The most publishes one write carries: with more waiting the broker writes at once, before its
   * window ends. Besides bounding a write, this bounds how many commands the broker takes in a row
   * without writing: Akka Persistence replays the commands stashed during a write one inside the
   * other (a recursion as deep as the run of commands that write nothing), and a few thousand of
   * them overflow the thread's stack.
   */
  static final int MAX_BATCH = 128;

  /** Makes the intake of a broker (its constructor, or a variant's in specs). */
  @FunctionalInterface
  interface Maker {
    BrokerPublishing make(WriteAhead<Command, Event, BrokerState> writes, TimerScheduler<Command> timers,
        Settings settings, BrokerDelivery delivery, BrokerDelivery.Replier replier, Logger log);
  }

  private final WriteAhead<Command, Event, BrokerState> writes;
  /** Publishes taken but not yet written, in order of arrival. */
  private final WriteAhead<Command, Event, BrokerState>.Batch<Message> publishes;
  private final BrokerDelivery delivery;
  private final BrokerDelivery.Replier replier;
  private final Logger log;
  private final PublisherExpiry expiry;
  /**
   * The last number taken from each publisher since the last write (so no scan of the waiting ones);
   * cleared once that write completes, so it holds at most the publishers of one write.
   */
  private final Map<String, Long> takenUpTo = new HashMap<>();

  BrokerPublishing(WriteAhead<Command, Event, BrokerState> writes, TimerScheduler<Command> timers,
      Settings settings, BrokerDelivery delivery, BrokerDelivery.Replier replier, Logger log) {
    this.writes = writes;
    this.publishes = writes.batch(timers, new Tick(TimerKey.COMMIT), settings.commitWindow(),
        (state, messages) -> List.of(new MessagesAccepted(messages)));
    this.delivery = delivery;
    this.replier = replier;
    this.log = log;
    this.expiry = settings.publisherExpiry();
  }

  Effect<Event, BrokerState> onPublish(BrokerState state, Publish p) {
    if (!intake(state, p)) {
      return writes.none();
    }
    return publishes.waiting().size() >= MAX_BATCH ? writeWaiting(state) : publishes.due(state);
  }

  /**
   * A front's batch: each publish taken as {@link #onPublish} takes it, then everything waiting
   * written at once as one write (no commit window: the front gathered them while the last write
   * was under way); the front is told once it is written.
   */
  Effect<Event, BrokerState> onBatch(BrokerState state, TopicBroker.PublishBatch batch) {
    for (Publish p : batch.publishes()) {
      intake(state, p);
    }
    ActorRef<TopicBroker.BatchWritten> front = batch.replyTo();
    TopicBroker.BatchWritten written = new TopicBroker.BatchWritten(batch.publishes().size());
    return writeWaiting(state, front == null ? null : after -> front.tell(written));
  }

  /**
   * Takes {@code p} if it is its publisher's next message (into the next write), or answers it
   * (a duplicate, a gap, a reused number; a copy of one waiting is answered once that is written);
   * true if it was taken.
   */
  private boolean intake(BrokerState state, Publish p) {
    if (p.publisherId() == null || p.topic() == null || p.seq() < 0) {
      log.warn("ignoring a publish without publisher or topic, or with a negative number: {}", p);
      return false;
    }
    if (p.seq() != 0 && p.seq() <= state.lastSeq(p.publisherId())) {
      String print = BrokerState.fingerprint(p.topic(), p.key(), p.payload());
      String written = state.fingerprintOf(p.publisherId(), p.seq());
      answer(p, print.equals(written)
          ? new PublishAck(p.publisherId(), p.seq(), 0, true)
          : new SeqReused(p.publisherId(), p.seq(), written != null
              ? "publisher " + p.publisherId() + "'s seq " + p.seq() + " was published with another topic, key or "
                  + "payload; this message was not published (a retry repeats its message exactly)"
              : "publisher " + p.publisherId() + "'s seq " + p.seq() + " was published, but is older than the last "
                  + BrokerState.REMEMBERED + " this broker remembers, so whether this is the same message cannot be "
                  + "told; it was not published again", lastSeq(state, p.publisherId())));
      return false;
    }
    long last = lastSeq(state, p.publisherId());
    if (last == 0 && !state.knows(p.publisherId())) {
      long floor = state.expiredFloor(p.publisherId());
      if (p.seq() != 0 && p.seq() <= floor) {
        answer(p, new SeqReused(p.publisherId(), p.seq(), expiry.refusal(p.publisherId(), p.seq(), floor), floor));
        return false;
      }
      last = floor;
    }
    Message same = p.seq() == 0 || p.seq() > last ? null : waiting(p.publisherId(), p.seq());
    if (same != null && !BrokerState.fingerprint(same.topic(), same.key(), same.payload())
        .equals(BrokerState.fingerprint(p.topic(), p.key(), p.payload()))) {
      answer(p, new SeqReused(p.publisherId(), p.seq(), "publisher " + p.publisherId()
          + "'s seq " + p.seq() + " is being published with another topic, key or payload; this message was not "
          + "published (a retry repeats its message exactly)", last));
      return false;
    }
    if (p.seq() != 0 && p.seq() <= last) { // a copy of one not written yet: acknowledged with it, never before
      publishes.whenWritten(after -> answer(p, new PublishAck(p.publisherId(), p.seq(), 0, true)));
      return false;
    }
    if (p.seq() > last + 1) {
      answer(p, new OutOfOrder(p.publisherId(), p.seq(), last + 1));
      return false;
    }
    long offset = state.accepted() + publishes.waiting().size() + 1;
    Message message = new Message(offset, p.publisherId(), p.seq() == 0 ? last + 1 : p.seq(), p.topic(), p.key(),
        p.payload());
    take(p, message);
    takenUpTo.put(p.publisherId(), message.seq());
    delivery.taken(message);
    return true;
  }

  /** Takes {@code message} (published as {@code p}) into the next write; acknowledged once written. */
  void take(Publish p, Message message) {
    publishes.take(message, after -> replier.reply(p.replyTo(), p.publisherId(),
        new PublishAck(p.publisherId(), message.seq(), message.offset(), false)));
  }

  /** The publishes waiting for their write. */
  final WriteAhead<Command, Event, BrokerState>.Batch<Message> publishes() {
    return publishes;
  }

  /** Tells {@code p}'s publisher {@code reply}. */
  final void answer(Publish p, TopicBroker.Reply reply) {
    replier.reply(p.replyTo(), p.publisherId(), reply);
  }

  /** The message numbered {@code seq} of {@code publisherId} taken but not written yet, or null. */
  private Message waiting(String publisherId, long seq) {
    for (Message m : publishes.waiting()) {
      if (m.publisherId().equals(publisherId) && m.seq() == seq) {
        return m;
      }
    }
    return null;
  }

  /**
   * The last number taken from {@code publisherId}, written or not ({@link #takenUpTo} may hold a
   * number written since, never one above the last taken: nothing taken is withdrawn, and a failed
   * write restarts the broker).
   */
  private long lastSeq(BrokerState state, String publisherId) {
    return Math.max(state.lastSeq(publisherId), takenUpTo.getOrDefault(publisherId, 0L));
  }

  /** Writes the publishes and acknowledgements waiting, in one write; then answers and delivers. */
  Effect<Event, BrokerState> writeWaiting(BrokerState state) {
    return writeWaiting(state, null);
  }

  /** As {@link #writeWaiting(BrokerState)}, then {@code also} (may be null) on the state after. */
  private Effect<Event, BrokerState> writeWaiting(BrokerState state, Consumer<BrokerState> also) {
    List<Event> acks = delivery.takeAcks(state);
    boolean anything = !publishes.waiting().isEmpty() || !acks.isEmpty();
    if (anything) {
      delivery.wrote();
    }
    List<Message> written = List.copyOf(publishes.waiting());
    Consumer<BrokerState> deliver = anything ? after -> {
      takenUpTo.clear(); // all taken is written now: nothing is taken while a write is under way
      delivery.deliverAll(after, written);
    } : null;
    Consumer<BrokerState> then = also == null ? deliver : deliver == null ? also : deliver.andThen(also);
    return publishes.write(state, acks, then);
  }
}
