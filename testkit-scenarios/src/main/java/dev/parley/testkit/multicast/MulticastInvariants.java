package dev.parley.testkit.multicast;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.multicast.Delivered;
import dev.parley.protocols.multicast.MessageId;
import dev.parley.testkit.sim.Invariant;
import dev.parley.testkit.sim.SimView;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The multicast family's order properties checked after every simulated step, from the {@link
 * Delivered} upcalls every multicast raises: no message delivered twice by a node, and
 *
 * <ul>
 *   <li>{@link #perSender()}: each node delivers each sender's messages in the order they were sent
 *       (FIFO order: sequence numbers increase per origin);
 *   <li>{@link #causal()}: each node delivers the whole causal past of a message before it. The
 *       causal past of m is what its origin had delivered before m (an origin delivers its own
 *       message at once, so m's place in the origin's log is its send event), closed transitively.
 * </ul>
 *
 * Where {@code DeliveryOrderChecker} judges finished runs, this stops the run at the step that
 * breaks the order. It keeps state: give it per run, {@code
 * builder.freshInvariant(MulticastInvariants::causal)}. Cost: O(new deliveries) per step, plus each
 * message's causal past once.
 */
public final class MulticastInvariants implements Invariant {

  /** Per-sender (FIFO) order and no duplicates. */
  public static MulticastInvariants perSender() {
    return new MulticastInvariants(false);
  }

  /** Causal order and no duplicates. */
  public static MulticastInvariants causal() {
    return new MulticastInvariants(true);
  }

  private final boolean causal;
  private final Map<NodeId, Map<NodeId, Long>> lastFrom = new HashMap<>();

  private final Map<NodeId, Integer> examined = new HashMap<>();
  private final Map<NodeId, Map<MessageId, Integer>> position = new HashMap<>();
  private final Map<NodeId, Set<MessageId>> delivered = new HashMap<>();
  private final Map<MessageId, Set<MessageId>> past = new HashMap<>();

  private MulticastInvariants(boolean causal) {
    this.causal = causal;
  }

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
        Long previous = lastFrom.computeIfAbsent(node, n -> new HashMap<>()).put(m.origin(), m.seq());
        if (!causal && previous != null && previous >= m.seq() && !seen.contains(m)) {
          throw new AssertionError("per-sender order violated at " + node + ": delivered " + m + " after "
              + new MessageId(m.origin(), previous));
        }
        for (MessageId before : causal ? causalPast(view, m) : Set.<MessageId>of()) {
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
}
