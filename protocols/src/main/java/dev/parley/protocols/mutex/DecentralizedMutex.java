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
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Decentralised mutual exclusion by majority voting: the resource is replicated on N coordinators,
 * one per node, and a node may use it with the votes of more than N/2 of them.
 *
 * <p>Model: closed group; coordinators (nodes) may crash and restart, losing their memory; links
 * that may lose, delay, duplicate and reorder; clocks synchronised within {@link
 * Settings#clockSkew} (votes are leases).
 *
 * <p>Algorithm (the notes'): every node is a coordinator with one vote. A coordinator grants its
 * vote to a requester if it has not granted it to another, and denies it if it has. To enter, a node
 * asks a majority m = N/2+1 of coordinators (itself and m-1 others chosen at random) and enters with
 * all m votes. As the notes warn, requesters can deadlock, each holding part of a majority; so a
 * denial (or no answer within {@link Settings#attemptTimeout}) makes the requester give back its
 * votes (to every coordinator asked that did not deny: a vote may be on its way, or lost) and back
 * off for a random time, doubling its bound after every failure (exponential back-off with
 * jitter), before it asks again; the jitter breaks the symmetry that deadlocks and starves, and {@link BackedOff} makes each failed attempt visible. Beyond the notes: a vote is a
 * lease of {@link Settings#lease}, so a crashed holder's votes free themselves; a holder leaves when
 * its first vote ends (less the clock skew); and a coordinator that has just started denies every
 * request for one lease (a grace period), since it may have granted a vote just before a crash that
 * it no longer remembers: a restarted coordinator cannot hand out a vote twice.
 *
 * <p>Guarantees: never two holders (any two majorities share a coordinator, which votes for one at a
 * time), also across coordinator restarts; every request granted with probability 1 (random
 * back-off); no order of entry. Cost without contention: 3(m-1) messages (requests, votes, returns;
 * a node's own vote is local), the catalogue's "about 3(N/2+1)"; each failed attempt costs up to
 * 3(m-1) more.
 */
public final class DecentralizedMutex extends AbstractBehavior<DecentralizedMutex.Command> {

  /** Downcalls, wire messages, timers and the status query. */
  public sealed interface Command extends WireMessage
      permits Acquire,
          Release,
          VoteRequest,
          Vote,
          ReturnVote,
          AttemptTimedOut,
          Retry,
          LeaseEnd,
          GetStatus {}

  /** Downcall: this node wants the critical section (ignored while it waits or holds already). */
  public record Acquire() implements Command {}

  /** Downcall: this node leaves the critical section (ignored when it does not hold it). */
  public record Release() implements Command {}

  /** How the mutual-exclusion family drives this protocol ({@link MutexProtocol}). */
  public static final MutexProtocol<Command> MUTEX =
      MutexProtocol.of(Acquire::new, Release::new, replyTo -> new GetStatus(replyTo.narrow()));

  /** {@code from} asks for this coordinator's vote for its attempt {@code attempt}. */
  public record VoteRequest(NodeId from, long attempt) implements Command {}

  /** Coordinator {@code from} grants (until {@code until}) or denies its vote for {@code attempt}. */
  public record Vote(NodeId from, long attempt, boolean granted, Instant until) implements Command {}

  /** {@code from} gives back the vote it was granted for {@code attempt}. */
  public record ReturnVote(NodeId from, long attempt) implements Command {}

  /** Attempt {@code attempt} got no full answer in time (a timer). */
  public record AttemptTimedOut(long attempt) implements Command {}

  /** The back-off is over: ask again (a timer). */
  public record Retry() implements Command {}

  /** The votes of attempt {@code attempt} are about to end (a timer). */
  public record LeaseEnd(long attempt) implements Command {}

  /** Asks for this node's {@link Status}. */
  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  /**
   * A node's phase as a requester (its attempt, the majority it asked, the votes it has, its
   * failures so far) and as a coordinator (whom its vote is granted to, if anyone).
   */
  public record Status(
      NodeId node,
      MutexPhase phase,
      long attempt,
      List<NodeId> asked,
      List<NodeId> votes,
      int failures,
      NodeId votedFor)
      implements WireMessage {}

  /** Upcall: {@code node}'s attempt failed for the {@code failures}-th time; it waits {@code backoff}. */
  public record BackedOff(NodeId node, int failures, Duration backoff) implements MutexUpcall {}

  /**
   * Timing of voting.
   *
   * @param lease how long a vote lasts unless given back
   * @param clockSkew how far clocks may differ: a holder leaves this much before its first vote ends
   * @param attemptTimeout how long a requester waits for all the votes it asked for
   * @param backoffBase the first back-off bound; it doubles after every failure
   * @param backoffMax the largest back-off bound
   * @param graceAfterStart whether a starting coordinator denies every request for one lease
   *     (switch off only where coordinators never restart)
   */
  public record Settings(
      Duration lease,
      Duration clockSkew,
      Duration attemptTimeout,
      Duration backoffBase,
      Duration backoffMax,
      boolean graceAfterStart) {
    public static final Settings DEFAULT =
        new Settings(
            Duration.ofSeconds(10),
            Duration.ofMillis(100),
            Duration.ofSeconds(1),
            Duration.ofMillis(5),
            Duration.ofMillis(500),
            true);

    public Settings {
      requirePositive("lease", lease);
      requirePositive("attempt timeout", attemptTimeout);
      requirePositive("back-off base", backoffBase);
      requirePositive("back-off maximum", backoffMax);
      if (clockSkew == null || clockSkew.isNegative() || clockSkew.compareTo(lease) >= 0) {
        throw new IllegalArgumentException(
            "the clock skew allowance must be at least zero and shorter than the lease, got " + clockSkew);
      }
    }

    public Settings withGraceAfterStart(boolean on) {
      return new Settings(lease, clockSkew, attemptTimeout, backoffBase, backoffMax, on);
    }

    private static void requirePositive(String what, Duration d) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("the " + what + " must be positive, got " + d);
      }
    }
  }

  private static final String ATTEMPT = "attempt";
  private static final String RETRY = "retry";
  private static final String LEASE = "lease";

  private final Peers<Command> peers;
  private final NodeEnv env;
  private final ActorRef<MutexUpcall> listener;
  private final Settings settings;
  private final TimerScheduler<Command> timers;
  private final NodeId self;
  private final int majority;

  // as a requester
  private MutexPhase phase = MutexPhase.IDLE;
  private long attempt; // 0 while backing off or idle: votes for no current attempt are returned
  private long lastAttempt;
  private List<NodeId> asked = List.of();
  private final TreeMap<NodeId, Instant> votes = new TreeMap<>();
  private final Set<NodeId> denied = new TreeSet<>();
  private int failures;

  // as a coordinator
  private NodeId votedFor;
  private long votedAttempt;
  private Instant voteUntil;
  private final Instant graceUntil;

  public static Behavior<Command> create(
      Peers<Command> peers, NodeEnv env, ActorRef<MutexUpcall> listener, Settings settings) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> new DecentralizedMutex(ctx, timers, peers, env, listener, settings)));
  }

  private DecentralizedMutex(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      Peers<Command> peers,
      NodeEnv env,
      ActorRef<MutexUpcall> listener,
      Settings settings) {
    super(ctx);
    this.timers = timers;
    this.peers = peers;
    this.env = env;
    this.listener = listener;
    this.settings = settings;
    this.self = peers.self();
    this.majority = peers.size() / 2 + 1;
    this.graceUntil = settings.graceAfterStart() ? env.now().plus(settings.lease()) : null;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Acquire.class, this::onAcquire)
        .onMessage(Release.class, this::onRelease)
        .onMessage(VoteRequest.class, this::onVoteRequest)
        .onMessage(Vote.class, this::onVote)
        .onMessage(ReturnVote.class, this::onReturnVote)
        .onMessage(AttemptTimedOut.class, this::onAttemptTimedOut)
        .onMessage(Retry.class, this::onRetry)
        .onMessage(LeaseEnd.class, this::onLeaseEnd)
        .onMessage(GetStatus.class, this::onGetStatus)
        .build();
  }

  // ------------------------------------------------------------------ requester

  private Behavior<Command> onAcquire(Acquire a) {
    if (phase != MutexPhase.IDLE) {
      return this;
    }
    phase = MutexPhase.WANTED;
    failures = 0;
    listener.tell(new Requested(self, 0));
    startAttempt();
    return this;
  }

  private void startAttempt() {
    Instant now = env.now();
    attempt = Math.max(lastAttempt + 1, now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000);
    lastAttempt = attempt;
    List<NodeId> others = new ArrayList<>(peers.others());
    Collections.shuffle(others, env.random());
    List<NodeId> chosen = new ArrayList<>(others.subList(0, majority - 1));
    chosen.add(self);
    asked = List.copyOf(chosen);
    votes.clear();
    denied.clear();
    for (NodeId coordinator : asked) {
      send(coordinator, new VoteRequest(self, attempt));
    }
    timers.startSingleTimer(ATTEMPT, new AttemptTimedOut(attempt), settings.attemptTimeout());
  }

  private Behavior<Command> onVote(Vote v) {
    if (v.attempt() != attempt || phase == MutexPhase.IDLE) {
      if (v.granted()) {
        send(v.from(), new ReturnVote(self, v.attempt())); // for an attempt given up
      }
      return this;
    }
    if (phase == MutexPhase.HELD) {
      return this; // a copy
    }
    if (!v.granted()) {
      denied.add(v.from());
      backOff();
      return this;
    }
    votes.put(v.from(), v.until());
    if (votes.keySet().containsAll(asked)) {
      enter();
    }
    return this;
  }

  private void enter() {
    Instant until = Collections.min(votes.values()).minus(settings.clockSkew());
    Instant now = env.now();
    if (!now.isBefore(until)) {
      backOff(); // the votes are ending already
      return;
    }
    phase = MutexPhase.HELD;
    timers.cancel(ATTEMPT);
    timers.startSingleTimer(LEASE, new LeaseEnd(attempt), Duration.between(now, until));
    listener.tell(new Granted(self, 0));
  }

  /**
   * Gives back the votes of this attempt, also to the coordinators that have not answered (their
   * vote may be on its way, or lost), and waits a random time before the next attempt.
   */
  private void backOff() {
    timers.cancel(ATTEMPT);
    for (NodeId coordinator : asked) {
      if (!denied.contains(coordinator)) {
        send(coordinator, new ReturnVote(self, attempt));
      }
    }
    votes.clear();
    attempt = 0;
    failures++;
    long bound =
        Math.min(
            settings.backoffMax().toNanos(),
            settings.backoffBase().toNanos() << Math.min(failures - 1, 30));
    Duration wait = Duration.ofNanos(bound / 2 + (long) (env.random().nextDouble() * (bound / 2)));
    listener.tell(new BackedOff(self, failures, wait));
    timers.startSingleTimer(RETRY, new Retry(), wait);
  }

  private Behavior<Command> onAttemptTimedOut(AttemptTimedOut t) {
    if (phase == MutexPhase.WANTED && t.attempt() == attempt) {
      backOff();
    }
    return this;
  }

  private Behavior<Command> onRetry(Retry r) {
    if (phase == MutexPhase.WANTED && attempt == 0) {
      startAttempt();
    }
    return this;
  }

  private Behavior<Command> onRelease(Release r) {
    if (phase != MutexPhase.HELD) {
      return this;
    }
    for (NodeId coordinator : asked) {
      send(coordinator, new ReturnVote(self, attempt));
    }
    leave();
    listener.tell(new Released(self));
    return this;
  }

  private Behavior<Command> onLeaseEnd(LeaseEnd e) {
    if (phase == MutexPhase.HELD && e.attempt() == attempt) {
      leave(); // the votes end on their own
      listener.tell(new LeaseExpired(self, 0));
      listener.tell(new Released(self));
    }
    return this;
  }

  private void leave() {
    timers.cancel(LEASE);
    phase = MutexPhase.IDLE;
    attempt = 0;
    votes.clear();
  }

  // ------------------------------------------------------------------ coordinator

  private Behavior<Command> onVoteRequest(VoteRequest r) {
    Instant now = env.now();
    boolean inGrace = graceUntil != null && now.isBefore(graceUntil);
    boolean free = votedFor == null || !now.isBefore(voteUntil);
    boolean sameRequester = r.from().equals(votedFor) && r.attempt() >= votedAttempt;
    if (inGrace || !(free || sameRequester)) {
      send(r.from(), new Vote(self, r.attempt(), false, null));
      return this;
    }
    if (free || r.attempt() > votedAttempt) {
      votedFor = r.from();
      votedAttempt = r.attempt();
      voteUntil = now.plus(settings.lease());
    }
    send(r.from(), new Vote(self, r.attempt(), true, voteUntil)); // a copy gets the same vote
    return this;
  }

  private Behavior<Command> onReturnVote(ReturnVote r) {
    if (r.from().equals(votedFor) && r.attempt() == votedAttempt) {
      votedFor = null;
      voteUntil = null;
    }
    return this;
  }

  private Behavior<Command> onGetStatus(GetStatus q) {
    Instant now = env.now();
    NodeId voted = votedFor != null && now.isBefore(voteUntil) ? votedFor : null;
    q.replyTo()
        .tell(
            new Status(
                self, phase, attempt, asked, List.copyOf(votes.keySet()), failures, voted));
    return this;
  }

  private void send(NodeId to, Command message) {
    if (to.equals(self)) {
      getContext().getSelf().tell(message);
    } else {
      peers.tell(to, message);
    }
  }
}
