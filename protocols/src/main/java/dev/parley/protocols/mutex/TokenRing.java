package dev.parley.protocols.mutex;

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

/**
 * Token-ring mutual exclusion, with token-loss detection and regeneration.
 *
 * <p>Model: closed group arranged in a ring by node id, no node failures, bounded delay for the
 * loss timeout to be meaningful; beyond the notes, links that may lose the token (and delay,
 * duplicate or reorder it).
 *
 * <p>Algorithm (the notes'): one token circulates around the ring, each node passing it to its
 * successor; a node that wants the critical section waits for the token and keeps it while inside.
 * The lowest node makes the token at the start. An idle node holds it for {@link Settings#idleHold}
 * before passing it on (continuous circulation when idle). Beyond the notes: the token carries its
 * hop count, one more at every pass, and a node accepts only a token newer than the last it saw.
 * After passing hop h, a node expects the token back within {@link Settings#lossTimeout}; if it does
 * not come, it suspects a loss and sends hop h to its successor again (a regenerated token), until
 * the token comes round. Every node whose timer fires does so, but only the copy sent by the last
 * node to pass the token can be new to its receiver: every other copy names a hop its receiver has
 * already seen and is discarded. So a lost token is detected and exactly one new token is made, and
 * a token that was only slow, not lost, is not doubled: its late original is discarded instead.
 *
 * <p>Guarantees: never two holders (one token, whatever the delays); every request granted while the
 * token circulates; the hop count strictly increases from grant to grant, so it serves as a fencing
 * token. No order of entry (the ring's order). Cost: 1 to N-1 token passes from request to entry
 * ((N-1)/2 on average), plus continuous circulation when idle; a lost token costs one loss timeout.
 */
public final class TokenRing extends AbstractBehavior<TokenRing.Command> {

  /** Downcalls, the token, timers and the status query. */
  public sealed interface Command extends WireMessage
      permits Acquire, Release, Token, PassOn, LossSuspected, GetStatus {}

  /** Downcall: this node wants the critical section (ignored while it waits or holds already). */
  public record Acquire() implements Command {}

  /** Downcall: this node leaves the critical section (ignored when it does not hold it). */
  public record Release() implements Command {}

  /** How the mutual-exclusion family drives this protocol ({@link MutexProtocol}). */
  public static final MutexProtocol<Command> MUTEX =
      MutexProtocol.of(Acquire::new, Release::new, replyTo -> new GetStatus(replyTo.narrow()));

  /** The token on its {@code hop}-th pass; {@code regenerated} when resent after a suspected loss. */
  public record Token(long hop, boolean regenerated) implements Command {}

  /** An idle holder's time to pass the token on (a timer). */
  public record PassOn(long hop) implements Command {}

  /** Hop {@code hop} has not come back round within the loss timeout (a timer). */
  public record LossSuspected(long hop) implements Command {}

  /** Asks for this node's {@link Status}. */
  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  /** A node's phase, whether it has the token, and the last hop it saw. */
  public record Status(NodeId node, MutexPhase phase, boolean holdsToken, long lastHop)
      implements WireMessage {}

  /** Upcall: {@code node} received a regenerated token, new to it: the old one was lost (or late). */
  public record TokenRegenerated(NodeId node, long hop) implements MutexUpcall {}

  /**
   * Timing of the ring.
   *
   * @param idleHold how long an idle node keeps the token before passing it on (zero: at once)
   * @param lossTimeout how long after passing the token a node waits for it to come round before it
   *     regenerates it; longer than a round of the ring with its critical sections, or copies are
   *     made (and discarded) for nothing
   */
  public record Settings(Duration idleHold, Duration lossTimeout) {
    public static final Settings DEFAULT = new Settings(Duration.ofMillis(1), Duration.ofSeconds(5));

    public Settings {
      if (idleHold == null || idleHold.isNegative()) {
        throw new IllegalArgumentException("the idle hold must not be negative, got " + idleHold);
      }
      if (lossTimeout == null || lossTimeout.isNegative() || lossTimeout.isZero()) {
        throw new IllegalArgumentException("the loss timeout must be positive, got " + lossTimeout);
      }
    }
  }

