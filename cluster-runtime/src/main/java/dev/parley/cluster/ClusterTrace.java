package dev.parley.cluster;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.cluster.http.Json;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.trace.ConsistentCut;
import dev.parley.protocols.trace.StampedEvent;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A running cluster's trace, as {@code bin/parley trace} takes it: every node's {@code GET /trace}
 * at once (one thread per node, so the nodes are read as close together as HTTP allows), then a
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

  private record Fetched(String address, NodeId node, List<StampedEvent> events, String failure) {}

  private ClusterTrace() {}

  /** Fetches the trace of every node of {@code clients} at once, waiting at most {@code wait} for each. */
  public static Taken take(List<NodeClient> clients, Duration wait) {
    ObjectMapper json = Json.mapper();
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, clients.size()));
    try {
      List<Future<Fetched>> futures = new ArrayList<>();
      for (NodeClient c : clients) {
        futures.add(pool.submit(() -> fetch(c, wait, json)));
      }
      Map<NodeId, List<StampedEvent>> traces = new TreeMap<>();
      List<Missing> missing = new ArrayList<>();
      for (Future<Fetched> f : futures) {
        Fetched got = f.get();
        if (got.failure() != null) {
          missing.add(new Missing(got.address(), got.failure()));
        } else {
          traces.put(got.node(), got.events());
        }
      }
      return new Taken(ConsistentCut.of(traces, List.of()), List.copyOf(missing));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while fetching the traces", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("fetching a trace failed: " + e.getCause(), e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  /** One node's trace, or why there is none; never throws. */
  private static Fetched fetch(NodeClient client, Duration wait, ObjectMapper json) {
    String address = client.base().replaceFirst("^https?://", "");
    try {
      NodeClient.Response status = client.get("/status", wait);
      if (!status.ok() || status.body() == null || !status.body().has("node")) {
        return new Fetched(address, null, null, "GET /status answered " + status.status() + " " + brief(status.text()));
      }
      NodeId node = NodeId.of(status.body().get("node").asText());
      NodeClient.Response trace = client.get("/trace", wait);
      if (!trace.ok()) {
        return new Fetched(address, node, null, "GET /trace answered " + trace.status() + " " + brief(trace.text()));
      }
      List<StampedEvent> events = json.readValue(trace.text(), new TypeReference<List<StampedEvent>>() {});
      return new Fetched(address, node, events, null);
    } catch (IllegalStateException e) {
      return new Fetched(address, null, null, e.getMessage());
    } catch (IOException | IllegalArgumentException e) {
      return new Fetched(address, null, null, "its answer to GET /trace is not a trace of this version: "
          + brief(String.valueOf(e.getMessage())));
    }
  }

  private static String brief(String text) {
    String line = text == null ? "" : text.strip().replaceAll("\\s+", " ");
    return line.length() <= 120 ? line : line.substring(0, 117) + "...";
  }
}
