package dev.parley.protocols.clock;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;
import java.time.Duration;
import java.util.Objects;

/**
 * Cristian's algorithm with NTP's offset and delay estimate and its minimum-delay filter.
 *
 * <p>Model: one time server, clients; each node reads only its own {@link DriftingClock} (offset and
 * drift over true time). Fair-loss links with unknown, possibly asymmetric delays that may lose and
 * duplicate messages.
 *
 * <p>Algorithm: on {@link Sync} a client takes {@code samples} samples, one after the other. For
 * each it sends a request stamped T1 (its clock), the server stamps T2 on receipt and T3 on reply,
 * the client stamps T4 on receipt. A request unanswered after {@code retry} is sent again (a fresh
 * T1); each request names its sync round and sample, and the answer echoes them with T1, so the
 * first answer to any copy is a correct sample and later ones (duplicates, answers to an earlier
 * copy, a previous round's) are recognised and ignored. Offset (server minus client) θ = ((T2−T1)+(T3−T4))/2, round-trip
 * delay δ = (T4−T1)−(T3−T2). Of all samples it keeps the one with the least δ (NTP's clock filter),
 * reports {@link OffsetEstimated} and, if the settings say so, steps its clock by θ.
 *
 * <p>Guarantees (drift over one round trip aside): |θ − true offset| ≤ δ/2 whatever the delays, and
 * the error is exactly (forward − backward delay)/2, so it is zero on symmetric links and a bias of
 * half the asymmetry otherwise, which no filter removes; loss only costs retries, never accuracy,
 * since every sample is measured on the copy that was answered. Cost: 2 messages per sample, plus
 * 2 per retry.
 */
public final class CristianSync extends AbstractBehavior<CristianSync.Command> {

  /** Downcalls, wire messages and the status query. */
  public sealed interface Command extends WireMessage
      permits Sync, TimeRequest, TimeReply, GetStatus, Retry, SetClock {}

  /** Downcall at a client: take the configured number of samples and estimate the offset. */
  public record Sync() implements Command {}

  /** Client {@code from} asks the time; {@code t1} its clock at sending, {@code sample} numbers it. */
  public record TimeRequest(NodeId from, int round, int sample, long t1) implements Command {}

  /** The server's answer: received at {@code t2}, sent at {@code t3}, by the server's clock. */
  public record TimeReply(int round, int sample, long t1, long t2, long t3) implements Command {}

  /** Asks for this node's {@link Status}. */
  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  /** Fault injection (a downcall): this node's clock becomes {@code clock}, as if it had been set wrong. */
  public record SetClock(DriftingClock clock) implements Command {
    public SetClock {
      Objects.requireNonNull(clock, "clock");
    }
  }

  /** The timer resending an unanswered request. */
  enum Retry implements Command {
    INSTANCE
  }

  /**
   * A node's clock reading, its last estimate (null if none), whether a sync is under way and how
   * many requests it has resent.
   */
  public record Status(NodeId node, long clockNanos, OffsetEstimated last, boolean syncing, int retries)
      implements WireMessage {}

  /** Upcalls. */
  public sealed interface Upcall extends WireMessage permits SampleTaken, OffsetEstimated {}

  /** One sample: its offset and round-trip delay estimates, in nanoseconds. */
  public record SampleTaken(NodeId node, int sample, long offset, long delay) implements Upcall {}

  /**
   * The sync's result: the offset (server minus this node's clock) of the least-delay sample, its
   * delay and the error bound δ/2 (plus 1 ns for integer rounding), in nanoseconds; {@code
   * applied} if the clock was stepped by it.
   */
  public record OffsetEstimated(NodeId node, long offset, long delay, long bound, boolean applied)
      implements Upcall {
    public OffsetEstimated {
      Objects.requireNonNull(node, "node");
    }
  }

  /**
   * @param samples how many request/reply exchanges per sync (at least 1)
   * @param applyCorrection step the client's clock by the estimated offset at the end of a sync
   * @param retry how long a request waits for its answer before it is sent again
   */
  public record Settings(int samples, boolean applyCorrection, Duration retry) {
    public Settings {
      if (samples < 1) {
        throw new IllegalArgumentException("samples must be at least 1, got " + samples);
      }
      Objects.requireNonNull(retry, "retry");
      if (retry.isNegative() || retry.isZero()) {
        throw new IllegalArgumentException("retry must be positive, got " + retry);
      }
    }

