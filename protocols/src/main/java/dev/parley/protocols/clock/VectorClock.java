package dev.parley.protocols.clock;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.WireMessage;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A vector clock, as an immutable value: one counter per node, absent entries being 0.
 *
 * <p>Model: a group whose members are known by id (entries for new members appear when first
 * ticked). Rules: a node increments its own entry before each local event and send; on receipt it
 * takes the entry-wise maximum with the message's clock, then increments its own. Guarantee (the
 * strong clock condition): V(a) &lt; V(b) if and only if a happened before b, so concurrency is
 * detected: neither V(a) &le; V(b) nor V(b) &le; V(a).
 *
 * <p>Causal multicast uses a variant in which entries count messages delivered from each sender
 * and only sends tick; the comparison rules are the same.
 */
public final class VectorClock implements WireMessage {

  /** How two vector clocks (two events) relate. */
  public enum Order {
    /** This clock's event happened before the other's. */
    BEFORE,
    /** The other clock's event happened before this one's. */
    AFTER,
    /** The same clock. */
    EQUAL,
    /** Neither happened before the other. */
    CONCURRENT
  }

  public static final VectorClock EMPTY = new VectorClock(new TreeMap<>());

  private final TreeMap<NodeId, Long> entries;

  private VectorClock(TreeMap<NodeId, Long> entries) {
    this.entries = entries;
  }

  /** A clock with these entries; zero entries are dropped, negative ones rejected. */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING) // the map itself, as @JsonValue writes it
  public static VectorClock of(Map<NodeId, Long> entries) {
    TreeMap<NodeId, Long> copy = new TreeMap<>();
    entries.forEach(
        (node, value) -> {
          if (value < 0) {
            throw new IllegalArgumentException(
                "vector clock entry of " + node + " must not be negative, got " + value);
          }
          if (value > 0) {
            copy.put(node, value);
          }
        });
    return new VectorClock(copy);
  }

  /** The entries that are not zero, in node order. */
  @JsonValue
  public SortedMap<NodeId, Long> entries() {
    return Collections.unmodifiableSortedMap(entries);
  }

  /** The entry of {@code node}: 0 if never ticked. */
  public long get(NodeId node) {
    return entries.getOrDefault(node, 0L);
  }

  /** The clock after {@code node} counts one more event. */
  public VectorClock tick(NodeId node) {
    TreeMap<NodeId, Long> next = new TreeMap<>(entries);
    next.merge(node, 1L, Long::sum);
    return new VectorClock(next);
  }

  /** The entry-wise maximum of the two clocks. */
  public VectorClock merge(VectorClock other) {
    TreeMap<NodeId, Long> next = new TreeMap<>(entries);
    other.entries.forEach((node, value) -> next.merge(node, value, Math::max));
    return new VectorClock(next);
  }

  /** The clock of a receive event at {@code node}: merge, then tick. */
  public VectorClock receive(NodeId node, VectorClock received) {
    return merge(received).tick(node);
  }

  /** How this clock's event relates to {@code other}'s. */
  public Order compare(VectorClock other) {
    boolean less = false;
    boolean greater = false;
    TreeSet<NodeId> nodes = new TreeSet<>(entries.keySet());
    nodes.addAll(other.entries.keySet());
    for (NodeId node : nodes) {
      long a = get(node);
      long b = other.get(node);
      if (a < b) {
        less = true;
      } else if (a > b) {
        greater = true;
      }
      if (less && greater) {
        return Order.CONCURRENT;
      }
    }
    if (less) {
      return Order.BEFORE;
    }
    return greater ? Order.AFTER : Order.EQUAL;
  }

  /** V(this) &lt; V(other): this event happened before the other. */
  public boolean happenedBefore(VectorClock other) {
    return compare(other) == Order.BEFORE;
  }

  public boolean concurrentWith(VectorClock other) {
    return compare(other) == Order.CONCURRENT;
  }

  /** Every entry of this clock is at most the other's (this happened before or equals it). */
  public boolean lessOrEqual(VectorClock other) {
    Order o = compare(other);
    return o == Order.BEFORE || o == Order.EQUAL;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof VectorClock v && entries.equals(v.entries);
  }

  @Override
  public int hashCode() {
    return entries.hashCode();
  }

  @Override
  public String toString() {
    return entries.toString();
  }
}
