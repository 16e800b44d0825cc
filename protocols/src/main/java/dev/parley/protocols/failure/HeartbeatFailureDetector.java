package dev.parley.protocols.failure;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;
import java.time.Duration;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Heartbeat failure detector with a fixed timeout.
 *
 * <p>Model: closed group, crash-stop (or crash-recovery) nodes, partial synchrony: links that may
 * lose and delay messages, with delays usually below the timeout. Every {@code interval} each node
 * sends a {@link Heartbeat} to every other; a peer not heard from for {@code timeout} is suspected
 * ({@link Suspect}), and restored ({@link Restore}) at its next heartbeat. Guarantees: strong
 * completeness: a crashed peer is suspected by every correct node within {@code timeout} of the
 * last heartbeat that reached it, so within {@code interval + timeout + delay} of the crash.
 * Accuracy only eventually: a heartbeat delayed or lost for longer than {@code timeout} causes a
 * false suspicion, undone by the next one that arrives (its rate under delay is reported by
 * {@code FailureDetectorSpec}). Cost: N-1 messages per node per interval, N(N-1) for the group.
 */
public final class HeartbeatFailureDetector extends AbstractBehavior<HeartbeatFailureDetector.Command> {

  /** Downcalls, wire messages and timers. */
  public sealed interface Command extends WireMessage permits Heartbeat, GetSuspects, Tick, Silent {}

  /** {@code from} is alive; {@code seq} counts its heartbeats (1, 2, 3, ... per incarnation). */
  public record Heartbeat(NodeId from, long seq) implements Command {}

  /** Downcall: reply with whom this node suspects now. */
  public record GetSuspects(ActorRef<DetectorStatus> replyTo) implements Command {}

  /** Time to send a heartbeat round. */
  private enum Tick implements Command { INSTANCE }

  /** Nothing heard from {@code peer} for the timeout. */
  private record Silent(NodeId peer) implements Command {}

  /**
   * @param interval how often a node sends its heartbeats
   * @param timeout how long a peer may stay silent before it is suspected
   */
  public record Settings(Duration interval, Duration timeout) {
    public Settings {
      Objects.requireNonNull(interval, "interval");
      Objects.requireNonNull(timeout, "timeout");
      if (interval.isNegative() || interval.isZero() || timeout.compareTo(interval) <= 0) {
        throw new IllegalArgumentException("a heartbeat detector needs 0 < interval < timeout, got interval "
            + interval.toMillis() + " ms, timeout " + timeout.toMillis() + " ms");
      }
    }
  }

  public static Behavior<Command> create(
      Peers<Command> peers, Settings settings, ActorRef<FailureDetectorEvent> listener) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
        new HeartbeatFailureDetector(ctx, timers, peers, settings, listener)));
  }

  private final TimerScheduler<Command> timers;
  private final Peers<Command> peers;
  private final Settings settings;
  private final ActorRef<FailureDetectorEvent> listener;
  private final TreeSet<NodeId> suspects = new TreeSet<>();
  private long sent;

  private HeartbeatFailureDetector(ActorContext<Command> ctx, TimerScheduler<Command> timers,
      Peers<Command> peers, Settings settings, ActorRef<FailureDetectorEvent> listener) {
    super(ctx);
    this.timers = timers;
    this.peers = peers;
    this.settings = settings;
    this.listener = listener;
    peers.others().forEach(this::expectWithinTimeout);
    timers.startTimerWithFixedDelay(Tick.INSTANCE, Duration.ZERO, settings.interval());
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Heartbeat.class, this::onHeartbeat)
        .onMessage(Silent.class, this::onSilent)
        .onMessage(GetSuspects.class, this::onGetSuspects)
        .onMessageEquals(Tick.INSTANCE, this::onTick)
        .build();
  }

  private Behavior<Command> onTick() {
    peers.tellOthers(new Heartbeat(peers.self(), ++sent));
    return this;
  }

  private Behavior<Command> onHeartbeat(Heartbeat h) {
    expectWithinTimeout(h.from());
    if (suspects.remove(h.from())) {
      listener.tell(new Restore(peers.self(), h.from()));
    }
    return this;
  }

  private Behavior<Command> onSilent(Silent s) {
    if (suspects.add(s.peer())) {
      listener.tell(new Suspect(peers.self(), s.peer()));
    }
    return this;
  }

  private Behavior<Command> onGetSuspects(GetSuspects g) {
    g.replyTo().tell(new DetectorStatus(peers.self(), suspects));
    return this;
  }

  private void expectWithinTimeout(NodeId peer) {
    timers.startSingleTimer(peer, new Silent(peer), settings.timeout());
  }
}