    /** Requests resent after {@link #DEFAULT_RETRY}. */
    public Settings(int samples, boolean applyCorrection) {
      this(samples, applyCorrection, DEFAULT_RETRY);
    }
  }

  /** The default wait before a request is resent: well above a round trip on a LAN. */
  public static final Duration DEFAULT_RETRY = Duration.ofMillis(200);

  private final NodeId server;
  private final Settings settings;
  private final Peers<Command> peers;
  private final NodeEnv env;
  private final ActorRef<? super Upcall> listener;
  private final TimerScheduler<Command> timers;
  private DriftingClock clock;
  private int retries;
  private int round;
  private int taken = -1; // samples answered in the current round; -1 when idle
  private long bestOffset;
  private long bestDelay = Long.MAX_VALUE;
  private OffsetEstimated last;

  public static Behavior<Command> create(
      NodeId server,
      DriftingClock clock,
      Settings settings,
      Peers<Command> peers,
      NodeEnv env,
      ActorRef<? super Upcall> listener) {
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(settings, "settings");
    if (!peers.contains(server)) {
      throw new IllegalArgumentException("time server " + server + " is not in the group " + peers);
    }
    return Behaviors.setup(ctx -> Behaviors.withTimers(
        timers -> new CristianSync(ctx, timers, server, clock, settings, peers, env, listener)));
  }

  private CristianSync(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      NodeId server,
      DriftingClock clock,
      Settings settings,
      Peers<Command> peers,
      NodeEnv env,
      ActorRef<? super Upcall> listener) {
    super(ctx);
    this.server = server;
    this.clock = clock;
    this.settings = settings;
    this.peers = peers;
    this.env = env;
    this.listener = listener;
    this.timers = timers;
  }

  private long now() {
    return clock.read(env.clock());
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Sync.class, this::onSync)
        .onMessage(TimeRequest.class, this::onRequest)
        .onMessage(TimeReply.class, this::onReply)
        .onMessage(GetStatus.class, this::onGetStatus)
        .onMessage(SetClock.class, c -> {
          clock = c.clock();
          return this;
        })
        .onMessageEquals(Retry.INSTANCE, this::onRetry)
        .build();
  }

  private Behavior<Command> onSync(Sync s) {
    if (peers.self().equals(server) || taken >= 0) {
      return this; // the server is the reference; a sync under way is not restarted
    }
    round++;
    taken = 0;
    bestDelay = Long.MAX_VALUE;
    ask();
    return this;
  }

  private void ask() {
    peers.tell(server, new TimeRequest(peers.self(), round, taken, now()));
    timers.startSingleTimer(Retry.INSTANCE, settings.retry());
  }

  private Behavior<Command> onRetry() {
    if (taken >= 0) {
      retries++;
      ask();
    }
    return this;
  }

  private Behavior<Command> onRequest(TimeRequest r) {
    long t2 = now();
    long t3 = now(); // no processing time in between here, but the formula does not assume it
    peers.tell(r.from(), new TimeReply(r.round(), r.sample(), r.t1(), t2, t3));
    return this;
  }

  private Behavior<Command> onReply(TimeReply r) {
    long t4 = now();
    if (r.round() != round || r.sample() != taken) {
      return this; // a duplicate or a stale answer
    }
    long offset = Math.floorDiv((r.t2() - r.t1()) + (r.t3() - t4), 2);
    long delay = (t4 - r.t1()) - (r.t3() - r.t2());
    listener.tell(new SampleTaken(peers.self(), taken, offset, delay));
    if (delay < bestDelay) {
      bestDelay = delay;
      bestOffset = offset;
    }
    taken++;
    if (taken < settings.samples()) {
      ask();
      return this;
    }
    taken = -1;
    timers.cancel(Retry.INSTANCE);
    if (settings.applyCorrection()) {
      clock = clock.adjustedBy(bestOffset);
    }
    last =
        new OffsetEstimated(
            peers.self(), bestOffset, bestDelay, Math.max(0, bestDelay) / 2 + 1, settings.applyCorrection());
    listener.tell(last);
    return this;
  }

  private Behavior<Command> onGetStatus(GetStatus q) {
    q.replyTo().tell(new Status(peers.self(), now(), last, taken >= 0, retries));
    return this;
  }
}
