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
import java.util.Objects;
import java.util.TreeSet;

/**
 * The bully algorithm (Garcia-Molina 1982): the highest alive id wins.
 *
 * <p>Model: closed group whose members all know each other, ordered unique ids, crash-stop nodes
 * that may come back with their memory lost, and bounded delay: timeouts tell a crashed node from a
 * slow one. A node that notices the leader is gone holds an election: it sends {@link Election} to
 * every higher node; a live higher node replies {@link Answer} and holds its own election; a node
 * that no higher node answers within {@code answerTimeout} becomes leader and tells the others
 * ({@link Coordinator}). A node that got an answer but no coordinator within {@code
 * coordinatorTimeout} tries again. The winner tells only the lower nodes (the higher ones did not
 * answer). The leader sends {@link Alive} every {@code heartbeat}; a follower
 * that hears nothing for {@code leaderTimeout} holds an election (this is its own failure detector,
 * so one actor per node is the whole protocol). A node that starts (or restarts) listens for one
 * {@code leaderTimeout}: a leader it hears of that is higher than itself it follows; a lower one it
 * bullies by holding an election, so a recovering higher node takes over.
 *
 * <p>Epochs: a new leader takes one more than the highest epoch it has seen; every message carries
 * the sender's epoch. A leader that learns of a newer epoch (a leader elected while it was cut off)
 * announces itself again above it, and a higher node hearing a lower leader bullies it, so after a
 * partition heals the group converges on the highest node.
 *
 * <p>Guarantees, in the model: every live node eventually follows the highest live node (agreement
 * on the bully), and re-election follows a leader's crash or a higher node's return. Not promised:
 * one leader at a time. Timeouts cannot tell a partition from a crash, so each side of a partition
 * elects its own highest node (both lead until the partition heals); a node that crashes during an
 * election can leave two leaders announced in one epoch. Cost per election: N-1 messages at best
 * (the second-highest node notices; or a recovering highest node takes over), O(N^2) at worst (the
 * lowest notices: N^2-N-1 with the highest crashed), plus N-1 heartbeats per interval.
 */
public final class Bully extends AbstractBehavior<Bully.Command> {

  /** Downcalls, wire messages and timers: the protocol's whole vocabulary. */
  public sealed interface Command extends WireMessage
      permits Election, Answer, Coordinator, Alive, HoldElection, GetStatus, Timer {}

  /** Downcall: start an election now, as a node that has just noticed the leader is gone would. */
  public record HoldElection() implements Command {}

  /** Downcall: reply with this node's {@link ElectionStatus}. */
  public record GetStatus(ActorRef<ElectionStatus> replyTo) implements Command {}

  /** How the election family drives this protocol ({@link ElectionProtocol}). */
  public static final ElectionProtocol<Command> ELECTION =
      ElectionProtocol.of(GetStatus::new, HoldElection::new);

  /** {@code from} holds an election and asks the higher nodes whether they are alive. */
  public record Election(NodeId from, long epoch) implements Command {}

  /** {@code from}, a higher node, is alive and takes the election over. */
  public record Answer(NodeId from, long epoch) implements Command {}

  /** {@code leader} has won the election of {@code epoch}. */
  public record Coordinator(NodeId leader, long epoch) implements Command {}

  /** The leader's heartbeat. */
  public record Alive(NodeId leader, long epoch) implements Command {}

  private enum Timer implements Command { LISTENED, NO_ANSWER, NO_COORDINATOR, LEADER_SILENT, HEARTBEAT }

