package dev.parley.protocols.trace;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/** Putting traces recorded apart (one per node of a cluster) back together. */
public final class Traces {

  private Traces() {}

  /**
   * The events of several traces as one, in an order consistent with happened-before: by the sum of
   * each event's vector clock (which grows along every causal chain), then by node, then by index.
   */
  public static List<StampedEvent> merge(Collection<List<StampedEvent>> traces) {
    List<StampedEvent> all = new ArrayList<>();
    traces.forEach(all::addAll);
    all.sort(Comparator.comparingLong(Traces::clockSum)
        .thenComparing(StampedEvent::node)
        .thenComparingLong(StampedEvent::index));
    List<StampedEvent> out = new ArrayList<>(all.size());
    for (StampedEvent e : all) {
      out.add(e.at(out.size(), e.clock()));
    }
    return out;
  }

  private static long clockSum(StampedEvent e) {
    return e.clock().entries().values().stream().mapToLong(Long::longValue).sum();
  }
}
