package dev.parley.testkit.mutex;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.mutex.Granted;
import dev.parley.protocols.mutex.Released;
import dev.parley.testkit.sim.Invariant;
import dev.parley.testkit.sim.SimView;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Mutual exclusion's safety properties checked after every simulated step, from the upcalls every
 * algorithm of the family raises ({@link Granted}, {@link Released}):
 *
 * <ul>
 *   <li><b>one holder</b>: no node is granted the lock while another holds it. A node holds it from
 *       its {@code Granted} until its {@code Released}, or until it crashes (a crashed holder's
 *       memory is gone; a lease or a new token frees the lock);
 *   <li><b>fencing tokens increase</b>: every grant that carries a token (above zero; peer
 *       algorithms without tokens raise 0) carries a larger one than every grant before it.
 * </ul>
 *
 * Where {@code MutualExclusionChecker} judges a finished run, this stops the run at the step that
 * breaks a property, with its replay line and the events before it. Give it per run: {@code
 * builder.freshInvariant(MutexInvariants::new)}. Cost: O(new upcalls) per step.
 */
public final class MutexInvariants implements Invariant {

  private final Map<NodeId, Integer> read = new HashMap<>();
  /** Who holds the lock now, and in which incarnation it was granted. */
  private final Map<NodeId, Integer> holders = new HashMap<>();
  private long lastToken;
  private NodeId lastTokenHolder;

  @Override
  public void check(SimView view) {
    holders.entrySet().removeIf(h -> !view.isUp(h.getKey()) || view.incarnation(h.getKey()) != h.getValue());
    for (NodeId node : view.nodes()) {
      List<Object> upcalls = view.upcalls(node);
      int from = read.getOrDefault(node, 0);
      for (int i = from; i < upcalls.size(); i++) {
        Object u = upcalls.get(i);
        if (u instanceof Granted g) {
          granted(view, node, g);
        } else if (u instanceof Released) {
          holders.remove(node);
        }
      }
      read.put(node, upcalls.size());
    }
  }

  private void granted(SimView view, NodeId node, Granted g) {
    holders.keySet().stream().filter(h -> !h.equals(node)).findFirst().ifPresent(other -> {
      throw new AssertionError("mutual exclusion violated: " + node + " was granted the lock while " + other
          + " held it");
    });
    holders.put(node, view.incarnation(node));
    if (g.fencingToken() > 0) {
      if (g.fencingToken() <= lastToken) {
        throw new AssertionError("fencing tokens must increase: " + node + " was granted token " + g.fencingToken()
            + " after " + lastTokenHolder + " was granted token " + lastToken);
      }
      lastToken = g.fencingToken();
      lastTokenHolder = node;
    }
  }
}
