package dev.parley.protocols.core;

import akka.actor.typed.ActorRef;
import java.util.Collections;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A protocol instance's immutable view of its group: its own {@link NodeId} and, for every other
 * member, the reference through which it reaches that member's instance of the same protocol.
 *
 * <p>How those references were made is not the protocol's business (docs/writing-protocols.md): a direct
 * reference in a unit test, a stack of fault-injecting / reliable / FIFO / authenticated link actors
 * in a group, a Receptionist listing on a cluster, a test inbox in the deterministic simulation. A
 * protocol sends to itself with {@code context.getSelf()}, never through its peers.
 *
 * @param <M> the protocol's message type
 */
public final class Peers<M> {

  private final NodeId self;
  private final TreeMap<NodeId, ActorRef<M>> others;

  private Peers(NodeId self, Map<NodeId, ActorRef<M>> others) {
    this.self = Objects.requireNonNull(self, "self");
    if (others.containsKey(self)) {
      throw new IllegalArgumentException("the peers of " + self + " must not include " + self + " itself");
    }
    this.others = new TreeMap<>(others);
  }

  /** The view of node {@code self} whose peers are {@code others} (which must not contain self). */
  public static <M> Peers<M> of(NodeId self, Map<NodeId, ? extends ActorRef<M>> others) {
    return new Peers<>(self, Map.copyOf(others));
  }

  /** A node alone in its group. */
  public static <M> Peers<M> alone(NodeId self) {
    return new Peers<>(self, Map.of());
  }

  public NodeId self() {
    return self;
  }

  /** Every member of the group, this node included, in {@link NodeId} order. */
  public NavigableSet<NodeId> members() {
    TreeSet<NodeId> all = new TreeSet<>(others.keySet());
    all.add(self);
    return Collections.unmodifiableNavigableSet(all);
  }

  /** Every member but this node, in {@link NodeId} order. */
  public NavigableSet<NodeId> others() {
    return Collections.unmodifiableNavigableSet(others.navigableKeySet());
  }

  /** Group size N, this node included. */
  public int size() {
    return others.size() + 1;
  }

  public boolean contains(NodeId node) {
    return self.equals(node) || others.containsKey(node);
  }

  /** The reference to {@code node}'s instance; an unknown node is an error naming the known ones. */
  public ActorRef<M> ref(NodeId node) {
    ActorRef<M> ref = others.get(node);
    if (ref == null) {
      throw new IllegalArgumentException(
          "unknown peer " + node + " of " + self + "; peers are " + others.keySet());
    }
    return ref;
  }

  public void tell(NodeId node, M message) {
    ref(node).tell(message);
  }

  /** Sends {@code message} to every other member: N-1 messages. */
  public void tellOthers(M message) {
    others.values().forEach(ref -> ref.tell(message));
  }

  /** The same group seen through other references (a layer wrapping or adapting each link). */
  public <N> Peers<N> map(java.util.function.BiFunction<NodeId, ActorRef<M>, ActorRef<N>> f) {
    TreeMap<NodeId, ActorRef<N>> mapped = new TreeMap<>();
    others.forEach((id, ref) -> mapped.put(id, f.apply(id, ref)));
    return new Peers<>(self, mapped);
  }

  /** The next member after this one in id order, wrapping around: the ring successor. */
  public NodeId successor() {
    NodeId next = members().higher(self);
    return next != null ? next : members().first();
  }

  @Override
  public String toString() {
    return "Peers(" + self + " -> " + others.keySet() + ")";
  }
}
