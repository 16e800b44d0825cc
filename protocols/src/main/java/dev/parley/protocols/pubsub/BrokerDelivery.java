package dev.parley.protocols.pubsub;

import akka.actor.typed.ActorRef;
import akka.actor.typed.javadsl.TimerScheduler;
import dev.parley.protocols.core.ByteBudget;
import dev.parley.protocols.pubsub.BrokerState.Entry;
import dev.parley.protocols.pubsub.BrokerState.Subscription;
import dev.parley.protocols.pubsub.TopicBroker.Command;
import dev.parley.protocols.pubsub.TopicBroker.Deliver;
import dev.parley.protocols.pubsub.TopicBroker.Message;
import dev.parley.protocols.pubsub.TopicBroker.Pushed;
import dev.parley.protocols.pubsub.TopicBroker.Event;
import dev.parley.protocols.pubsub.TopicBroker.MessagesAcked;
import dev.parley.protocols.pubsub.TopicBroker.Pull;
import dev.parley.protocols.pubsub.TopicBroker.PullExpired;
import dev.parley.protocols.pubsub.TopicBroker.Pulled;
import dev.parley.protocols.pubsub.TopicBroker.Reply;
import dev.parley.protocols.pubsub.TopicBroker.Settings;
import dev.parley.protocols.pubsub.TopicBroker.Tick;
import dev.parley.protocols.pubsub.TopicBroker.TimerKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@link TopicBroker}'s delivery to its subscribers: pushes within each subscription's window,
 * pulls that wait for a message ({@code get(timeout)}), redelivery of what is not acknowledged, and
 * the acknowledgements taken but not yet written. Messages of the recent writes are found by offset
 * in their write's run ({@link WrittenRuns}), others looked up in the state.
 *
 * <p>It holds only what a crash may lose: what was pushed to whom, the pulls waiting and the
 * acknowledgements not yet written. Losing them makes the broker send again what it sent before,
 * which subscribers recognise by number; the broker's head comment has the model, guarantees and
 * cost.
 */
final class BrokerDelivery {

  /** Sends a reply to {@code to}, or if null to the group member named {@code member}. */
  @FunctionalInterface
  interface Replier {
    void reply(ActorRef<Reply> to, String member, Reply reply);
  }

  /**
   * About how many bytes one {@link Pushed} carries (a window's worth that is larger goes as
   * several; a message larger than this goes alone), so a push stays well under Artery's 256 KiB
   * frame.
   */
  static final long PUSH_BYTES = 128 * 1024;

  /** The estimated size of {@code d} on the wire (its strings; {@link ByteBudget} adds the framing). */
  private static long size(Deliver d) {
    Message m = d.message();
    return length(m.publisherId()) + length(m.topic()) + length(m.key()) + length(m.payload());
  }

  private static long length(String s) {
    return s == null ? 0 : s.length() * 3L;
  }

  private record Waiting(long number, Pull pull) {}

  /** Keys of the pull timers (one per waiting subscriber). */
  private record PullTimer(String subscriberId) {}

  private final Settings settings;
  private final TimerScheduler<Command> timers;
  private final Replier replier;
  private final BrokerLive live;
  /** Acknowledgements taken but not yet written: subscriber to number. */
  private final Map<String, Long> ackedUnwritten = new TreeMap<>();
  /** The highest number pushed to each push subscriber since it (re)connected. */
  private final Map<String, Long> pushedUpTo = new TreeMap<>();
  /** Each subscriber's acknowledged number at the last redelivery tick. */
  private final Map<String, Long> ackedAtLastTick = new TreeMap<>();
  /** Pulls waiting for a message: subscriber to the pull and its number. */
  private final Map<String, Waiting> waiting = new LinkedHashMap<>();
  private long pulls;
  /**
   * While delivering to every subscription at once, the messages looked up so far by offset (each
   * looked up once, not once per subscription); null otherwise.
   */
  private Map<Long, Message> messageCache;
  /** The messages of the writes since the broker started, as long as the state keeps any of them. */
  private final WrittenRuns written = new WrittenRuns();
  /** Acknowledgements taken since the last write of acknowledgements. */
  private int acksSinceWrite;

  BrokerDelivery(Settings settings, TimerScheduler<Command> timers, Replier replier, BrokerLive live) {
    this.settings = settings;
    this.timers = timers;
    this.replier = replier;
    this.live = live;
  }

