package dev.parley.protocols.mutex;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.WireMessage;
import java.time.Duration;
import java.time.Instant;

/**
 * The client side of the centralised {@link LockServer}: what a user's actor talks to on its node.
 *
 * <p>Model: as the server's (links that may lose, delay, duplicate and reorder; clocks synchronised
 * within {@link Settings#clockSkew}). A user sends {@link Acquire} and {@link Release}; the client
 * raises {@link Granted} with the fencing token, {@link Released}, and when things go wrong {@link
 * LeaseExpired} or {@link AcquireTimedOut}.
 *
 * <p>Algorithm: {@code Acquire} sends a {@link LockServer.LockRequest} under a new request id (ids
 * grow with the clock, so a restarted client's requests are newer than its old ones) and repeats it
 * every {@link Settings#retryInterval} until granted, since a request or a grant may be lost; if the
 * server answers a retry that it is done with that request ({@link Served}: its grant was lost and its
 * lease ran out meanwhile), the client asks again under a new id. A grant
 * is used only if it arrives before its lease ends (less the clock skew allowance); the client then
 * holds until {@code Release} or until that moment, when it raises {@link LeaseExpired} and stops
 * holding on its own: the server hands the lock on at the same time by its own clock. A grant for a
 * request the client no longer waits for is given back at once. With {@link Settings#acquireTimeout}
 * a request not granted in time is withdrawn and {@link AcquireTimedOut} raised.
 *
 * <p>Guarantees: with the server's, never two holders while clocks stay within the skew allowance;
 * without contention, 3 messages per entry.
 */
public final class LockClient extends AbstractBehavior<LockClient.Command> {

  /** The user's downcalls, the server's grant, timers and the status query. */
  public sealed interface Command extends WireMessage
      permits Acquire, Release, LockGrant, Served, Retry, LeaseEnd, Deadline, GetStatus {}

  /** Downcall: this node wants the critical section (ignored while it waits or holds already). */
  public record Acquire() implements Command {}

  /** Downcall: this node leaves the critical section (ignored when it does not hold it). */
  public record Release() implements Command {}

  /** How the mutual-exclusion family drives this protocol ({@link MutexProtocol}). */
  public static final MutexProtocol<Command> MUTEX =
      MutexProtocol.of(Acquire::new, Release::new, replyTo -> new GetStatus(replyTo.narrow()));

  /**
   * The server grants the lock for {@code requestId} with fencing {@code token} until {@code
   * leaseUntil} (by the server's clock).
   */
  public record LockGrant(long requestId, long token, Instant leaseUntil) implements Command {}

  /**
   * The server is done with request {@code requestId}: it was granted and its lease is over, or it was
   * withdrawn. A client still waiting for it lost the grant on the way (and the lease ran out before
   * its retry got through): it asks again under a new id.
   */
  public record Served(long requestId) implements Command {}

  /** Time to repeat the request (a timer). */
  public record Retry(long requestId) implements Command {}

  /** The lease of the grant with {@code token} ends now, by this node's clock (a timer). */
  public record LeaseEnd(long token) implements Command {}

  /** The acquire timeout of {@code requestId} is up (a timer). */
  public record Deadline(long requestId) implements Command {}

  /** Asks for the client's {@link Status}. */
  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  /** The client's phase, its current request id, and the token and lease it holds (if any). */
  public record Status(
      NodeId node, MutexPhase phase, long requestId, long token, Instant leaseUntil)
      implements WireMessage {}

  /** Upcall: the request of {@code node} was not granted within the acquire timeout, and withdrawn. */
  public record AcquireTimedOut(NodeId node) implements MutexUpcall {}

  /**
   * Timing of a client.
   *
   * @param retryInterval how often a waiting client repeats its request (covers lost requests and
   *     grants; longer than a round trip, or requests are sent twice)
   * @param acquireTimeout how long to wait for a grant before giving up; zero waits for ever
   * @param clockSkew how far this node's clock may be ahead of the server's: a lease is given up
   *     this much before it ends
   */
  public record Settings(Duration retryInterval, Duration acquireTimeout, Duration clockSkew) {
    public static final Settings DEFAULT =
        new Settings(Duration.ofSeconds(1), Duration.ZERO, Duration.ofMillis(100));

    public Settings {
      if (retryInterval == null || retryInterval.isNegative() || retryInterval.isZero()) {
        throw new IllegalArgumentException("a lock client's retry interval must be positive, got " + retryInterval);
      }
      if (acquireTimeout == null || acquireTimeout.isNegative()) {
        throw new IllegalArgumentException("an acquire timeout must be zero (none) or positive, got " + acquireTimeout);
      }
      if (clockSkew == null || clockSkew.isNegative()) {
        throw new IllegalArgumentException("the clock skew allowance must not be negative, got " + clockSkew);
      }
    }
  }

  private static final String RETRY = "retry";
  private static final String LEASE = "lease";
  private static final String DEADLINE = "deadline";

