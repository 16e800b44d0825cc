package dev.parley.cluster;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.cluster.http.Json;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.history.HistoryFormatException;
import dev.parley.protocols.history.HistoryJson;
import dev.parley.protocols.history.Op;
import dev.parley.protocols.trace.StampedEvent;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * One node's part of a running cluster's record, read over its HTTP API: who it is and its
 * instances' statuses ({@code GET /status}), its vector-stamped trace ({@code GET /trace}) and, if
 * asked, its clients' operations ({@code GET /history}); or, for a node that could not be read, why.
 *
 * <p>Reading is asynchronous on the HTTP client's threads, so an actor system's dispatcher never
 * waits on it; the three requests go one after the other, the trace right after the status so the
 * node's name and its events belong together. The future never fails: a failure is the snapshot's
 * {@link #failure()}.
 *
 * @param address the node's HTTP address, host:port
 * @param node its name, null if it did not say
 * @param status its {@code GET /status} answer, null if it did not answer
 * @param trace its own events, null if not read
 * @param history its clients' operations (invocations and completions), empty unless asked for
 * @param failure why it could not be read, null if it was
 */
public record NodeSnapshot(String address, NodeId node, JsonNode status, List<StampedEvent> trace, List<Op> history,
    String failure) {

  /** Whether the node answered everything asked of it. */
  public boolean answered() {
    return failure == null;
  }

  /** Reads the node {@code client} talks to, waiting at most {@code wait} for each answer. */
  public static CompletableFuture<NodeSnapshot> fetch(NodeClient client, Duration wait, boolean withHistory) {
    String address = client.base().replaceFirst("^https?://", "");
    return client.getAsync("/status", wait).thenCompose(status -> {
      if (!status.ok() || status.body() == null || !status.body().has("node")) {
        return done(failed(address, null, "GET /status answered " + status.status() + " " + brief(status.text())));
      }
      NodeId node = NodeId.of(status.body().get("node").asText());
      return client.getAsync("/trace", wait).thenCompose(trace -> {
        if (!trace.ok()) {
          return done(failed(address, node, "GET /trace answered " + trace.status() + " " + brief(trace.text())));
        }
        List<StampedEvent> events;
        try {
          events = Json.mapper().readValue(trace.text(), new TypeReference<List<StampedEvent>>() {});
        } catch (IOException | IllegalArgumentException e) {
          return done(failed(address, node, "its answer to GET /trace is not a trace of this version: "
              + brief(String.valueOf(e.getMessage()))));
        }
        if (!withHistory) {
          return done(new NodeSnapshot(address, node, status.body(), events, List.of(), null));
        }
        return client.getAsync("/history", wait).thenApply(history -> {
          if (!history.ok()) {
            return failed(address, node, "GET /history answered " + history.status() + " " + brief(history.text()));
          }
          try {
            return new NodeSnapshot(address, node, status.body(), events, HistoryJson.parse(history.text()).ops(), null);
          } catch (HistoryFormatException e) {
            return failed(address, node, "its answer to GET /history is not a history: " + brief(e.getMessage()));
          }
        });
      });
    }).exceptionally(error -> {
      Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
      return failed(address, null, String.valueOf(cause.getMessage()));
    });
  }

  private static NodeSnapshot failed(String address, NodeId node, String why) {
    return new NodeSnapshot(address, node, null, null, List.of(), why);
  }

  private static CompletableFuture<NodeSnapshot> done(NodeSnapshot snapshot) {
    return CompletableFuture.completedFuture(snapshot);
  }

  /** {@code text} on one line, at most 120 characters. */
  static String brief(String text) {
    String line = text == null ? "" : text.strip().replaceAll("\\s+", " ");
    return line.length() <= 120 ? line : line.substring(0, 117) + "...";
  }
}
