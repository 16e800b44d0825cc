package dev.parley.protocols.mutex;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import dev.parley.protocols.clock.LamportClock;
import dev.parley.protocols.clock.LamportTimestamp;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Maekawa's quorum-based mutual exclusion with √N grid quorums, and its inquire / relinquish
 * handling of deadlock (Maekawa 1985, with Sanders' condition for yielding).
 *
 * <p>Model: closed group, no failures, reliable FIFO links (over {@code
 * LinkStack.faulty().reliable().fifo()}, or a simulation with FIFO links).
 *
 * <p>Quorums: the members, in id order, fill a k×k grid row by row (k = ⌈√N⌉, the last row possibly
 * short); a node's quorum is its row and its column. Any two quorums meet: the cell in one's row and
 * the other's column exists for at least one of the two pairs. Every node is also an arbiter with
 * one vote (a lock), which it gives to one request at a time.
 *
 * <p>Algorithm: to enter, a node stamps a request with its Lamport clock and sends it to its quorum
 * (itself included); it enters with a {@link Locked} from every member. An arbiter whose vote is free
 * locks it for the request; otherwise it queues the request and, if the request has lower priority
 * than the locked one or one already queued, answers {@link Failed}; if it has the highest priority,
 * the arbiter sends {@link Inquire} to the holder of its vote (once per lock) and {@link Failed} to
 * the queued requests it now outranks. A requester that has received a Failed or has already yielded
 * answers an Inquire with {@link Relinquish}, giving the vote back; the arbiter then locks it for its
 * best queued request. Otherwise the requester keeps the inquiry until a Failed arrives (then it
 * yields) or it enters (then its release answers). Leaving, it sends {@link ReleaseVote} to its
 * quorum; each arbiter locks its vote for the best queued request. Requests carry Lamport stamps,
 * so priorities are total and an old request eventually outranks every other: no deadlock, no
 * starvation.
 *
 * <p>Guarantees: never two holders; every request granted. No order of entry. Cost without
 * contention: 3(K-1) messages per entry, K being the quorum's size (2k-1 in a full grid, so about
 * 6√N; the catalogue's "about 3√N" assumes Maekawa's optimal quorums of about √N); with contention,
 * up to 6(K-1) (failed, inquire, relinquish and the extra locks).
 */
public final class Maekawa extends AbstractBehavior<Maekawa.Command> {

  /** Downcalls, wire messages and the status query. */
  public sealed interface Command extends WireMessage
      permits Acquire, Release, Request, Locked, Failed, Inquire, Relinquish, ReleaseVote, GetStatus {}

  /** Downcall: this node wants the critical section (ignored while it waits or holds already). */
  public record Acquire() implements Command {}

  /** Downcall: this node leaves the critical section (ignored when it does not hold it). */
  public record Release() implements Command {}

  /** How the mutual-exclusion family drives this protocol ({@link MutexProtocol}). */
  public static final MutexProtocol<Command> MUTEX =
      MutexProtocol.of(Acquire::new, Release::new, replyTo -> new GetStatus(replyTo.narrow()));

  /** A request to enter, stamped (Lamport time, requester), to the requester's quorum. */
  public record Request(LamportTimestamp stamp) implements Command {}

  /** Arbiter {@code from} has locked its vote for {@code request}. */
  public record Locked(NodeId from, LamportTimestamp request) implements Command {}

  /** Arbiter {@code from} has queued {@code request} behind one with higher priority. */
  public record Failed(NodeId from, LamportTimestamp request) implements Command {}

  /** Arbiter {@code from} asks whether {@code request}, which holds its vote, can give it back. */
  public record Inquire(NodeId from, LamportTimestamp request) implements Command {}

  /** {@code from} gives back the vote it holds for {@code request}, which stays queued. */
  public record Relinquish(NodeId from, LamportTimestamp request) implements Command {}

  /** {@code from} has left the critical section entered with {@code request}. */
  public record ReleaseVote(NodeId from, LamportTimestamp request) implements Command {}

  /** Asks for this node's {@link Status}. */
  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  /**
   * A node as requester (phase, request, quorum, the votes it holds) and as arbiter (the request its
   * vote is locked for, the queue).
   */
  public record Status(
      NodeId node,
      MutexPhase phase,
      LamportTimestamp request,
      List<NodeId> quorum,
      List<NodeId> votes,
      LamportTimestamp lockedFor,
      List<LamportTimestamp> waiting)
      implements WireMessage {}

  private final Peers<Command> peers;
  private final ActorRef<MutexUpcall> listener;
  private final NodeId self;
  private final List<NodeId> quorum;
  private LamportClock clock = LamportClock.ZERO;

  // as a requester
  private MutexPhase phase = MutexPhase.IDLE;
  private LamportTimestamp request;
  private final Set<NodeId> votes = new TreeSet<>();
  private final Set<NodeId> inquiries = new TreeSet<>();
  private boolean failed;
  private boolean yielded;

  // as an arbiter
  private LamportTimestamp lockedFor;
  private boolean inquired;
  private final TreeSet<LamportTimestamp> waiting = new TreeSet<>();
  private final Set<LamportTimestamp> failedSent = new HashSet<>();

  public static Behavior<Command> create(Peers<Command> peers, ActorRef<MutexUpcall> listener) {
    return Behaviors.setup(ctx -> new Maekawa(ctx, peers, listener));
  }

