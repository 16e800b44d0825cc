package dev.parley.protocols.election;

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
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Ring election (Chang and Roberts 1979), skipping crashed successors and retrying.
 *
 * <p>Model: the members form a logical ring in id order (each knows them all); ordered unique ids;
 * crash-stop nodes that may come back; bounded delay. A node that notices the leader is gone marks
 * itself a participant and passes {@link Election} carrying its id to its successor. A node passes on
 * a higher candidate; replaces a lower one by itself if it is not yet a participant (and drops it if
 * it is: the id filter); and a node that receives its own id has the highest id on the ring: it
 * passes {@link Elected} around, and every node that it reaches follows it. Each hop is acknowledged
 * ({@link Ack}): a successor that does not acknowledge within {@code ackTimeout} is taken as crashed
 * and skipped, the message going to the next node round the ring; a node passes every later message
 * of the round straight past the successors it suspects (the leader found silent, the hops that timed
 * out), and forgets its suspicions when a new round starts, so a node that came back is tried again.
 * A token whose candidate is skipped would go round and be dropped at the first node that already
 * passed it on, and the election would wait for {@code electionTimeout}: a token names the nodes it
 * skipped in its {@code down}, a node that skips the token's candidate puts itself forward instead,
 * and a node whose highest candidate passed on is named down forgets it. A participant that sees no
 * result within {@code electionTimeout} (the token died with a node) starts over. The leader sends
 * {@link Alive} every {@code heartbeat}; a follower that hears nothing for {@code leaderTimeout}
 * starts an election. A starting node listens for one {@code leaderTimeout} and follows the leader it
 * hears.
 *
 * <p>The election token also carries the highest epoch seen by the nodes it passed, so the winner's
 * epoch, one more, is above every epoch its ring knows. Guarantees: with one initiator and no crash
 * during the election, the highest live id wins and every live node is told (one leader, everyone
 * told); with crashes, retries lead to the highest live id among the nodes then on the ring. Not
 * promised: a leader chosen once and for all (a recovering higher node follows the current leader),
 * nor one leader per epoch when a node crashes mid-election. Cost per election with one initiator: at
 * most 3N-1 ring messages (N-1 to reach the highest node, N for its id to go round, N for the
 * result), each with its acknowledgement, plus N-1 heartbeats per interval; each crashed node costs
 * one {@code ackTimeout} and one resend per node that had it as its next hop in the round.
 */
public final class RingElection extends AbstractBehavior<RingElection.Command> {

  /** Downcalls, wire messages and timers: the protocol's whole vocabulary. */
  public sealed interface Command extends WireMessage
      permits RingElection.RingMessage, Ack, Alive, HoldElection, GetStatus, AckTimeout, Timer {}

  /** Downcall: start an election now, as a node that has just noticed the leader is gone would. */
  public record HoldElection() implements Command {}

  /** Downcall: reply with this node's {@link ElectionStatus}. */
  public record GetStatus(ActorRef<ElectionStatus> replyTo) implements Command {}

  /** How the election family drives this protocol ({@link ElectionProtocol}). */
  public static final ElectionProtocol<Command> ELECTION =
      ElectionProtocol.of(GetStatus::new, HoldElection::new);

  /** A ring message: sent by {@code from} as its {@code hop}-th, acknowledged by the receiver. */
  public sealed interface RingMessage extends Command permits Election, Elected {
    NodeId from();

    long hop();
  }

  /**
   * The election token: {@code candidate} is the highest id seen so far; {@code epoch} the highest
   * epoch; {@code down} the nodes skipped as crashed on the way (none from a node of before this
   * field, which sends none: a ring can be upgraded node by node).
   */
  public record Election(NodeId from, long hop, NodeId candidate, long epoch, SortedSet<NodeId> down)
      implements RingMessage {
    public Election {
      down = down == null ? Collections.emptySortedSet() : Collections.unmodifiableSortedSet(new TreeSet<>(down));
    }
  }

  /** The result going round: {@code leader} won, in {@code epoch}. */
  public record Elected(NodeId from, long hop, NodeId leader, long epoch) implements RingMessage {}

  /** {@code from} received the sender's hop number {@code hop}. */
  public record Ack(NodeId from, long hop) implements Command {}

  /** The leader's heartbeat. */
  public record Alive(NodeId leader, long epoch) implements Command {}

  /** The successor did not acknowledge hop {@code hop}. */
  private record AckTimeout(long hop) implements Command {}

  private enum Timer implements Command { LISTENED, LEADER_SILENT, NO_RESULT, HEARTBEAT }