  private final ActorRef<LockServer.Command> server;
  private final NodeEnv env;
  private final ActorRef<MutexUpcall> listener;
  private final Settings settings;
  private final TimerScheduler<Command> timers;
  private final NodeId self;
  private MutexPhase phase = MutexPhase.IDLE;
  private long requestId;
  private long token;
  private Instant leaseUntil;

  /** A client of {@code server} on the node of {@code env}, reporting to {@code listener}. */
  public static Behavior<Command> create(
      ActorRef<LockServer.Command> server,
      NodeEnv env,
      ActorRef<MutexUpcall> listener,
      Settings settings) {
    return Behaviors.setup(
        ctx -> Behaviors.withTimers(timers -> new LockClient(ctx, timers, server, env, listener, settings)));
  }

  private LockClient(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      ActorRef<LockServer.Command> server,
      NodeEnv env,
      ActorRef<MutexUpcall> listener,
      Settings settings) {
    super(ctx);
    this.timers = timers;
    this.server = server;
    this.env = env;
    this.listener = listener;
    this.settings = settings;
    this.self = env.node();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Acquire.class, this::onAcquire)
        .onMessage(Release.class, this::onRelease)
        .onMessage(LockGrant.class, this::onGrant)
        .onMessage(Served.class, this::onServed)
        .onMessage(Retry.class, this::onRetry)
        .onMessage(LeaseEnd.class, this::onLeaseEnd)
        .onMessage(Deadline.class, this::onDeadline)
        .onMessage(GetStatus.class, this::onGetStatus)
        .build();
  }

  private Behavior<Command> onAcquire(Acquire a) {
    if (phase != MutexPhase.IDLE) {
      return this;
    }
    phase = MutexPhase.WANTED;
    request();
    if (!settings.acquireTimeout().isZero()) {
      timers.startSingleTimer(DEADLINE, new Deadline(requestId), settings.acquireTimeout());
    }
    return this;
  }

  private Behavior<Command> onGrant(LockGrant g) {
    if (phase == MutexPhase.WANTED && g.requestId() == requestId) {
      Instant usableUntil = g.leaseUntil().minus(settings.clockSkew());
      Instant now = env.now();
      if (now.isBefore(usableUntil)) {
        hold(g, Duration.between(now, usableUntil));
      } else {
        server.tell(new LockServer.LockRelease(self, g.requestId(), g.token()));
        request(); // it came too late to use: ask again
      }
    } else if (!(phase == MutexPhase.HELD && g.token() == token)) {
      // not waiting for it: give it back at once (a late copy of a used grant is ignored there)
      server.tell(new LockServer.LockRelease(self, g.requestId(), g.token()));
    }
    return this;
  }

  private void hold(LockGrant g, Duration usable) {
    phase = MutexPhase.HELD;
    token = g.token();
    leaseUntil = g.leaseUntil();
    timers.cancel(RETRY);
    timers.cancel(DEADLINE);
    timers.startSingleTimer(LEASE, new LeaseEnd(token), usable);
    listener.tell(new Granted(self, token));
  }

  private Behavior<Command> onServed(Served s) {
    if (phase == MutexPhase.WANTED && s.requestId() == requestId) {
      request();
    }
    return this;
  }

  private Behavior<Command> onRelease(Release r) {
    if (phase != MutexPhase.HELD) {
      return this;
    }
    server.tell(new LockServer.LockRelease(self, requestId, token));
    timers.cancel(LEASE);
    becomeIdle();
    listener.tell(new Released(self));
    return this;
  }

  private Behavior<Command> onRetry(Retry r) {
    if (phase == MutexPhase.WANTED && r.requestId() == requestId) {
      server.tell(new LockServer.LockRequest(self, requestId));
    }
    return this;
  }

  private Behavior<Command> onLeaseEnd(LeaseEnd e) {
    if (phase == MutexPhase.HELD && e.token() == token) {
      long lost = token;
      becomeIdle();
      listener.tell(new LeaseExpired(self, lost));
      listener.tell(new Released(self));
    }
    return this;
  }

  private Behavior<Command> onDeadline(Deadline d) {
    if (phase == MutexPhase.WANTED && d.requestId() == requestId) {
      server.tell(new LockServer.LockRelease(self, requestId, 0));
      timers.cancel(RETRY);
      becomeIdle();
      listener.tell(new AcquireTimedOut(self));
    }
    return this;
  }

  private Behavior<Command> onGetStatus(GetStatus q) {
    q.replyTo().tell(new Status(self, phase, requestId, token, leaseUntil));
    return this;
  }

  /** Sends a request under a new id, and repeats it until granted. */
  private void request() {
    requestId = Math.max(requestId + 1, micros(env.now()));
    server.tell(new LockServer.LockRequest(self, requestId));
    timers.startTimerWithFixedDelay(RETRY, new Retry(requestId), settings.retryInterval());
  }

  private void becomeIdle() {
    phase = MutexPhase.IDLE;
    token = 0;
    leaseUntil = null;
  }

  private static long micros(Instant t) {
    return t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000;
  }
}