  /**
   * The quorum of {@code node} among {@code members}: its row and column of the ⌈√N⌉-wide grid the
   * members fill in id order.
   */
  public static List<NodeId> gridQuorum(List<NodeId> members, NodeId node) {
    List<NodeId> sorted = new ArrayList<>(new TreeSet<>(members));
    int i = sorted.indexOf(node);
    if (i < 0) {
      throw new IllegalArgumentException(node + " is not one of " + sorted);
    }
    int k = (int) Math.ceil(Math.sqrt(sorted.size()));
    List<NodeId> quorum = new ArrayList<>();
    for (int j = 0; j < sorted.size(); j++) {
      if (j / k == i / k || j % k == i % k) {
        quorum.add(sorted.get(j));
      }
    }
    return List.copyOf(quorum);
  }

  private Maekawa(ActorContext<Command> ctx, Peers<Command> peers, ActorRef<MutexUpcall> listener) {
    super(ctx);
    this.peers = peers;
    this.listener = listener;
    this.self = peers.self();
    this.quorum = gridQuorum(List.copyOf(peers.members()), self);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Acquire.class, this::onAcquire)
        .onMessage(Release.class, this::onRelease)
        .onMessage(Request.class, this::onRequest)
        .onMessage(Locked.class, this::onLocked)
        .onMessage(Failed.class, this::onFailed)
        .onMessage(Inquire.class, this::onInquire)
        .onMessage(Relinquish.class, this::onRelinquish)
        .onMessage(ReleaseVote.class, this::onReleaseVote)
        .onMessage(GetStatus.class, this::onGetStatus)
        .build();
  }

  // ------------------------------------------------------------------ requester

  private Behavior<Command> onAcquire(Acquire a) {
    if (phase != MutexPhase.IDLE) {
      return this;
    }
    clock = clock.tick();
    request = new LamportTimestamp(clock.time(), self);
    phase = MutexPhase.WANTED;
    votes.clear();
    inquiries.clear();
    failed = false;
    yielded = false;
    listener.tell(new Requested(self, request.time()));
    for (NodeId arbiter : quorum) {
      send(arbiter, new Request(request));
    }
    return this;
  }

  private Behavior<Command> onLocked(Locked l) {
    if (phase != MutexPhase.WANTED || !l.request().equals(request)) {
      return this;
    }
    votes.add(l.from());
    if (votes.size() == quorum.size()) {
      phase = MutexPhase.HELD;
      inquiries.clear(); // answered by the release
      listener.tell(new Granted(self, 0));
    }
    return this;
  }

  private Behavior<Command> onFailed(Failed f) {
    if (phase == MutexPhase.WANTED && f.request().equals(request)) {
      failed = true;
      for (NodeId arbiter : List.copyOf(inquiries)) {
        relinquish(arbiter);
      }
      inquiries.clear();
    }
    return this;
  }

  private Behavior<Command> onInquire(Inquire q) {
    if (phase != MutexPhase.WANTED || !q.request().equals(request) || !votes.contains(q.from())) {
      return this; // in the critical section (the release answers), or about an old lock
    }
    if (failed || yielded) {
      relinquish(q.from());
    } else {
      inquiries.add(q.from());
    }
    return this;
  }

  private void relinquish(NodeId arbiter) {
    if (votes.remove(arbiter)) {
      yielded = true;
      send(arbiter, new Relinquish(self, request));
    }
  }

  private Behavior<Command> onRelease(Release r) {
    if (phase != MutexPhase.HELD) {
      return this;
    }
    for (NodeId arbiter : quorum) {
      send(arbiter, new ReleaseVote(self, request));
    }
    phase = MutexPhase.IDLE;
    request = null;
    votes.clear();
    listener.tell(new Released(self));
    return this;
  }

  // ------------------------------------------------------------------ arbiter

  private Behavior<Command> onRequest(Request r) {
    LamportTimestamp s = r.stamp();
    clock = clock.receive(s.time());
    if (lockedFor == null) {
      lock(s);
      return this;
    }
    if (s.equals(lockedFor) || !waiting.add(s)) {
      return this; // a copy
    }
    if (s.before(lockedFor) && s.equals(waiting.first())) {
      if (!inquired) {
        inquired = true;
        send(lockedFor.node(), new Inquire(self, lockedFor));
      }
      for (LamportTimestamp outranked : waiting) {
        if (!outranked.equals(s)) {
          fail(outranked);
        }
      }
    } else {
      fail(s);
    }
    return this;
  }

  private Behavior<Command> onRelinquish(Relinquish r) {
    if (r.request().equals(lockedFor)) {
      waiting.add(lockedFor);
      failedSent.add(lockedFor); // it knows it has to wait
      lock(waiting.pollFirst());
    }
    return this;
  }

  private Behavior<Command> onReleaseVote(ReleaseVote r) {
    if (r.request().equals(lockedFor)) {
      failedSent.remove(lockedFor);
      lockedFor = null;
      inquired = false;
      if (!waiting.isEmpty()) {
        lock(waiting.pollFirst());
      }
    }
    return this;
  }

  private void lock(LamportTimestamp s) {
    lockedFor = s;
    inquired = false;
    send(s.node(), new Locked(self, s));
  }

  private void fail(LamportTimestamp s) {
    if (failedSent.add(s)) {
      send(s.node(), new Failed(self, s));
    }
  }

  private Behavior<Command> onGetStatus(GetStatus q) {
    q.replyTo()
        .tell(
            new Status(
                self,
                phase,
                request,
                quorum,
                List.copyOf(votes),
                lockedFor,
                List.copyOf(waiting)));
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