  /**
   * @param heartbeat how often the leader sends {@link Alive}
   * @param leaderTimeout how long a follower waits for a heartbeat (and a starting node listens)
   * @param ackTimeout how long a node waits for its successor's acknowledgement before skipping it
   * @param electionTimeout how long a participant waits for the result before starting over
   */
  public record Settings(
      Duration heartbeat, Duration leaderTimeout, Duration ackTimeout, Duration electionTimeout) {
    public Settings {
      Objects.requireNonNull(heartbeat, "heartbeat");
      Objects.requireNonNull(leaderTimeout, "leaderTimeout");
      Objects.requireNonNull(ackTimeout, "ackTimeout");
      Objects.requireNonNull(electionTimeout, "electionTimeout");
      if (heartbeat.isZero() || heartbeat.isNegative() || leaderTimeout.compareTo(heartbeat) <= 0
          || ackTimeout.isZero() || ackTimeout.isNegative() || electionTimeout.compareTo(ackTimeout) <= 0) {
        throw new IllegalArgumentException("a ring election needs 0 < heartbeat < leaderTimeout and "
            + "0 < ackTimeout < electionTimeout, got " + this);
      }
    }
  }

  private record InFlight(RingMessage message, NodeId to) {}

  public static Behavior<Command> create(
      Peers<Command> peers, Settings settings, ActorRef<LeaderElected> listener) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
        new RingElection(ctx, timers, peers, settings, listener)));
  }

  private final TimerScheduler<Command> timers;
  private final Peers<Command> peers;
  private final Settings settings;
  private final ActorRef<LeaderElected> listener;
  private final Map<Long, InFlight> unacknowledged = new HashMap<>();
  private final TreeSet<NodeId> suspects = new TreeSet<>();
  private boolean listening = true;
  private boolean participant;
  private NodeId leader;
  private long epoch;
  private long hops;
  private NodeId highestPassed;
  private long resultPassed = -1;
  private NodeId announcedLeader;
  private long announcedEpoch = -1;

  private RingElection(ActorContext<Command> ctx, TimerScheduler<Command> timers, Peers<Command> peers,
      Settings settings, ActorRef<LeaderElected> listener) {
    super(ctx);
    this.timers = timers;
    this.peers = peers;
    this.settings = settings;
    this.listener = listener;
    timers.startSingleTimer(Timer.LISTENED, settings.leaderTimeout());
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Election.class, this::onElection)
        .onMessage(Elected.class, this::onElected)
        .onMessage(Ack.class, this::onAck)
        .onMessage(AckTimeout.class, this::onAckTimeout)
        .onMessage(Alive.class, this::onAlive)
        .onMessage(HoldElection.class, h -> holdElection())
        .onMessage(GetStatus.class, this::onGetStatus)
        .onMessage(Timer.class, this::onTimer)
        .build();
  }

  private Behavior<Command> holdElection() {
    listening = false;
    participant = true;
    highestPassed = null;
    leader = null;
    timers.cancel(Timer.LISTENED);
    timers.cancel(Timer.LEADER_SILENT);
    timers.cancel(Timer.HEARTBEAT);
    timers.startSingleTimer(Timer.NO_RESULT, settings.electionTimeout());
    pass(new Election(self(), 0, self(), epoch, Collections.emptySortedSet()));
    return this;
  }

  private Behavior<Command> onElection(Election e) {
    acknowledge(e);
    heardFrom(e.from());
    if (e.epoch() < epoch && !participant && leader != null) {
      return this; // a late token of an election already decided
    }
    epoch = Math.max(epoch, e.epoch());
    boolean forgotten = highestPassed != null && e.down().contains(highestPassed);
    if (forgotten) {
      highestPassed = null; // the candidate this node passed on was skipped as crashed
    }
    int c = e.candidate().compareTo(self());
    if (c == 0) {
      return participant ? won() : this; // a copy of my token that came round again
    }
    if (c > 0 && (highestPassed == null || e.candidate().compareTo(highestPassed) > 0)) {
      markParticipant();
      highestPassed = e.candidate();
      pass(new Election(self(), 0, e.candidate(), epoch, e.down()));
    } else if (c < 0 && (!participant || forgotten)) {
      markParticipant();
      pass(new Election(self(), 0, self(), epoch, e.down()));
    }
    return this; // a lower candidate while participating, or a copy of a token already passed on
  }

  private void markParticipant() {
    if (!participant) {
      suspects.clear(); // a new round: try every node again
    }
    listening = false;
    participant = true;
    timers.cancel(Timer.LISTENED);
    timers.startSingleTimer(Timer.NO_RESULT, settings.electionTimeout());
  }

  private Behavior<Command> won() {
    epoch++;
    participant = false;
    highestPassed = null;
    resultPassed = epoch;
    timers.cancel(Timer.NO_RESULT);
    timers.cancel(Timer.LEADER_SILENT);
    announce(self());
    pass(new Elected(self(), 0, self(), epoch));
    timers.startTimerWithFixedDelay(Timer.HEARTBEAT, settings.heartbeat());
    return this;
  }

  private Behavior<Command> onElected(Elected e) {
    acknowledge(e);
    heardFrom(e.from());
    if (e.leader().equals(self()) || e.epoch() < epoch || e.epoch() <= resultPassed) {
      return this; // the result came round, or is stale, or is a copy already passed on
    }
    epoch = e.epoch();
    resultPassed = e.epoch();
    follow(e.leader());
    pass(new Elected(self(), 0, e.leader(), e.epoch()));
    return this;
  }

  private Behavior<Command> onAlive(Alive a) {
    heardFrom(a.leader());
    if (a.epoch() < epoch) {
      return this; // a stale leader
    }
    if (a.leader().equals(leader) && a.epoch() == epoch && !listening) {
      timers.startSingleTimer(Timer.LEADER_SILENT, settings.leaderTimeout());
      return this;
    }
    if (!participant || a.epoch() > epoch) { // a newer result than any my election has seen
      epoch = a.epoch();
      follow(a.leader());
    }
    return this;
  }

  private void follow(NodeId newLeader) {
    listening = false;
    participant = false;
    highestPassed = null;
    suspects.remove(newLeader);
    timers.cancel(Timer.LISTENED);
    timers.cancel(Timer.NO_RESULT);
    timers.cancel(Timer.HEARTBEAT);
    timers.startSingleTimer(Timer.LEADER_SILENT, settings.leaderTimeout());
    announce(newLeader);
  }

  private void announce(NodeId newLeader) {
    if (!newLeader.equals(announcedLeader) || epoch != announcedEpoch) {
      announcedLeader = newLeader;
      announcedEpoch = epoch;
      listener.tell(new LeaderElected(self(), newLeader, epoch));
    }
    leader = newLeader;
  }

  private Behavior<Command> onTimer(Timer t) {
    switch (t) {
      case LISTENED, LEADER_SILENT, NO_RESULT -> {
        suspects.clear(); // a new round: try every node again, but the leader just found silent
        if (t == Timer.LEADER_SILENT && leader != null) {
          suspects.add(leader);
        }
        participant = false;
        return holdElection();
      }
      case HEARTBEAT -> {
        if (self().equals(leader)) {
          peers.tellOthers(new Alive(self(), epoch));
        }
      }
    }
    return this;
  }

  // ---------------------------------------------------------------- hops round the ring

  /**
   * Sends {@code m} to the first successor not suspected, as this node's next hop, awaiting its
   * acknowledgement. A token names the nodes it skipped as down; one whose candidate is among them
   * puts this node forward instead.
   */
  private void pass(RingMessage m) {
    NodeId to = peers.successor();
    TreeSet<NodeId> skipped = new TreeSet<>();
    while (suspects.contains(to) && !to.equals(self())) {
      skipped.add(to);
      NodeId next = peers.members().higher(to);
      to = next != null ? next : peers.members().first();
    }
    if (m instanceof Election e && !skipped.isEmpty()) {
      skipped.addAll(e.down());
      if (skipped.contains(e.candidate())) {
        highestPassed = null;
        m = new Election(self(), 0, self(), e.epoch(), skipped);
      } else {
        m = new Election(self(), 0, e.candidate(), e.epoch(), skipped);
      }
    }
    sendTo(to, m);
  }

  private void sendTo(NodeId to, RingMessage m) {
    long hop = ++hops;
    RingMessage numbered = m instanceof Election e
        ? new Election(self(), hop, e.candidate(), e.epoch(), e.down())
        : new Elected(self(), hop, ((Elected) m).leader(), ((Elected) m).epoch());
    if (to.equals(self())) {
      getContext().getSelf().tell(numbered); // alone on the ring
      return;
    }
    unacknowledged.put(hop, new InFlight(numbered, to));
    peers.tell(to, numbered);
    timers.startSingleTimer(hop, new AckTimeout(hop), settings.ackTimeout());
  }

  private void acknowledge(RingMessage m) {
    if (!m.from().equals(self())) {
      peers.tell(m.from(), new Ack(self(), m.hop()));
    }
  }

  private Behavior<Command> onAck(Ack a) {
    if (unacknowledged.remove(a.hop()) != null) {
      timers.cancel(a.hop());
    }
    heardFrom(a.from());
    return this;
  }

  private Behavior<Command> onAckTimeout(AckTimeout t) {
    InFlight lost = unacknowledged.remove(t.hop());
    if (lost != null) {
      suspects.add(lost.to());
      pass(lost.message());
    }
    return this;
  }

  /** A node that sent something is up: no longer skipped. */
  private void heardFrom(NodeId node) {
    suspects.remove(node);
  }

  private Behavior<Command> onGetStatus(GetStatus g) {
    Role role = leader == null ? Role.ELECTING : leader.equals(self()) ? Role.LEADER : Role.FOLLOWER;
    g.replyTo().tell(new ElectionStatus(self(), role, leader, epoch, suspects));
    return this;
  }

  private NodeId self() {
    return peers.self();
  }
}