  private static final String PASS = "pass";
  private static final String LOSS = "loss";

  private final Peers<Command> peers;
  private final ActorRef<MutexUpcall> listener;
  private final Settings settings;
  private final TimerScheduler<Command> timers;
  private final NodeId successor;
  private MutexPhase phase = MutexPhase.IDLE;
  private boolean holding;
  private long lastSeen;
  private long lastPassed;

  public static Behavior<Command> create(
      Peers<Command> peers, ActorRef<MutexUpcall> listener, Settings settings) {
    return Behaviors.setup(
        ctx -> Behaviors.withTimers(timers -> new TokenRing(ctx, timers, peers, listener, settings)));
  }

  private TokenRing(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      Peers<Command> peers,
      ActorRef<MutexUpcall> listener,
      Settings settings) {
    super(ctx);
    this.timers = timers;
    this.peers = peers;
    this.listener = listener;
    this.settings = settings;
    this.successor = peers.successor();
    if (peers.self().equals(peers.members().first())) {
      holding = true; // the lowest node makes the first token, hop 1
      lastSeen = 1;
      idle();
    }
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Acquire.class, this::onAcquire)
        .onMessage(Release.class, this::onRelease)
        .onMessage(Token.class, this::onToken)
        .onMessage(PassOn.class, this::onPassOn)
        .onMessage(LossSuspected.class, this::onLossSuspected)
        .onMessage(GetStatus.class, this::onGetStatus)
        .build();
  }

  private Behavior<Command> onAcquire(Acquire a) {
    if (phase != MutexPhase.IDLE) {
      return this;
    }
    phase = MutexPhase.WANTED;
    listener.tell(new Requested(peers.self(), 0));
    if (holding) {
      timers.cancel(PASS);
      enter();
    }
    return this;
  }

  private Behavior<Command> onToken(Token t) {
    if (t.hop() <= lastSeen) {
      return this; // a copy, or an old token regenerated for nothing
    }
    lastSeen = t.hop();
    holding = true;
    timers.cancel(LOSS);
    if (t.regenerated()) {
      listener.tell(new TokenRegenerated(peers.self(), t.hop()));
    }
    if (phase == MutexPhase.WANTED) {
      enter();
    } else {
      idle();
    }
    return this;
  }

  private Behavior<Command> onPassOn(PassOn p) {
    if (holding && phase == MutexPhase.IDLE && p.hop() == lastSeen) {
      pass();
    }
    return this;
  }

  private Behavior<Command> onRelease(Release r) {
    if (phase != MutexPhase.HELD) {
      return this;
    }
    phase = MutexPhase.IDLE;
    listener.tell(new Released(peers.self()));
    pass();
    return this;
  }

  private Behavior<Command> onLossSuspected(LossSuspected s) {
    if (!holding && s.hop() == lastPassed) {
      getContext().getLog().info("token hop {} did not come back: regenerating it", s.hop());
      peers.tell(successor, new Token(s.hop(), true));
      timers.startSingleTimer(LOSS, new LossSuspected(s.hop()), settings.lossTimeout());
    }
    return this;
  }

  private Behavior<Command> onGetStatus(GetStatus q) {
    q.replyTo().tell(new Status(peers.self(), phase, holding, lastSeen));
    return this;
  }

  private void enter() {
    phase = MutexPhase.HELD;
    listener.tell(new Granted(peers.self(), lastSeen));
  }

  /** Holding the token with nothing to do: pass it on after the idle hold. */
  private void idle() {
    if (settings.idleHold().isZero()) {
      pass();
    } else {
      timers.startSingleTimer(PASS, new PassOn(lastSeen), settings.idleHold());
    }
  }

  private void pass() {
    if (peers.size() == 1) {
      return; // alone: the token stays here
    }
    holding = false;
    lastPassed = lastSeen + 1;
    peers.tell(successor, new Token(lastPassed, false));
    timers.startSingleTimer(LOSS, new LossSuspected(lastPassed), settings.lossTimeout());
  }
}
