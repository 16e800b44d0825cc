package dev.parley.testkit.sim;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.multicast.Delivered;
import dev.parley.protocols.multicast.MessageId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Test helper (until the shared DeliveryOrderChecker exists): checks the {@link Delivered} upcalls
 * of a multicast for no duplication and causal order, incrementally, after every step.
 *
 * <p>The causal past of message m is what its origin had delivered before m (origins deliver their
 * own message at once, so m's place in the origin's log is its send event), closed transitively.
 * Every node must deliver the whole causal past of m before m. Keeps state: give it per run, {@code
 * builder.freshInvariant(CausalOrderCheck::new)}.
 */
final class CausalOrderCheck implements Invariant {

  private final Map<NodeId, Integer> examined = new HashMap<>();
  private final Map<NodeId, Map<MessageId, Integer>> position = new HashMap<>();
  private final Map<NodeId, Set<MessageId>> delivered = new HashMap<>();
  private final Map<MessageId, Set<MessageId>> past = new HashMap<>();

  @Override
  public void check(SimView view) {
    Map<NodeId, Integer> from = new HashMap<>();
    for (NodeId node : view.nodes()) {
      List<Object> log = view.upcalls(node);
      int start = examined.getOrDefault(node, 0);
      from.put(node, start);
      Map<MessageId, Integer> at = position.computeIfAbsent(node, n -> new HashMap<>());
      for (int i = start; i < log.size(); i++) {
        at.putIfAbsent(((Delivered) log.get(i)).id(), i);
      }
    }
    for (NodeId node : view.nodes()) {
      List<Object> log = view.upcalls(node);
      Set<MessageId> seen = delivered.computeIfAbsent(node, n -> new HashSet<>());
      for (int i = from.get(node); i < log.size(); i++) {
        MessageId m = ((Delivered) log.get(i)).id();
        for (MessageId before : causalPast(view, m)) {
          if (!seen.contains(before)) {
            throw new AssertionError(
                "causal order violated at " + node + ": delivered " + m + " before " + before
                    + ", which happened before it");
          }
        }
        if (!seen.add(m)) {
          throw new AssertionError(node + " delivered " + m + " twice");
        }
      }
      examined.put(node, log.size());
    }
  }

  private Set<MessageId> causalPast(SimView view, MessageId m) {
    Set<MessageId> known = past.get(m);
    if (known != null) {
      return known;
    }
    List<Object> originLog = view.upcalls(m.origin());
    Integer at = position.get(m.origin()).get(m);
    if (at == null) {
      throw new AssertionError(m + " was delivered before its origin " + m.origin() + " sent it");
    }
    Set<MessageId> result = new HashSet<>();
    for (int i = 0; i < at; i++) {
      MessageId before = ((Delivered) originLog.get(i)).id();
      result.add(before);
      result.addAll(causalPast(view, before));
    }
    past.put(m, result);
    return result;
  }

  /** Every message any node multicast, by its id. */
  static Set<MessageId> allMulticast(SimView view) {
    Set<MessageId> all = new TreeSet<>();
    for (NodeId node : view.nodes()) {
      for (Delivered d : view.upcalls(node, Delivered.class)) {
        if (d.id().origin().equals(node)) {
          all.add(d.id());
        }
      }
    }
    return all;
  }

  /** The ids {@code node} delivered, in order. */
  static List<MessageId> deliveredAt(SimView view, NodeId node) {
    List<MessageId> ids = new ArrayList<>();
    for (Delivered d : view.upcalls(node, Delivered.class)) {
      ids.add(d.id());
    }
    return ids;
  }
}
