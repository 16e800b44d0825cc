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
 * <p>A runtime may also give a {@link PeerRoute} per peer ({@link #routed}): {@link #tell} and
 * {@link #tellOthers} then go through it (on a cluster: straight to the far end while no fault was
 * ever planned, instead of through the fault-injecting link actor). Taking a peer's reference with
 * {@link #ref} or {@link #map} pins its route to the reference, so order between the two is kept.
 *
 * @param <M> the protocol's message type
 */
public final class Peers<M> {

  private final NodeId self;
  private final TreeMap<NodeId, ActorRef<M>> others;
  private final Map<NodeId, PeerRoute<M>> routes;

  private Peers(NodeId self, Map<NodeId, ActorRef<M>> others, Map<NodeId, PeerRoute<M>> routes) {
    this.self = Objects.requireNonNull(self, "self");
    if (others.containsKey(self)) {
      throw new IllegalArgumentException("the peers of " + self + " must not include " + self + " itself");
    }
    if (!others.keySet().containsAll(routes.keySet())) {
      throw new IllegalArgumentException("routes to " + routes.keySet() + " of " + self
          + " must be to peers, which are " + others.keySet());
    }
    this.others = new TreeMap<>(others);
    this.routes = Map.copyOf(routes);
  }

  /** The view of node {@code self} whose peers are {@code others} (which must not contain self). */
  public static <M> Peers<M> of(NodeId self, Map<NodeId, ? extends ActorRef<M>> others) {
    return new Peers<>(self, Map.copyOf(others), Map.of());
  }

  /**
   * As {@link #of}, with {@code routes} for some of the peers: {@link #tell} and {@link #tellOthers}
   * use a peer's route, if it has one, until its reference is taken.
   */
  public static <M> Peers<M> routed(NodeId self, Map<NodeId, ? extends ActorRef<M>> others,
      Map<NodeId, ? extends PeerRoute<M>> routes) {
    return new Peers<>(self, Map.copyOf(others), Map.copyOf(routes));
  }

  /** A node alone in its group. */
  public static <M> Peers<M> alone(NodeId self) {
    return new Peers<>(self, Map.of(), Map.of());
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

  /**
   * The reference to {@code node}'s instance (pinning its route, if any, to it); an unknown node is
   * an error naming the known ones.
   */
  public ActorRef<M> ref(NodeId node) {
    ActorRef<M> ref = known(node);
    PeerRoute<M> route = routes.get(node);
    if (route != null) {
      route.pin();
    }
    return ref;
  }

  public void tell(NodeId node, M message) {
    PeerRoute<M> route = routes.get(node);
    if (route != null) {
      route.tell(message);
    } else {
      known(node).tell(message);
    }
  }

  /** Sends {@code message} to every other member: N-1 messages. */
  public void tellOthers(M message) {
    others.forEach((node, ref) -> {
      PeerRoute<M> route = routes.get(node);
      if (route != null) {
        route.tell(message);
      } else {
        ref.tell(message);
      }
    });
  }

  /**
   * The same group seen through other references (a layer wrapping or adapting each link); the
   * routes, if any, are pinned, and the new view has none.
   */
  public <N> Peers<N> map(java.util.function.BiFunction<NodeId, ActorRef<M>, ActorRef<N>> f) {
    routes.values().forEach(PeerRoute::pin);
    TreeMap<NodeId, ActorRef<N>> mapped = new TreeMap<>();
    others.forEach((id, ref) -> mapped.put(id, f.apply(id, ref)));
    return new Peers<>(self, mapped, Map.of());
  }

  private ActorRef<M> known(NodeId node) {
    ActorRef<M> ref = others.get(node);
    if (ref == null) {
      throw new IllegalArgumentException(
          "unknown peer " + node + " of " + self + "; peers are " + others.keySet());
    }
    return ref;
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
