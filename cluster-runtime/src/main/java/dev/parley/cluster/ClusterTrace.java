package dev.parley.cluster;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.trace.ConsistentCut;
import dev.parley.protocols.trace.StampedEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * A running cluster's trace, as {@code bin/parley trace} takes it: every node's {@code GET /trace}
 * at once ({@link NodeSnapshot}, asynchronously, so the nodes are read as close together as HTTP allows), then a
 * {@link ConsistentCut} of what they answered. A node that does not answer within the wait, or
 * answers with something that is not a trace, is left out and named with the reason; the cut then
 * has no lane for it.
 *
 * <p>Cost: one request per node, concurrently; the cut is linear-logarithmic in the events.
 */
public final class ClusterTrace {

  /** A node whose trace is missing, at its HTTP address, and why. */
  public record Missing(String address, String reason) {}

  /**
   * The cut, and the nodes that did not answer.
   *
   * @param cut the consistent cut of the traces fetched
   * @param missing the nodes left out, in the order asked
   */
  public record Taken(ConsistentCut cut, List<Missing> missing) {

    /** What a reader of the log must know: what the cut left out, and which node did not answer. */
    public List<String> header() {
      List<String> out = new ArrayList<>();
      missing.forEach(m -> out.add("MISSING: the node at " + m.address() + " did not answer (" + m.reason()
          + "); its events are not in this trace"));
      out.addAll(cut.summary());
      return out;
    }
  }

  private ClusterTrace() {}

  /** Fetches the trace of every node of {@code clients} at once, waiting at most {@code wait} for each. */
  public static Taken take(List<NodeClient> clients, Duration wait) {
    List<CompletableFuture<NodeSnapshot>> fetches =
        clients.stream().map(c -> NodeSnapshot.fetch(c, wait, false)).toList();
    return of(fetches.stream().map(CompletableFuture::join).toList());
  }

  /** The cut of what {@code snapshots} hold, naming the nodes that did not answer, in the order given. */
  public static Taken of(List<NodeSnapshot> snapshots) {
    Map<NodeId, List<StampedEvent>> traces = new TreeMap<>();
    List<Missing> missing = new ArrayList<>();
    for (NodeSnapshot s : snapshots) {
      if (s.answered()) {
        traces.put(s.node(), s.trace());
      } else {
        missing.add(new Missing(s.address(), s.failure()));
      }
    }
    return new Taken(ConsistentCut.of(traces, List.of()), List.copyOf(missing));
  }
}