  /** The broker took {@code m} (not written yet): its live subscriptions get it now. */
  void taken(Message m) {
    live.offer(m);
  }

  // ---------------------------------------------------------------- acknowledgements

  /** {@code s} acknowledged up to {@code upTo}: written with the next flush. */
  void noteAck(Subscription s, long upTo) {
    long capped = Math.min(upTo, s.numbered());
    if (capped > s.acked() && capped > ackedUnwritten.getOrDefault(s.subscriberId(), 0L)) {
      ackedUnwritten.put(s.subscriberId(), capped);
      if (!timers.isTimerActive(TimerKey.ACK_FLUSH)) {
        timers.startSingleTimer(TimerKey.ACK_FLUSH, new Tick(TimerKey.ACK_FLUSH), settings.ackFlush());
      }
    }
  }

  /**
   * Counts an acknowledgement taken; true once {@link BrokerPublishing#MAX_BATCH} were taken since
   * the last write of acknowledgements (then the broker writes at once).
   */
  boolean ackTaken() {
    return ++acksSinceWrite >= BrokerPublishing.MAX_BATCH;
  }

  /** The broker is writing (so the run of commands that write nothing ends). */
  void wrote() {
    acksSinceWrite = 0;
  }

  /** The number up to which {@code s} has acknowledged, written or not. */
  long acked(Subscription s) {
    return Math.max(s.acked(), ackedUnwritten.getOrDefault(s.subscriberId(), 0L));
  }

  /** The acknowledgements not yet written, as events to write now. */
  List<Event> takeAcks(BrokerState state) {
    List<Event> events = new ArrayList<>();
    ackedUnwritten.forEach((id, upTo) -> {
      if (state.subscription(id) != null) {
        events.add(new MessagesAcked(id, upTo));
      }
    });
    ackedUnwritten.clear();
    if (!events.isEmpty()) {
      wrote();
    }
    timers.cancel(TimerKey.ACK_FLUSH);
    return events;
  }

  /** {@code subscriberId}'s acknowledgement not yet written, as an event to write now. */
  List<Event> takeAck(BrokerState state, String subscriberId) {
    Long upTo = ackedUnwritten.remove(subscriberId);
    return upTo == null || state.subscription(subscriberId) == null
        ? List.of() : List.of(new MessagesAcked(subscriberId, upTo));
  }

