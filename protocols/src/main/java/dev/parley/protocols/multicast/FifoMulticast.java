package dev.parley.protocols.multicast;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Payload;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * FIFO multicast: per-sender sequence numbers and a hold-back queue per sender.
 *
 * <p>Model: closed group, crash-stop nodes, links that may delay, reorder and duplicate but not
 * lose (over lossy links, give it reliable links). Guarantees: every member delivers the messages
 * of one sender in the order that sender multicast them (FIFO order), each once. Messages of
 * different senders may interleave differently at different members. Cost: N-1 messages.
 */
public final class FifoMulticast extends AbstractBehavior<FifoMulticast.Command> {

  public sealed interface Command extends WireMessage permits Multicast, Data {}

  /**
   * Downcall: multicast {@code payload} to the group; each node raises {@link Delivered} to its
   * listener when this protocol's order allows.
   */
  public record Multicast(@Payload Object payload) implements Command {}

  /** How the multicast family drives this protocol ({@link MulticastProtocol}). */
  public static final MulticastProtocol<Command> MULTICAST = Multicast::new;

  /** The {@code id.seq()}-th message of its origin. */
  public record Data(MessageId id, @Payload Object payload) implements Command {}

  private final Peers<Command> peers;
  private final ActorRef<Delivered> listener;
  private final Map<NodeId, Long> nextExpected = new HashMap<>();
  private final Map<NodeId, TreeMap<Long, Data>> holdBack = new HashMap<>();
  private long sent;

  public static Behavior<Command> create(Peers<Command> peers, ActorRef<Delivered> listener) {
    return Behaviors.setup(ctx -> new FifoMulticast(ctx, peers, listener));
  }

  private FifoMulticast(ActorContext<Command> ctx, Peers<Command> peers, ActorRef<Delivered> listener) {
    super(ctx);
    this.peers = peers;
    this.listener = listener;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Multicast.class, this::onMulticast)
        .onMessage(Data.class, this::onData)
        .build();
  }

  private Behavior<Command> onMulticast(Multicast m) {
    Data data = new Data(new MessageId(peers.self(), ++sent), m.payload());
    peers.tellOthers(data);
    onData(data);
    return this;
  }

  private Behavior<Command> onData(Data d) {
    NodeId origin = d.id().origin();
    long expected = nextExpected.getOrDefault(origin, 1L);
    TreeMap<Long, Data> queue = holdBack.computeIfAbsent(origin, o -> new TreeMap<>());
    if (d.id().seq() >= expected) {
      queue.putIfAbsent(d.id().seq(), d);
    }
    while (!queue.isEmpty() && queue.firstKey() == expected) {
      Data next = queue.pollFirstEntry().getValue();
      listener.tell(new Delivered(next.id(), next.payload()));
      expected++;
    }
    nextExpected.put(origin, expected);
    return this;
  }
}
