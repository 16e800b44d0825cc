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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The Berkeley algorithm: a master averages the group's clocks and tells each node how much to
 * adjust.
 *
 * <p>Model: every node reads only its own {@link DriftingClock}; no node's clock is the reference.
 * Fair-loss links with unknown delays that may lose and duplicate messages; nodes may crash; a
 * fixed master (no election here).
 *
 * <p>Algorithm: at each round (a {@link StartRound} downcall, or every {@code period} if set) the
 * master polls every other node, stamping the poll with its clock at sending. A node answers with
 * its clock and the poll's stamp. On an answer the master estimates the node's difference to its own
 * clock at that instant as reading + rtt/2 − now (Cristian's estimate, rtt from the echoed stamp by
 * the master's clock, so an answer to any copy of the poll measures correctly). Polls unanswered
 * after {@code retry} are sent again; answers name their round, so a duplicate or a previous round's
 * answer is ignored. When all have answered, or at {@code roundTimeout} with those that have (a node
 * that cannot be reached is left out of the round and reported missing), it takes the
 * median of the differences (its own is 0), averages those within {@code outlierThreshold} of the
 * median (a fault-tolerant average: a clock far off does not drag the others), and sends each node
 * its adjustment, average − its difference (an amount to add, never an absolute time, so the
 * message's own delay does not matter); outliers are corrected too. The master adjusts itself by
 * the average. An adjustment is resent after {@code retry} until the node acknowledges it (or the
 * next round starts); a node applies each round's adjustment once, so copies change nothing.
 *
 * <p>Guarantees: right after a round the clocks agree within the round-trip uncertainty, each
 * node's estimate being off by at most half its round trip minus the minimum delay (on links with
 * delay in [min, max], the spread is at most max − min), plus drift during the round. Between rounds
 * drift spreads the clocks apart again at up to the difference of the drift rates; periodic rounds
 * bound it. Loss costs retries only; a node missing from a round keeps its clock until a round
 * reaches it. Agreement, not accuracy: the group's average may be far from true time. Cost: 4(N−1)
 * messages per round (poll, answer, adjustment, acknowledgement), plus the retries.
 */
public final class BerkeleySync extends AbstractBehavior<BerkeleySync.Command> {

  /** Downcalls, wire messages, timers and the status query. */
  public sealed interface Command extends WireMessage
      permits StartRound, Poll, Reading, Adjust, Adjusted, GetStatus, Tick, Retry, RoundTimeout, SetClock {}

  /** Downcall at the master: start a round now. */
  public record StartRound() implements Command {}

  /** The master asks for the clock of the receiver, in round {@code round}, at {@code sentAt} by its clock. */
  public record Poll(int round, long sentAt) implements Command {}

  /** Node {@code from}'s clock reading, answering the poll of {@code round} stamped {@code sentAt}. */
  public record Reading(NodeId from, int round, long sentAt, long clock) implements Command {}

  /** Add {@code adjustment} nanoseconds to the receiver's clock (round {@code round}). */
  public record Adjust(int round, long adjustment) implements Command {}

  /** Asks for this node's {@link Status}. */
  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  /** Fault injection (a downcall): this node's clock becomes {@code clock}, as if it had been set wrong. */
  public record SetClock(DriftingClock clock) implements Command {
    public SetClock {
      Objects.requireNonNull(clock, "clock");
    }
  }

  /** The periodic round timer. */
  enum Tick implements Command {
    INSTANCE
  }

  /** The timer resending unanswered polls and unacknowledged adjustments. */
  enum Retry implements Command {
    INSTANCE
  }

  /** The timer ending a round with the answers it has. */
  enum RoundTimeout implements Command {
    INSTANCE
  }

  /**
   * A node's clock, the last round it took part in and, at the master, the differences (node minus
   * master clock, nanoseconds) measured in the last completed round, the nodes left out of its
   * average, the nodes it could not reach, and how many polls and adjustments were resent.
   */
  public record Status(
      NodeId node,
      long clockNanos,
      int round,
      Map<NodeId, Long> offsets,
      List<NodeId> excluded,
      List<NodeId> missing,
      int retries)
      implements WireMessage {}

  /** Upcalls. */
  public sealed interface Upcall extends WireMessage permits Adjusted, RoundCompleted {}

  /**
   * {@code node} added {@code adjustment} nanoseconds to its clock in {@code round}: an upcall, and
   * the acknowledgement a node sends the master.
   */
  public record Adjusted(NodeId node, int round, long adjustment) implements Upcall, Command {}

  /**
   * At the master: the round's measured differences (node minus master) and the round trips they
   * were measured over (each difference is off by at most half of its round trip), the average
   * applied, the nodes whose clocks were left out of it as outliers and those that did not answer in
   * time.
   */
  public record RoundCompleted(
      int round,
      Map<NodeId, Long> offsets,
      Map<NodeId, Long> roundTrips,
      long average,
      List<NodeId> excluded,
      List<NodeId> missing)
      implements Upcall {}

  /**
   * @param outlierThreshold a difference further than this from the median is left out of the
   *     average (still corrected)
   * @param period time between rounds started by the master itself; {@link Duration#ZERO} for rounds
   *     only on {@link StartRound}
   * @param retry how long a poll or an adjustment waits for its answer before it is sent again
   * @param roundTimeout how long a round waits for every node's reading before it goes on without
   *     those missing
   */
  public record Settings(Duration outlierThreshold, Duration period, Duration retry, Duration roundTimeout) {
    public Settings {
      Objects.requireNonNull(outlierThreshold, "outlierThreshold");
      Objects.requireNonNull(period, "period");
      Objects.requireNonNull(retry, "retry");
      Objects.requireNonNull(roundTimeout, "roundTimeout");
      if (retry.isNegative() || retry.isZero() || roundTimeout.compareTo(retry) < 0) {
        throw new IllegalArgumentException("retry must be positive and at most the round timeout, got "
            + retry + " and " + roundTimeout);
      }
      if (outlierThreshold.isNegative() || outlierThreshold.isZero()) {
        throw new IllegalArgumentException(
            "outlier threshold must be positive, got " + outlierThreshold);
      }
      if (period.isNegative()) {
        throw new IllegalArgumentException("period must not be negative, got " + period);
      }
    }

    /** Polls and adjustments resent after 200 ms, a round given 1 s. */
    public Settings(Duration outlierThreshold, Duration period) {
      this(outlierThreshold, period, Duration.ofMillis(200), Duration.ofSeconds(1));
    }
  }

  private final NodeId master;
  private final Settings settings;
  private final Peers<Command> peers;
  private final NodeEnv env;
  private final ActorRef<? super Upcall> listener;
  private final TimerScheduler<Command> timers;
  private DriftingClock clock;
  private int round;
  private int adjustedIn; // the last round whose adjustment this node applied
  private boolean polling; // the master is collecting this round's readings
  private final TreeMap<NodeId, Long> differences = new TreeMap<>();
  private final TreeMap<NodeId, Long> roundTrips = new TreeMap<>();
  private final TreeMap<NodeId, Long> unacknowledged = new TreeMap<>(); // adjustments sent, not yet acknowledged
  private Map<NodeId, Long> lastOffsets = Map.of();
  private List<NodeId> lastExcluded = List.of();
  private List<NodeId> lastMissing = List.of();
  private int retries;

  public static Behavior<Command> create(
      NodeId master,
      DriftingClock clock,
      Settings settings,
      Peers<Command> peers,
      NodeEnv env,
      ActorRef<? super Upcall> listener) {
    Objects.requireNonNull(master, "master");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(settings, "settings");
    if (!peers.contains(master)) {
      throw new IllegalArgumentException("master " + master + " is not in the group " + peers);
    }
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  if (peers.self().equals(master) && !settings.period().isZero()) {
                    timers.startTimerWithFixedDelay(Tick.INSTANCE, settings.period());
                  }
                  return new BerkeleySync(ctx, timers, master, clock, settings, peers, env, listener);
                }));
  }

  private BerkeleySync(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      NodeId master,
      DriftingClock clock,
      Settings settings,
      Peers<Command> peers,
      NodeEnv env,
      ActorRef<? super Upcall> listener) {
    super(ctx);
    this.master = master;
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
        .onMessage(StartRound.class, s -> startRound())
        .onMessageEquals(Tick.INSTANCE, this::startRound)
        .onMessage(Poll.class, this::onPoll)
        .onMessage(Reading.class, this::onReading)
        .onMessage(Adjust.class, this::onAdjust)
        .onMessage(Adjusted.class, this::onAcknowledged)
        .onMessageEquals(Retry.INSTANCE, this::onRetry)
        .onMessageEquals(RoundTimeout.INSTANCE, this::onRoundTimeout)
        .onMessage(GetStatus.class, this::onGetStatus)
        .onMessage(SetClock.class, c -> {
          clock = c.clock();
          return this;
        })
        .build();
  }

  private Behavior<Command> startRound() {
    if (!peers.self().equals(master)) {
      return this;
    }
    round++;
    differences.clear();
    differences.put(master, 0L);
    roundTrips.clear();
    roundTrips.put(master, 0L);
    unacknowledged.clear();
    polling = true;
    peers.tellOthers(new Poll(round, now()));
    timers.startSingleTimer(RoundTimeout.INSTANCE, settings.roundTimeout());
    timers.startTimerWithFixedDelay(Retry.INSTANCE, settings.retry());
    if (differences.size() == peers.size()) {
      complete();
    }
    return this;
  }

  private Behavior<Command> onPoll(Poll p) {
    round = Math.max(round, p.round());
    peers.tell(master, new Reading(peers.self(), p.round(), p.sentAt(), now()));
    return this;
  }

  private Behavior<Command> onReading(Reading r) {
    if (!polling || r.round() != round || differences.containsKey(r.from())) {
      return this; // stale, duplicate or misdirected
    }
    long now = now();
    long rtt = now - r.sentAt();
    differences.put(r.from(), r.clock() + rtt / 2 - now);
    roundTrips.put(r.from(), rtt);
    if (differences.size() == peers.size()) {
      complete();
    }
    return this;
  }

  private Behavior<Command> onRetry() {
    if (polling) {
      for (NodeId node : peers.others()) {
        if (!differences.containsKey(node)) {
          retries++;
          peers.tell(node, new Poll(round, now()));
        }
      }
    } else if (unacknowledged.isEmpty()) {
      timers.cancel(Retry.INSTANCE);
    } else {
      unacknowledged.forEach((node, adjustment) -> {
        retries++;
        peers.tell(node, new Adjust(round, adjustment));
      });
    }
    return this;
  }

  private Behavior<Command> onRoundTimeout() {
    if (polling) {
      complete(); // without the nodes that have not answered
    }
    return this;
  }

  private Behavior<Command> onAcknowledged(Adjusted a) {
    if (a.round() == round) {
      unacknowledged.remove(a.node());
    }
    return this;
  }

  private void complete() {
    polling = false;
    timers.cancel(RoundTimeout.INSTANCE);
    List<NodeId> missing = new ArrayList<>();
    for (NodeId node : peers.members()) {
      if (!differences.containsKey(node)) {
        missing.add(node);
      }
    }
    List<Long> sorted = new ArrayList<>(differences.values());
    sorted.sort(null);
    int n = sorted.size();
    long median =
        n % 2 == 1 ? sorted.get(n / 2) : Math.floorDiv(sorted.get(n / 2 - 1) + sorted.get(n / 2), 2);
    long threshold = settings.outlierThreshold().toNanos();
    long sum = 0;
    int counted = 0;
    List<NodeId> excluded = new ArrayList<>();
    for (Map.Entry<NodeId, Long> e : differences.entrySet()) {
      if (Math.abs(e.getValue() - median) <= threshold) {
        sum += e.getValue();
        counted++;
      } else {
        excluded.add(e.getKey());
      }
    }
    long average = Math.round((double) sum / counted); // the median itself is always counted
    lastOffsets = Map.copyOf(differences);
    lastExcluded = List.copyOf(new TreeSet<>(excluded));
    lastMissing = List.copyOf(missing);
    listener.tell(new RoundCompleted(
        round, new TreeMap<>(differences), new TreeMap<>(roundTrips), average, lastExcluded, lastMissing));
    for (Map.Entry<NodeId, Long> e : differences.entrySet()) {
      long adjustment = average - e.getValue();
      if (e.getKey().equals(master)) {
        applyAdjustment(round, adjustment);
      } else {
        unacknowledged.put(e.getKey(), adjustment);
        peers.tell(e.getKey(), new Adjust(round, adjustment));
      }
    }
    if (unacknowledged.isEmpty()) {
      timers.cancel(Retry.INSTANCE);
    }
  }

  private Behavior<Command> onAdjust(Adjust a) {
    applyAdjustment(a.round(), a.adjustment());
    if (a.round() == adjustedIn) {
      peers.tell(master, new Adjusted(peers.self(), a.round(), a.adjustment()));
    }
    return this;
  }

  private void applyAdjustment(int inRound, long adjustment) {
    if (inRound <= adjustedIn) {
      return; // a copy, or an adjustment overtaken by a later round's
    }
    adjustedIn = inRound;
    clock = clock.adjustedBy(adjustment);
    listener.tell(new Adjusted(peers.self(), inRound, adjustment));
  }

  private Behavior<Command> onGetStatus(GetStatus q) {
    q.replyTo().tell(new Status(peers.self(), now(), round, lastOffsets, lastExcluded, lastMissing, retries));
    return this;
  }
}
