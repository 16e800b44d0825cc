package dev.parley.testkit.sim;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.multicast.Delivered;
import dev.parley.protocols.multicast.MessageId;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** What a simulated multicast delivered, for the simulation's own tests. */
final class Deliveries {

  private Deliveries() {}

  /** Every message some node multicast (its origin delivered it). */
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

  /** The messages {@code node} delivered, in order. */
  static List<MessageId> deliveredAt(SimView view, NodeId node) {
    return view.upcalls(node, Delivered.class).stream().map(Delivered::id).toList();
  }
}
