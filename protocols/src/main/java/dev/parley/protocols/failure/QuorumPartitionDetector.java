package dev.parley.protocols.failure;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;
import java.time.Duration;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/**
 * Partition detection by quorum (the notes, "Partition failure"): periodically ping all N nodes,
 * count the responses R, and halt or go read-only when R <= floor(N/2).
 *
 * <p>Model: closed group of N, links that may be cut by partitions (and lose or delay messages),
 * crash-stop nodes. Every {@code interval} each node sends {@link Ping} to the N-1 others; each
 * answers {@link Pong}. At the end of the interval R is 1 (the node answers itself) plus the pongs
 * of that round. When R <= floor(N/2) the node is on a minority side (or too many nodes are down)
 * and raises {@link MajorityLost}; when R climbs above floor(N/2) again it raises {@link
 * MajorityRegained}. Protocols that must not serve writes without a majority (replication, the lock
 * server) listen to these upcalls. Guarantees: a node cut off from a majority for a whole interval
 * raises MajorityLost at the end of it, so at most one side of any partition keeps its majority
 * (two sides above N/2 would overlap); a node on the majority side keeps it as long as pongs come
 * back within an interval. Counting itself is what makes the rule work: with N = 5, a side of 3 has
 * R = 3 > 2 and a side of 2 has R = 2 <= 2. Cost: 2(N-1) messages per node per interval.
 */
public final class QuorumPartitionDetector extends AbstractBehavior<QuorumPartitionDetector.Command> {

  /** Downcalls, wire messages and timers. */
  public sealed interface Command extends WireMessage permits Ping, Pong, GetQuorum, Tick {}

  /** Are you there? ({@code round} is the sender's interval count.) */
  public record Ping(NodeId from, long round) implements Command {}

  /** {@code from} answers the ping of round {@code round}. */
  public record Pong(NodeId from, long round) implements Command {}

  /** Downcall: reply with this node's view of the quorum. */
  public record GetQuorum(ActorRef<QuorumStatus> replyTo) implements Command {}

  /** Time to count the last round's replies and ping again. */
  private enum Tick implements Command { INSTANCE }

  /** The upcalls: a node lost or regained a majority. */
  public sealed interface QuorumChange extends WireMessage permits MajorityLost, MajorityRegained {
    NodeId node();
  }

  /** Upcall: only {@code replies} of {@code size} nodes answered (itself included): stop serving writes. */
  public record MajorityLost(NodeId node, int replies, int size) implements QuorumChange {}

  /** Upcall: {@code replies} of {@code size} nodes answer again (itself included), a majority. */
  public record MajorityRegained(NodeId node, int replies, int size) implements QuorumChange {}

  /** A node's view: whether it has a majority, and the replies of the last completed round. */
  public record QuorumStatus(NodeId node, boolean majority, int replies, int size) implements WireMessage {}

  public static Behavior<Command> create(
      Peers<Command> peers, Duration interval, ActorRef<QuorumChange> listener) {
    Objects.requireNonNull(interval, "interval");
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("the ping interval must be positive, got " + interval.toMillis() + " ms");
    }
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Tick.INSTANCE, Duration.ZERO, interval);
      return new QuorumPartitionDetector(ctx, peers, listener);
    }));
  }

  /** R > floor(N/2): a majority of {@code size} nodes. */
  public static boolean isMajority(int replies, int size) {
    return replies > size / 2;
  }

  private final Peers<Command> peers;
  private final ActorRef<QuorumChange> listener;
  private final Set<NodeId> replied = new HashSet<>();
  private long round;
  private boolean majority = true;
  private int lastReplies;

  private QuorumPartitionDetector(
      ActorContext<Command> ctx, Peers<Command> peers, ActorRef<QuorumChange> listener) {
    super(ctx);
    this.peers = peers;
    this.listener = listener;
    this.lastReplies = peers.size();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Ping.class, this::onPing)
        .onMessage(Pong.class, this::onPong)
        .onMessage(GetQuorum.class, this::onGetQuorum)
        .onMessageEquals(Tick.INSTANCE, this::onTick)
        .build();
  }

  private Behavior<Command> onTick() {
    if (round > 0) {
      count(1 + replied.size());
    }
    replied.clear();
    round++;
    peers.tellOthers(new Ping(peers.self(), round));
    return this;
  }

  private void count(int replies) {
    lastReplies = replies;
    int n = peers.size();
    boolean now = isMajority(replies, n);
    if (majority && !now) {
      listener.tell(new MajorityLost(peers.self(), replies, n));
    } else if (!majority && now) {
      listener.tell(new MajorityRegained(peers.self(), replies, n));
    }
    majority = now;
  }

  private Behavior<Command> onPing(Ping p) {
    peers.tell(p.from(), new Pong(peers.self(), p.round()));
    return this;
  }

  private Behavior<Command> onPong(Pong p) {
    if (p.round() == round) {
      replied.add(p.from());
    }
    return this;
  }

  private Behavior<Command> onGetQuorum(GetQuorum g) {
    g.replyTo().tell(new QuorumStatus(peers.self(), majority, lastReplies, peers.size()));
    return this;
  }
}
