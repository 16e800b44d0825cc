package com.example.mutex;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;
import dev.parley.protocols.mutex.Granted;
import dev.parley.protocols.mutex.MutexPhase;
import dev.parley.protocols.mutex.MutexProtocol;
import dev.parley.protocols.mutex.MutexUpcall;
import dev.parley.protocols.mutex.Released;
import dev.parley.protocols.mutex.Requested;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A user's own member of Parley's mutual-exclusion family, written outside Parley: a central
 * coordinator. It owns its vocabulary (its sealed {@link Command}), raises the family's upcalls and
 * offers its {@link #MUTEX} adapter, so Parley's {@code MutualExclusionChecker}, {@code
 * SimContention} and {@code MutexKinds.of} serve it without an edit to Parley.
 *
 * <p>Model: a closed group whose first member (in node id order) coordinates; no crashes; links
 * that delay, reorder and duplicate messages but do not lose them.
 *
 * <p>Algorithm: a node wanting the critical section sends {@link Request} (its {@code n}-th) to the
 * coordinator, which queues it and raises {@link Requested} with the request's arrival number. The
 * coordinator grants one request at a time, in arrival order, with a {@link Grant} carrying a
 * fencing token one higher than the last; the holder leaves with {@link Done}, and the coordinator
 * grants the next. Every message names its request by (node, n), so a duplicate or a stale copy is
 * recognised and ignored. The coordinator's own requests take the same path without messages.
 *
 * <p>Guarantees: never two holders; every request granted while the coordinator lives; entry in
 * arrival order at the coordinator; fencing tokens strictly increase. Cost: 3 messages per entry
 * (request, grant, done), none for the coordinator's own node.
 */
public final class CentralLock extends AbstractBehavior<CentralLock.Command> {

  /** Downcalls, wire messages and the status query: this protocol's whole vocabulary. */
  public sealed interface Command extends WireMessage permits Acquire, Release, GetStatus, Request, Grant, Done {}

  /** Downcall: this node wants the critical section (ignored while it waits or holds already). */
  public record Acquire() implements Command {}

  /** Downcall: this node leaves the critical section (ignored when it does not hold it). */
  public record Release() implements Command {}

  /** Asks for this node's {@link Status}. */
  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  /** {@code from}'s {@code n}-th request, to the coordinator. */
  public record Request(NodeId from, long n) implements Command {}

  /** The coordinator grants request {@code n} of the receiver, with fencing token {@code token}. */
  public record Grant(long n, long token) implements Command {}

  /** {@code from} has left the critical section it entered with its request {@code n}. */
  public record Done(NodeId from, long n) implements Command {}

  /**
   * A node's phase and request number; at the coordinator also the holder and the queue.
   *
   * @param holder the node holding the critical section, as the coordinator knows it (null elsewhere)
   * @param queue the nodes waiting, in order (empty elsewhere)
   */
  public record Status(NodeId node, MutexPhase phase, long request, NodeId holder, List<NodeId> queue)
      implements WireMessage {}

  /** How the mutual-exclusion family drives this protocol. */
  public static final MutexProtocol<Command> MUTEX =
      MutexProtocol.of(Acquire::new, Release::new, replyTo -> new GetStatus(replyTo.narrow()));

  private final Peers<Command> peers;
  private final ActorRef<MutexUpcall> listener;
  private final NodeId coordinator;
  private MutexPhase phase = MutexPhase.IDLE;
  private long request;
  // the coordinator's state
  private final Map<NodeId, Long> lastRequest = new HashMap<>();
  private final ArrayDeque<Request> queue = new ArrayDeque<>();
  private Request holder;
  private long arrivals;
  private long tokens;

  public static Behavior<Command> create(Peers<Command> peers, ActorRef<MutexUpcall> listener) {
    return Behaviors.setup(ctx -> new CentralLock(ctx, peers, listener));
  }

  private CentralLock(ActorContext<Command> ctx, Peers<Command> peers, ActorRef<MutexUpcall> listener) {
    super(ctx);
    this.peers = peers;
    this.listener = listener;
    this.coordinator = peers.members().first();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Acquire.class, a -> onAcquire())
        .onMessage(Release.class, r -> onRelease())
        .onMessage(Request.class, r -> onRequest(r))
        .onMessage(Grant.class, g -> onGrant(g))
        .onMessage(Done.class, d -> onDone(d))
        .onMessage(GetStatus.class, this::onGetStatus)
        .build();
  }

  // ---------------------------------------------------------------- every node

  private Behavior<Command> onAcquire() {
    if (phase == MutexPhase.IDLE) {
      phase = MutexPhase.WANTED;
      toCoordinator(new Request(self(), ++request));
    }
    return this;
  }

  private Behavior<Command> onGrant(Grant g) {
    if (phase == MutexPhase.WANTED && g.n() == request) {
      phase = MutexPhase.HELD;
      listener.tell(new Granted(self(), g.token()));
    }
    return this;
  }

  private Behavior<Command> onRelease() {
    if (phase == MutexPhase.HELD) {
      phase = MutexPhase.IDLE;
      listener.tell(new Released(self()));
      toCoordinator(new Done(self(), request));
    }
    return this;
  }

  private void toCoordinator(Command m) {
    if (self().equals(coordinator)) {
      if (m instanceof Request r) {
        onRequest(r);
      } else {
        onDone((Done) m);
      }
    } else {
      peers.tell(coordinator, m);
    }
  }

  // ---------------------------------------------------------------- the coordinator

  private Behavior<Command> onRequest(Request r) {
    if (r.n() <= lastRequest.getOrDefault(r.from(), 0L)) {
      return this; // a duplicate
    }
    lastRequest.put(r.from(), r.n());
    listener.tell(new Requested(r.from(), ++arrivals));
    queue.addLast(r);
    grantNext();
    return this;
  }

  private Behavior<Command> onDone(Done d) {
    if (holder != null && holder.from().equals(d.from()) && holder.n() == d.n()) {
      holder = null;
      grantNext();
    }
    return this;
  }

  private void grantNext() {
    if (holder != null || queue.isEmpty()) {
      return;
    }
    holder = queue.pollFirst();
    Grant grant = new Grant(holder.n(), ++tokens);
    if (holder.from().equals(self())) {
      onGrant(grant);
    } else {
      peers.tell(holder.from(), grant);
    }
  }

  private Behavior<Command> onGetStatus(GetStatus q) {
    boolean coordinating = self().equals(coordinator);
    q.replyTo().tell(new Status(self(), phase, request, coordinating && holder != null ? holder.from() : null,
        coordinating ? queue.stream().map(Request::from).toList() : List.of()));
    return this;
  }

  private NodeId self() {
    return peers.self();
  }
}
