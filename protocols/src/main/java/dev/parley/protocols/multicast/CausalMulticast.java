package dev.parley.protocols.multicast;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import dev.parley.protocols.clock.VectorClock;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Payload;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Causally ordered multicast with vector clocks (Birman-Schiper-Stephenson).
 *
 * <p>Model: closed group, crash-stop nodes, links that may delay, reorder and duplicate but not
 * lose. Each node j keeps V_j, where V_j[k] counts the messages from k that j has delivered. A
 * multicast from i carries V_i with V_i[i] incremented. Node j delivers message m from i only when
 * m.V[i] = V_j[i] + 1 (it is the next message from i) and m.V[k] &le; V_j[k] for every k &ne; i
 * (j has delivered everything i had delivered when it sent m); until then m is held back.
 * Guarantees: if the multicast of m1 happened before the multicast of m2, every member delivers m1
 * before m2 (causal order, which implies FIFO order); each message once. Cost: N-1 messages, each
 * carrying O(N) clock entries.
 */
public final class CausalMulticast extends AbstractBehavior<CausalMulticast.Command> {

  public sealed interface Command extends WireMessage permits Multicast, Data {}

  /**
   * Downcall: multicast {@code payload} to the group; each node raises {@link Delivered} to its
   * listener when this protocol's order allows.
   */
  public record Multicast(@Payload Object payload) implements Command {}

  /** How the multicast family drives this protocol ({@link MulticastProtocol}). */
  public static final MulticastProtocol<Command> MULTICAST = Multicast::new;

  /** A message from {@code origin}, stamped with its vector clock. */
  public record Data(NodeId origin, VectorClock clock, @Payload Object payload) implements Command {
    MessageId id() {
      return new MessageId(origin, clock.get(origin));
    }
  }

  private final Peers<Command> peers;
  private final ActorRef<Delivered> listener;
  private final List<Data> holdBack = new ArrayList<>();
  private final Set<MessageId> heldBack = new HashSet<>();
  private VectorClock delivered = VectorClock.EMPTY;

  public static Behavior<Command> create(Peers<Command> peers, ActorRef<Delivered> listener) {
    return Behaviors.setup(ctx -> new CausalMulticast(ctx, peers, listener));
  }

  private CausalMulticast(
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
        .build();
  }

  private Behavior<Command> onMulticast(Multicast m) {
    Data data = new Data(peers.self(), delivered.tick(peers.self()), m.payload());
    peers.tellOthers(data);
    deliver(data);
    return this;
  }

  private Behavior<Command> onData(Data d) {
    if (d.clock().get(d.origin()) <= delivered.get(d.origin()) || !heldBack.add(d.id())) {
      return this; // a copy of a message already delivered or already held back
    }
    holdBack.add(d);
    if (!deliverable(d)) {
      return this; // nothing held back can become deliverable before this one is
    }
    boolean progress = true;
    while (progress) {
      progress = false;
      for (Iterator<Data> it = holdBack.iterator(); it.hasNext(); ) {
        Data next = it.next();
        if (deliverable(next)) {
          it.remove();
          heldBack.remove(next.id());
          deliver(next);
          progress = true;
        }
      }
    }
    return this;
  }

  /** m.V[i] = V_j[i] + 1 and m.V[k] <= V_j[k] for every k other than the origin i. */
  private boolean deliverable(Data m) {
    NodeId i = m.origin();
    if (m.clock().get(i) != delivered.get(i) + 1) {
      return false;
    }
    for (var entry : m.clock().entries().entrySet()) {
      if (!entry.getKey().equals(i) && entry.getValue() > delivered.get(entry.getKey())) {
        return false;
      }
    }
    return true;
  }

  private void deliver(Data d) {
    delivered = delivered.tick(d.origin());
    listener.tell(new Delivered(d.id(), d.payload()));
  }
}
