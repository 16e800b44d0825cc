package dev.parley.testkit.group;

import dev.parley.protocols.core.NodeId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Every upcall the nodes of a group raised, in the order they were recorded: what specs assert
 * and checkers read. Safe to read from the test thread while the group runs.
 */
public final class UpcallLog {

  /** One upcall: the {@code index}-th recorded, raised by {@code node}'s protocol. */
  public record Upcall(long index, NodeId node, long timeNanos, Object message) {}

  private final List<Upcall> upcalls = new ArrayList<>();
  private final LongSupplier clock;

  public UpcallLog(LongSupplier clock) {
    this.clock = clock;
  }

  public synchronized void record(NodeId node, Object message) {
    upcalls.add(new Upcall(upcalls.size(), node, clock.getAsLong(), message));
  }

  /** All upcalls so far, in recorded order. */
  public synchronized List<Upcall> all() {
    return List.copyOf(upcalls);
  }

  /** The upcalls of {@code node} of type {@code type}, in order. */
  public synchronized <U> List<U> of(NodeId node, Class<U> type) {
    List<U> out = new ArrayList<>();
    for (Upcall u : upcalls) {
      if (u.node().equals(node) && type.isInstance(u.message())) {
        out.add(type.cast(u.message()));
      }
    }
    return out;
  }

  /** The upcalls of type {@code type} from every node, in recorded order. */
  public synchronized <U> List<U> of(Class<U> type) {
    List<U> out = new ArrayList<>();
    for (Upcall u : upcalls) {
      if (type.isInstance(u.message())) {
        out.add(type.cast(u.message()));
      }
    }
    return out;
  }

  /**
   * For every node of {@code nodes}, its upcalls of type {@code type} mapped by {@code f}, in order
   * (an empty list for a node that raised none). For example each node's delivered message ids:
   * {@code byNode(group.nodes(), Delivered.class, Delivered::id)}.
   */
  public synchronized <U, R> Map<NodeId, List<R>> byNode(
      Collection<NodeId> nodes, Class<U> type, Function<U, R> f) {
    Map<NodeId, List<R>> out = new TreeMap<>();
    nodes.forEach(n -> out.put(n, new ArrayList<>()));
    for (Upcall u : upcalls) {
      if (type.isInstance(u.message()) && out.containsKey(u.node())) {
        out.get(u.node()).add(f.apply(type.cast(u.message())));
      }
    }
    return out;
  }

  public synchronized int size() {
    return upcalls.size();
  }
}
