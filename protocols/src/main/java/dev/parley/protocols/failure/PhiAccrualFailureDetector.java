package dev.parley.protocols.failure;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The phi-accrual failure detector (Hayashibara, Défago, Yared, Katayama 2004), as Akka Cluster and
 * Cassandra use it.
 *
 * <p>Model: as {@link HeartbeatFailureDetector}: closed group, crash-stop nodes, partial synchrony.
 * Every {@code interval} each node sends a {@link Heartbeat} to every other and keeps, per peer, a
 * window of the last inter-arrival times. Instead of a fixed timeout it computes, every interval,
 * phi = -log10(P(a heartbeat arrives later than the silence seen so far)), with the inter-arrival
 * times taken as normally distributed (mean and deviation of the window; deviation at least {@code
 * minStdDeviation}; the mean lengthened by {@code acceptablePause}); a peer whose phi exceeds {@code
 * threshold} is suspected ({@link Suspect}) and restored by its next heartbeat ({@link Restore}).
 * phi = 1 means about a 10% chance that the suspicion is wrong, 2 about 1%, 3 about 0.1%: the
 * detector adapts to the delays it sees. Guarantees: a crashed peer is eventually suspected by
 * every correct node (completeness); accuracy only eventually. Cost: N-1 messages per node per
 * interval. Time is read from the node's clock ({@link NodeEnv}), so it runs in the simulation.
 */
public final class PhiAccrualFailureDetector
    extends AbstractBehavior<PhiAccrualFailureDetector.Command> {

  /** Downcalls, wire messages and timers. */
  public sealed interface Command extends WireMessage permits Heartbeat, GetSuspects, Tick {}

  /** {@code from} is alive; {@code seq} counts its heartbeats (1, 2, 3, ... per incarnation). */
  public record Heartbeat(NodeId from, long seq) implements Command {}

  /** Downcall: reply with whom this node suspects now. */
  public record GetSuspects(ActorRef<DetectorStatus> replyTo) implements Command {}

  /** Time to send heartbeats and judge every peer's phi. */
  private enum Tick implements Command { INSTANCE }

  /**
   * @param interval how often a node sends its heartbeats (and judges its peers)
   * @param threshold the phi above which a peer is suspected (Akka's default is 8)
   * @param minStdDeviation the least deviation assumed, so a very regular peer is not suspected at
   *     its first late heartbeat
   * @param acceptablePause a silence tolerated on top of the mean (a garbage-collection pause)
   * @param window how many inter-arrival times are kept per peer
   */
  public record Settings(
      Duration interval, double threshold, Duration minStdDeviation, Duration acceptablePause, int window) {
    public Settings {
      Objects.requireNonNull(interval, "interval");
      Objects.requireNonNull(minStdDeviation, "minStdDeviation");
      Objects.requireNonNull(acceptablePause, "acceptablePause");
      if (interval.isNegative() || interval.isZero() || !(threshold > 0) || window < 2
          || minStdDeviation.isNegative() || minStdDeviation.isZero() || acceptablePause.isNegative()) {
        throw new IllegalArgumentException(
            "phi accrual needs interval > 0, threshold > 0, minStdDeviation > 0, acceptablePause >= 0 "
                + "and a window of at least 2, got " + this);
      }
    }

    /** Akka Cluster's defaults scaled to {@code interval}: threshold 8, deviation interval/10, no pause. */
    public static Settings of(Duration interval) {
      return new Settings(interval, 8.0, interval.dividedBy(10), Duration.ZERO, 100);
    }
  }

  public static Behavior<Command> create(
      Peers<Command> peers, NodeEnv env, Settings settings, ActorRef<FailureDetectorEvent> listener) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Tick.INSTANCE, Duration.ZERO, settings.interval());
      return new PhiAccrualFailureDetector(ctx, peers, env, settings, listener);
    }));
  }

  private final Peers<Command> peers;
  private final NodeEnv env;
  private final Settings settings;
  private final ActorRef<FailureDetectorEvent> listener;
  private final Map<NodeId, ArrivalWindow> arrivals = new HashMap<>();
  private final TreeSet<NodeId> suspects = new TreeSet<>();
  private long sent;

  private PhiAccrualFailureDetector(ActorContext<Command> ctx, Peers<Command> peers, NodeEnv env,
      Settings settings, ActorRef<FailureDetectorEvent> listener) {
    super(ctx);
    this.peers = peers;
    this.env = env;
    this.settings = settings;
    this.listener = listener;
    long now = nowMillis();
    for (NodeId peer : peers.others()) {
      arrivals.put(peer, new ArrivalWindow(settings, now));
    }
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Heartbeat.class, this::onHeartbeat)
        .onMessage(GetSuspects.class, this::onGetSuspects)
        .onMessageEquals(Tick.INSTANCE, this::onTick)
        .build();
  }

  private Behavior<Command> onTick() {
    peers.tellOthers(new Heartbeat(peers.self(), ++sent));
    long now = nowMillis();
    arrivals.forEach((peer, window) -> {
      if (window.phi(now) > settings.threshold() && suspects.add(peer)) {
        listener.tell(new Suspect(peers.self(), peer));
      }
    });
    return this;
  }

  private Behavior<Command> onHeartbeat(Heartbeat h) {
    ArrivalWindow window = arrivals.get(h.from());
    if (window != null) {
      window.arrived(nowMillis());
    }
    if (suspects.remove(h.from())) {
      listener.tell(new Restore(peers.self(), h.from()));
    }
    return this;
  }

  private Behavior<Command> onGetSuspects(GetSuspects g) {
    g.replyTo().tell(new DetectorStatus(peers.self(), suspects));
    return this;
  }

  private long nowMillis() {
    return env.clock().millis();
  }

  /** One peer's recent inter-arrival times, with their running sum and sum of squares. */
  static final class ArrivalWindow {
    private final ArrayDeque<Long> intervals = new ArrayDeque<>();
    private final Settings settings;
    private long last;
    private double sum;
    private double squares;

    /** Bootstrapped as Akka does: two samples around the expected interval, deviation a quarter of it. */
    ArrivalWindow(Settings settings, long now) {
      this.settings = settings;
      this.last = now;
      long mean = settings.interval().toMillis();
      long deviation = Math.max(1, mean / 4);
      add(mean - deviation);
      add(mean + deviation);
    }

    void arrived(long now) {
      add(now - last);
      last = now;
    }

    private void add(long interval) {
      if (intervals.size() == settings.window()) {
        long old = intervals.removeFirst();
        sum -= old;
        squares -= (double) old * old;
      }
      intervals.addLast(interval);
      sum += interval;
      squares += (double) interval * interval;
    }

    /** phi for a silence from {@code last} to {@code now}: Akka's logistic approximation of the normal CDF. */
    double phi(long now) {
      int n = intervals.size();
      double mean = sum / n + settings.acceptablePause().toMillis();
      double variance = Math.max(0, squares / n - (sum / n) * (sum / n));
      double deviation = Math.max(Math.sqrt(variance), settings.minStdDeviation().toMillis());
      double y = ((now - last) - mean) / deviation;
      double e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
      return (now - last) > mean ? -Math.log10(e / (1.0 + e)) : -Math.log10(1.0 - 1.0 / (1.0 + e));
    }
  }
}
