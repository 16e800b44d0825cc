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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Lamport's mutual exclusion with a replicated request queue (from "Time, Clocks, and the Ordering
 * of Events in a Distributed System", 1978).
 *
 * <p>Model: closed group, no failures, reliable FIFO links (run it over {@code
 * LinkStack.faulty().reliable().fifo()}, or a simulation with FIFO links). FIFO is what makes it
 * safe: once a node has heard from j with a later timestamp than its own request, no earlier request
 * of j can still be on its way.
 *
 * <p>Algorithm: every node keeps a queue of requests ordered by (Lamport time, node id). To enter, a
 * node stamps a request, puts it in its own queue and sends it to everyone; a receiver queues it and
 * replies with a timestamped acknowledgement. A node enters when its request heads its queue and it
 * has received a message timestamped later than its request from every other node. On leaving it
 * removes its request and sends a release to everyone, who remove it too. Every message is stamped
 * with the sender's clock, which only grows, so a copy (a message not newer than the last one from
 * its sender) is ignored.
 *
 * <p>Guarantees: never two holders; every request granted; entry in order of (Lamport timestamp,
 * node id). Cost: 3(N-1) messages per entry (requests, replies, releases).
 */
public final class LamportMutex extends AbstractBehavior<LamportMutex.Command> {

  /** Downcalls, wire messages and the status query. */
  public sealed interface Command extends WireMessage
      permits Acquire, Release, Request, Reply, ReleaseRequest, GetStatus {}

  /** Downcall: this node wants the critical section (ignored while it waits or holds already). */
  public record Acquire() implements Command {}

  /** Downcall: this node leaves the critical section (ignored when it does not hold it). */
  public record Release() implements Command {}

  /** How the mutual-exclusion family drives this protocol ({@link MutexProtocol}). */
  public static final MutexProtocol<Command> MUTEX =
      MutexProtocol.of(Acquire::new, Release::new, replyTo -> new GetStatus(replyTo.narrow()));

  /** A request to enter, stamped (Lamport time, requester). */
  public record Request(LamportTimestamp stamp) implements Command {}

  /** {@code from} has queued a request; its clock read {@code time}. */
  public record Reply(NodeId from, long time) implements Command {}

  /** {@code from} left the critical section: remove its request; its clock read {@code time}. */
  public record ReleaseRequest(NodeId from, long time) implements Command {}

  /** Asks for this node's {@link Status}. */
  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  /** A node's phase, its request, its clock and its copy of the request queue. */
  public record Status(
      NodeId node, MutexPhase phase, LamportTimestamp request, long clock, List<LamportTimestamp> queue)
      implements WireMessage {}

  private final Peers<Command> peers;
  private final ActorRef<MutexUpcall> listener;
  private final TreeSet<LamportTimestamp> queue = new TreeSet<>();
  private final Map<NodeId, Long> latest = new HashMap<>();
  private LamportClock clock = LamportClock.ZERO;
  private MutexPhase phase = MutexPhase.IDLE;
  private LamportTimestamp request;

  public static Behavior<Command> create(Peers<Command> peers, ActorRef<MutexUpcall> listener) {
    return Behaviors.setup(ctx -> new LamportMutex(ctx, peers, listener));
  }

  private LamportMutex(
      ActorContext<Command> ctx, Peers<Command> peers, ActorRef<MutexUpcall> listener) {
    super(ctx);
    this.peers = peers;
    this.listener = listener;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Acquire.class, this::onAcquire)
        .onMessage(Release.class, this::onRelease)
        .onMessage(Request.class, this::onRequest)
        .onMessage(Reply.class, this::onReply)
        .onMessage(ReleaseRequest.class, this::onReleaseRequest)
        .onMessage(GetStatus.class, this::onGetStatus)
        .build();
  }

  private Behavior<Command> onAcquire(Acquire a) {
    if (phase != MutexPhase.IDLE) {
      return this;
    }
    clock = clock.tick();
    request = new LamportTimestamp(clock.time(), peers.self());
    phase = MutexPhase.WANTED;
    queue.add(request);
    listener.tell(new Requested(peers.self(), request.time()));
    peers.tellOthers(new Request(request));
    enterIfFirst();
    return this;
  }

  private Behavior<Command> onRequest(Request r) {
    if (heard(r.stamp().node(), r.stamp().time())) {
      queue.add(r.stamp());
      clock = clock.tick();
      peers.tell(r.stamp().node(), new Reply(peers.self(), clock.time()));
      enterIfFirst();
    }
    return this;
  }

  private Behavior<Command> onReply(Reply r) {
    if (heard(r.from(), r.time())) {
      enterIfFirst();
    }
    return this;
  }

  private Behavior<Command> onReleaseRequest(ReleaseRequest r) {
    if (heard(r.from(), r.time())) {
      queue.removeIf(s -> s.node().equals(r.from()));
      enterIfFirst();
    }
    return this;
  }

  private Behavior<Command> onRelease(Release r) {
    if (phase != MutexPhase.HELD) {
      return this;
    }
    queue.remove(request);
    phase = MutexPhase.IDLE;
    request = null;
    clock = clock.tick();
    peers.tellOthers(new ReleaseRequest(peers.self(), clock.time()));
    listener.tell(new Released(peers.self()));
    return this;
  }

  private Behavior<Command> onGetStatus(GetStatus q) {
    q.replyTo()
        .tell(new Status(peers.self(), phase, request, clock.time(), List.copyOf(queue)));
    return this;
  }

  /**
   * Takes note of a message from {@code from} stamped {@code time}; false for a copy (its sender's
   * stamps only grow, and FIFO links deliver them in order).
   */
  private boolean heard(NodeId from, long time) {
    if (time <= latest.getOrDefault(from, 0L)) {
      return false;
    }
    latest.put(from, time);
    clock = clock.receive(time);
    return true;
  }

  private void enterIfFirst() {
    if (phase != MutexPhase.WANTED || !queue.first().equals(request)) {
      return;
    }
    for (NodeId other : peers.others()) {
      if (new LamportTimestamp(latest.getOrDefault(other, 0L), other).compareTo(request) <= 0) {
        return;
      }
    }
    phase = MutexPhase.HELD;
    listener.tell(new Granted(peers.self(), 0));
  }
}