  /** Drops what is held for a subscriber that left ({@code keepAcks}: durable) or reconnects. */
  void forget(String subscriberId, boolean keepAcks) {
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

  /** A subscriber (re)connected: everything unacknowledged is pushed again. */
  void reconnected(String subscriberId) {
    pushedUpTo.remove(subscriberId);
  }

  /** The broker's state as its status shows it. */
  TopicBroker.Status status(BrokerState state) {
    List<TopicBroker.SubscriptionStatus> subs = new ArrayList<>();
    for (Subscription s : state.subscriptions()) {
      long acked = acked(s);
      int queued = s.queue().size() - indexAfter(s.queue(), acked);
      subs.add(new TopicBroker.SubscriptionStatus(s.subscriberId(), s.topic(), s.filter(), s.durable(), s.push(),
          s.connected(), queued, acked));
    }
    Map<String, Long> publishers = new TreeMap<>();
    state.publishers().forEach(p -> publishers.put(p.publisherId(), p.seq()));
    return new TopicBroker.Status(state.accepted(), state.messages().size(), subs, publishers);
  }

  // ---------------------------------------------------------------- pull

  void onPull(BrokerState state, Subscription s, Pull p) {
    noteAck(s, p.ackUpTo());
    Waiting old = waiting.remove(p.subscriberId());
    if (old != null) {
      timers.cancel(new PullTimer(p.subscriberId()));
    }
    List<Deliver> ready = queued(state, s, Math.max(1, p.max()));
    if (!ready.isEmpty() || p.timeout() == null || p.timeout().isZero() || p.timeout().isNegative()) {
      replier.reply(p.replyTo(), p.subscriberId(), new Pulled(p.subscriberId(), ready));
      return;
    }
    long number = ++pulls;
    waiting.put(p.subscriberId(), new Waiting(number, p));
    timers.startSingleTimer(new PullTimer(p.subscriberId()), new PullExpired(p.subscriberId(), number), p.timeout());
  }

  void onPullExpired(PullExpired e) {
    Waiting w = waiting.get(e.subscriberId());
    if (w != null && w.number() == e.pull()) {
      waiting.remove(e.subscriberId());
      replier.reply(w.pull().replyTo(), e.subscriberId(), new Pulled(e.subscriberId(), List.of()));
    }
  }

  private void answerWaitingPull(BrokerState state, Subscription s) {
    Waiting w = waiting.get(s.subscriberId());
    if (w == null) {
      return;
    }
    List<Deliver> ready = queued(state, s, Math.max(1, w.pull().max()));
    if (!ready.isEmpty()) {
      waiting.remove(s.subscriberId());
      timers.cancel(new PullTimer(s.subscriberId()));
      replier.reply(w.pull().replyTo(), s.subscriberId(), new Pulled(s.subscriberId(), ready));
    }
  }

  /** Up to {@code max} of {@code s}'s unacknowledged messages, oldest first. */
  private List<Deliver> queued(BrokerState state, Subscription s, int max) {
    return between(state, s, acked(s), max);
  }

  /** Up to {@code max} of {@code s}'s queued messages numbered above {@code after}, oldest first. */
  private List<Deliver> between(BrokerState state, Subscription s, long after, long max) {
    EntryQueue queue = (EntryQueue) s.queue();
    List<Deliver> out = new ArrayList<>();
    queue.forEach(indexAfter(queue, after), max, (n, offset) -> out.add(new Deliver(s.subscriberId(), n,
        message(state, offset))));
    return out;
  }

  /** The message at {@code offset}: from a recent write if it is one of its, else looked up once. */
  private Message message(BrokerState state, long offset) {
    Message recent = written.find(offset);
    if (recent != null) {
      return recent;
    }
    return messageCache == null ? state.message(offset) : messageCache.computeIfAbsent(offset, state::message);
  }

  /** The index of the first entry of {@code queue} (ordered by number) numbered above {@code n}. */
  static int indexAfter(List<Entry> queue, long n) {
    int lo = 0;
    int hi = queue.size();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (queue.get(mid).n() <= n) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  // ---------------------------------------------------------------- push

  /** Every subscription gets what it has not been sent: pushed, or a waiting pull answered. */
  void deliverAll(BrokerState state) {
    deliverAll(state, List.of());
  }

  /**
   * As {@link #deliverAll(BrokerState)}, right after a write of {@code written} (consecutive
   * offsets, in order), whose messages are then found by their offset without a lookup (also by
   * later pushes, while the state keeps any of them).
   */
  void deliverAll(BrokerState state, List<Message> written) {
    this.written.keepFrom(state.oldestKept());
    this.written.add(written);
    messageCache = new HashMap<>();
    try {
      for (Subscription s : state.subscriptions()) {
        push(state, s);
        answerWaitingPull(state, s);
      }
    } finally {
      messageCache = null;
    }
  }

  /**
   * Sends {@code s} what it has not been sent, within its window, as {@link Pushed}es of about
   * {@link #PUSH_BYTES} at most (each acknowledged with one cumulative {@link TopicBroker.Ack}).
   */
  void push(BrokerState state, Subscription s) {
    if (s == null || !s.push() || !s.connected()) {
      return;
    }
    long acked = acked(s);
    long from = Math.max(acked, pushedUpTo.getOrDefault(s.subscriberId(), acked));
    long limit = Math.min(s.numbered(), acked + settings.window());
    List<Deliver> batch = from >= limit ? List.of() : between(state, s, from, limit - from);
    for (List<Deliver> rest = batch; !rest.isEmpty(); ) {
      int n = ByteBudget.fitting(rest, BrokerDelivery::size, PUSH_BYTES);
      replier.reply(s.deliverTo(), s.subscriberId(), new Pushed(s.subscriberId(), rest.subList(0, n)));
      rest = rest.subList(n, rest.size());
    }
    if (!batch.isEmpty()) {
      from = batch.get(batch.size() - 1).n();
    }
    pushedUpTo.put(s.subscriberId(), from);
  }

  /** The redelivery tick: a subscription that made no progress since the last one is sent again. */
  void redeliver(BrokerState state) {
    for (Subscription s : state.subscriptions()) {
      long acked = acked(s);
      Long before = ackedAtLastTick.put(s.subscriberId(), acked);
      if (!pushedUpTo.containsKey(s.subscriberId())) {
        push(state, s); // nothing sent since the broker started
      } else if (before != null && before == acked && s.numbered() > acked) {
        pushedUpTo.remove(s.subscriberId()); // no progress since the last tick: send again
        push(state, s);
      }
    }
  }
}