  /**
   * @param heartbeat how often the leader sends {@link Alive}
   * @param leaderTimeout how long a follower waits for the leader's heartbeat before it holds an
   *     election (also how long a starting node listens)
   * @param answerTimeout how long an electing node waits for a higher node's answer
   * @param coordinatorTimeout how long an answered node waits for the coordinator message
   */
  public record Settings(
      Duration heartbeat, Duration leaderTimeout, Duration answerTimeout, Duration coordinatorTimeout) {
    public Settings {
      Objects.requireNonNull(heartbeat, "heartbeat");
      Objects.requireNonNull(leaderTimeout, "leaderTimeout");
      Objects.requireNonNull(answerTimeout, "answerTimeout");
      Objects.requireNonNull(coordinatorTimeout, "coordinatorTimeout");
      if (heartbeat.isZero() || heartbeat.isNegative() || leaderTimeout.compareTo(heartbeat) <= 0
          || answerTimeout.isZero() || answerTimeout.isNegative()
          || coordinatorTimeout.compareTo(answerTimeout) <= 0) {
        throw new IllegalArgumentException("bully needs 0 < heartbeat < leaderTimeout and 0 < answerTimeout "
            + "< coordinatorTimeout, got " + this);
      }
    }
  }

  private enum State { LISTENING, ELECTING, AWAITING_COORDINATOR, FOLLOWER, LEADER }

