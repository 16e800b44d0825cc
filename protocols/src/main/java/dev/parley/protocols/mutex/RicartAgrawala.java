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
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Ricart-Agrawala mutual exclusion: peer to peer, with Lamport timestamps.
 *
 * <p>Model: closed group, no failures, reliable links (every message arrives, eventually; order,
 * delay and duplication do not matter, since replies name the request they answer and copies are
 * harmless). A lost message is not tolerated: the requester waits for ever (the spec shows it).
 *
 * <p>Algorithm (the notes'): to enter, a node stamps a request with its Lamport clock and sends it
 * to every other node, then waits for a reply from each. A node receiving a request replies at once
 * if it is neither in the critical section nor wanting it, or if its own request has lower priority
 * (a later stamp, ties broken by node id); otherwise it defers the reply until it leaves the
 * critical section.
 *
 * <p>Guarantees: never two holders; every request granted (no deadlock, no starvation); entry in
 * order of (Lamport timestamp, node id) among concurrent requests. Cost: 2(N-1) messages per entry
 * (N-1 requests, N-1 replies), with or without contention.
 */
public final class RicartAgrawala extends AbstractBehavior<RicartAgrawala.Command> {

  /** Downcalls, wire messages and the status query. */
  public sealed interface Command extends WireMessage
      permits Acquire, Release, Request, Reply, GetStatus {}

  /** Downcall: this node wants the critical section (ignored while it waits or holds already). */
  public record Acquire() implements Command {}

  /** Downcall: this node leaves the critical section (ignored when it does not hold it). */
  public record Release() implements Command {}

  /** How the mutual-exclusion family drives this protocol ({@link MutexProtocol}). */
  public static final MutexProtocol<Command> MUTEX =
      MutexProtocol.of(Acquire::new, Release::new, replyTo -> new GetStatus(replyTo.narrow()));

  /** A request to enter, stamped (Lamport time, requester). */
  public record Request(LamportTimestamp stamp) implements Command {}

  /** {@code from} lets the request stamped {@code request} go ahead; its clock read {@code time}. */
  public record Reply(NodeId from, LamportTimestamp request, long time) implements Command {}

  /** Asks for this node's {@link Status}. */
  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  /** A node's phase, its request, its clock, who has replied and whose replies it defers. */
  public record Status(
      NodeId node,
      MutexPhase phase,
      LamportTimestamp request,
      long clock,
      List<NodeId> replied,
      List<NodeId> deferred)
      implements WireMessage {}

  private final Peers<Command> peers;
  private final ActorRef<MutexUpcall> listener;
  private final Set<NodeId> replied = new TreeSet<>();
  private final TreeMap<NodeId, LamportTimestamp> deferred = new TreeMap<>();
  private LamportClock clock = LamportClock.ZERO;
  private MutexPhase phase = MutexPhase.IDLE;
  private LamportTimestamp request;

  public static Behavior<Command> create(Peers<Command> peers, ActorRef<MutexUpcall> listener) {
    return Behaviors.setup(ctx -> new RicartAgrawala(ctx, peers, listener));
  }

  private RicartAgrawala(
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
    replied.clear();
    listener.tell(new Requested(peers.self(), request.time()));
    peers.tellOthers(new Request(request));
    enterIfEveryoneReplied();
    return this;
  }

  private Behavior<Command> onRequest(Request r) {
    clock = clock.receive(r.stamp().time());
    boolean mineFirst =
        phase == MutexPhase.HELD || (phase == MutexPhase.WANTED && request.before(r.stamp()));
    if (mineFirst) {
      // keep the newest request of each node: a late copy of an older one is already answered
      deferred.merge(r.stamp().node(), r.stamp(), (a, b) -> a.before(b) ? b : a);
    } else {
      reply(r.stamp());
    }
    return this;
  }

  private Behavior<Command> onReply(Reply r) {
    clock = clock.receive(r.time());
    if (phase == MutexPhase.WANTED && r.request().equals(request)) {
      replied.add(r.from());
      enterIfEveryoneReplied();
    }
    return this;
  }

  private Behavior<Command> onRelease(Release r) {
    if (phase != MutexPhase.HELD) {
      return this;
    }
    phase = MutexPhase.IDLE;
    request = null;
    deferred.values().forEach(this::reply);
    deferred.clear();
    listener.tell(new Released(peers.self()));
    return this;
  }

  private Behavior<Command> onGetStatus(GetStatus q) {
    q.replyTo()
        .tell(
            new Status(
                peers.self(),
                phase,
                request,
                clock.time(),
                List.copyOf(replied),
                List.copyOf(deferred.keySet())));
    return this;
  }

  private void reply(LamportTimestamp to) {
    clock = clock.tick();
    peers.tell(to.node(), new Reply(peers.self(), to, clock.time()));
  }

  private void enterIfEveryoneReplied() {
    if (replied.containsAll(peers.others())) {
      phase = MutexPhase.HELD;
      listener.tell(new Granted(peers.self(), 0));
    }
  }
}
