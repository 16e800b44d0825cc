package dev.parley.protocols.multicast;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import dev.parley.protocols.clock.LamportClock;
import dev.parley.protocols.clock.LamportTimestamp;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Payload;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Total-order multicast with Lamport timestamps and acknowledgements (the textbook algorithm of
 * Lamport's clocks paper, as in Tanenbaum and van Steen).
 *
 * <p>Model: closed group, no crashes, reliable FIFO links. A multicast is stamped (Lamport time,
 * origin) and sent to everyone; every receiver puts it in a queue ordered by stamp and multicasts an
 * acknowledgement. A node delivers the message at the head of its queue once every member has
 * acknowledged it (the origin's own message counts as its acknowledgement). FIFO links make this
 * safe: a member's acknowledgement, stamped later than the message, cannot overtake that member's
 * earlier messages. Guarantees: every member delivers the same messages in the same order (total
 * order, by stamp), each once. Cost: N-1 messages plus (N-1)^2 acknowledgements, O(N^2).
 */
public final class LamportMulticast extends AbstractBehavior<LamportMulticast.Command> {

  public sealed interface Command extends WireMessage permits Multicast, Data, Ack {}

  /**
   * Downcall: multicast {@code payload} to the group; each node raises {@link Delivered} to its
   * listener when this protocol's order allows.
   */
  public record Multicast(@Payload Object payload) implements Command {}

  /** How the multicast family drives this protocol ({@link MulticastProtocol}). */
  public static final MulticastProtocol<Command> MULTICAST = Multicast::new;

  /** Message {@code id} stamped {@code stamp}. */
  public record Data(LamportTimestamp stamp, MessageId id, @Payload Object payload)
      implements Command {}

  /** {@code from} has queued the message stamped {@code stamp}; its own clock read {@code time}. */
  public record Ack(LamportTimestamp stamp, NodeId from, long time) implements Command {}

  private static final class Queued {
    final Data data;
    final Set<NodeId> acked = new HashSet<>();

    Queued(Data data) {
      this.data = data;
    }
  }

  private final Peers<Command> peers;
  private final ActorRef<Delivered> listener;
  private final TreeMap<LamportTimestamp, Queued> queue = new TreeMap<>();
  private final Map<LamportTimestamp, Set<NodeId>> earlyAcks = new HashMap<>();
  private final Map<NodeId, Long> newestStampFrom = new HashMap<>();
  private LamportClock clock = LamportClock.ZERO;
  private long sent;

  public static Behavior<Command> create(Peers<Command> peers, ActorRef<Delivered> listener) {
    return Behaviors.setup(ctx -> new LamportMulticast(ctx, peers, listener));
  }

  private LamportMulticast(
      ActorContext<Command> ctx, Peers<Command> peers, ActorRef<Delivered> listener) {
    super(ctx);
    this.peers = peers;
    this.listener = listener;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Multicast.class, this::onMulticast)
        .onMessage(Data.class, this::onData)
        .onMessage(Ack.class, this::onAck)
        .build();
  }

  private Behavior<Command> onMulticast(Multicast m) {
    clock = clock.tick();
    Data data =
        new Data(
            new LamportTimestamp(clock.time(), peers.self()),
            new MessageId(peers.self(), ++sent),
            m.payload());
    enqueue(data);
    peers.tellOthers(data);
    deliverReady();
    return this;
  }

  private Behavior<Command> onData(Data d) {
    NodeId origin = d.stamp().node();
    if (d.stamp().time() <= newestStampFrom.getOrDefault(origin, 0L)) {
      return this; // a copy: over a FIFO link an origin's stamps only grow
    }
    newestStampFrom.put(origin, d.stamp().time());
    clock = clock.receive(d.stamp().time());
    enqueue(d);
    clock = clock.tick();
    peers.tellOthers(new Ack(d.stamp(), peers.self(), clock.time()));
    deliverReady();
    return this;
  }

  private Behavior<Command> onAck(Ack a) {
    clock = clock.receive(a.time());
    Queued q = queue.get(a.stamp());
    if (q != null) {
      q.acked.add(a.from());
    } else {
      earlyAcks.computeIfAbsent(a.stamp(), s -> new HashSet<>()).add(a.from());
    }
    deliverReady();
    return this;
  }

  private void enqueue(Data d) {
    Queued q = new Queued(d);
    q.acked.add(d.stamp().node());
    q.acked.add(peers.self());
    Set<NodeId> early = earlyAcks.remove(d.stamp());
    if (early != null) {
      q.acked.addAll(early);
    }
    queue.put(d.stamp(), q);
  }

  private void deliverReady() {
    while (!queue.isEmpty() && queue.firstEntry().getValue().acked.size() == peers.size()) {
      Data d = queue.pollFirstEntry().getValue().data;
      listener.tell(new Delivered(d.id(), d.payload()));
    }
  }
}