  public static Behavior<Command> create(
      Peers<Command> peers, Settings settings, ActorRef<LeaderElected> listener) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
        new Bully(ctx, timers, peers, settings, listener)));
  }

  private final TimerScheduler<Command> timers;
  private final Peers<Command> peers;
  private final Settings settings;
  private final ActorRef<LeaderElected> listener;
  private final TreeSet<NodeId> suspects = new TreeSet<>();
  private State state = State.LISTENING;
  private NodeId leader;
  private long epoch;
  private long announcedEpoch = -1;

  private Bully(ActorContext<Command> ctx, TimerScheduler<Command> timers, Peers<Command> peers,
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
        .onMessage(Answer.class, this::onAnswer)
        .onMessage(Coordinator.class, this::onCoordinator)
        .onMessage(Alive.class, this::onAlive)
        .onMessage(HoldElection.class, h -> holdElection())
        .onMessage(GetStatus.class, this::onGetStatus)
        .onMessage(Timer.class, this::onTimer)
        .build();
  }

  private Behavior<Command> onElection(Election e) {
    boolean newerThanMine = e.epoch() > epoch;
    epoch = Math.max(epoch, e.epoch());
    if (e.from().compareTo(self()) >= 0) {
      return this;
    }
    peers.tell(e.from(), new Answer(self(), epoch));
    if (state != State.LEADER) {
      return holdElection();
    }
    if (newerThanMine) {
      return becomeLeader(); // a leader was elected while I was cut off: announce myself above it
    }
    peers.tell(e.from(), new Coordinator(self(), epoch)); // it missed my announcement
    return this;
  }

  private Behavior<Command> onAnswer(Answer a) {
    epoch = Math.max(epoch, a.epoch());
    suspects.remove(a.from());
    if (state == State.ELECTING) {
      state = State.AWAITING_COORDINATOR;
      timers.cancel(Timer.NO_ANSWER);
      timers.startSingleTimer(Timer.NO_COORDINATOR, settings.coordinatorTimeout());
    }
    return this;
  }

  private Behavior<Command> onCoordinator(Coordinator c) {
    suspects.remove(c.leader());
    if (c.leader().compareTo(self()) < 0) {
      epoch = Math.max(epoch, c.epoch());
      return holdElection(); // a lower node claims to lead while I am alive: bully it
    }
    if (c.epoch() < epoch) {
      return holdElection(); // someone led after it: make the higher node announce itself again
    }
    return isAtLeastMyLeader(c.leader(), c.epoch()) ? follow(c.leader(), c.epoch()) : this;
  }

  private Behavior<Command> onAlive(Alive a) {
    suspects.remove(a.leader());
    if (a.leader().equals(leader) && a.epoch() == epoch) {
      if (state == State.FOLLOWER) {
        timers.startSingleTimer(Timer.LEADER_SILENT, settings.leaderTimeout());
      }
      return this;
    }
    if (a.epoch() < epoch && state != State.LISTENING) {
      return this; // a stale leader: the current one's heartbeats will put it right
    }
    epoch = Math.max(epoch, a.epoch());
    if (a.leader().compareTo(self()) < 0) {
      return holdElection(); // a lower node leads while I am alive: bully it
    }
    return isAtLeastMyLeader(a.leader(), a.epoch()) ? follow(a.leader(), epoch) : this;
  }

  /**
   * Whether {@code other}, a higher node, leading in {@code otherEpoch} (not older than mine), should
   * be followed: a newer epoch, or the same one and no leader known, or a leader no higher than it.
   */
  private boolean isAtLeastMyLeader(NodeId other, long otherEpoch) {
    return otherEpoch > epoch || leader == null || state != State.FOLLOWER && state != State.LEADER
        || other.compareTo(leader) >= 0;
  }

  private Behavior<Command> onTimer(Timer t) {
    switch (t) {
      case LISTENED -> {
        if (state == State.LISTENING) {
          return holdElection();
        }
      }
      case NO_ANSWER -> {
        if (state == State.ELECTING) {
          suspects.addAll(peers.members().tailSet(self(), false));
          return becomeLeader();
        }
      }
      case NO_COORDINATOR -> {
        if (state == State.AWAITING_COORDINATOR) {
          state = State.FOLLOWER;
          return holdElection();
        }
      }
      case LEADER_SILENT -> {
        if (state == State.FOLLOWER) {
          suspects.add(leader);
          return holdElection();
        }
      }
      case HEARTBEAT -> {
        if (state == State.LEADER) {
          peers.tellOthers(new Alive(self(), epoch));
        }
      }
    }
    return this;
  }

  private Behavior<Command> holdElection() {
    if (state == State.ELECTING || state == State.AWAITING_COORDINATOR) {
      return this;
    }
    timers.cancel(Timer.LISTENED);
    timers.cancel(Timer.LEADER_SILENT);
    timers.cancel(Timer.HEARTBEAT);
    var higher = peers.members().tailSet(self(), false);
    if (higher.isEmpty()) {
      return becomeLeader();
    }
    state = State.ELECTING;
    higher.forEach(h -> peers.tell(h, new Election(self(), epoch)));
    timers.startSingleTimer(Timer.NO_ANSWER, settings.answerTimeout());
    return this;
  }

  private Behavior<Command> becomeLeader() {
    epoch++;
    state = State.LEADER;
    timers.cancel(Timer.NO_ANSWER);
    timers.cancel(Timer.NO_COORDINATOR);
    timers.cancel(Timer.LEADER_SILENT);
    Coordinator won = new Coordinator(self(), epoch);
    peers.members().headSet(self(), false).forEach(lower -> peers.tell(lower, won)); // higher ones are down
    announce(self());
    timers.startTimerWithFixedDelay(Timer.HEARTBEAT, settings.heartbeat());
    return this;
  }

  private Behavior<Command> follow(NodeId newLeader, long newEpoch) {
    epoch = newEpoch;
    state = State.FOLLOWER;
    timers.cancel(Timer.LISTENED);
    timers.cancel(Timer.NO_ANSWER);
    timers.cancel(Timer.NO_COORDINATOR);
    timers.cancel(Timer.HEARTBEAT);
    timers.startSingleTimer(Timer.LEADER_SILENT, settings.leaderTimeout());
    announce(newLeader);
    return this;
  }

  private void announce(NodeId newLeader) {
    if (!newLeader.equals(leader) || epoch != announcedEpoch) {
      leader = newLeader;
      announcedEpoch = epoch;
      listener.tell(new LeaderElected(self(), newLeader, epoch));
    }
  }

  private Behavior<Command> onGetStatus(GetStatus g) {
    Role role = switch (state) {
      case LEADER -> Role.LEADER;
      case FOLLOWER -> Role.FOLLOWER;
      default -> Role.ELECTING;
    };
    g.replyTo().tell(new ElectionStatus(self(), role, leader, epoch, suspects));
    return this;
  }

  private NodeId self() {
    return peers.self();
  }
}
