package dev.parley.testkit.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.cluster.NodeClient;
import dev.parley.protocols.core.NodeId;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/**
 * Drives a local cluster started by {@code bin/parley} (node nI serves HTTP on 127.0.0.1:855I):
 * runs the script's commands (showing them), calls the nodes, reads their upcalls, and waits for
 * conditions with a deadline. What scenarios against real JVMs, such as the demo, are written with.
 */
public final class ClusterDriver {

  /** One upcall as a node reports it: when, its type, and its JSON. */
  public record Upcall(NodeId node, long index, long timeMillis, String type, JsonNode body) {}

  private final String bin;
  private final Map<NodeId, NodeClient> clients = new TreeMap<>();
  private final Map<NodeId, String> https = new TreeMap<>();

  public ClusterDriver(String bin, int nodes) {
    this.bin = bin;
    for (int i = 1; i <= nodes; i++) {
      https.put(NodeId.n(i), "127.0.0.1:" + (8550 + i));
      clients.put(NodeId.n(i), new NodeClient(https.get(NodeId.n(i))));
    }
  }

  /** The nodes' HTTP addresses (host:port), in node order. */
  public List<String> https() {
    return new ArrayList<>(https.values());
  }

  public List<NodeId> nodes() {
    return new ArrayList<>(clients.keySet());
  }

  public NodeClient node(NodeId node) {
    return clients.get(node);
  }

  /** Runs {@code bin/parley args...}, printing the command and its output indented; fails if it fails. */
  public void parley(String... args) {
    List<String> command = new ArrayList<>(List.of(bin));
    command.addAll(List.of(args));
    System.out.println("    $ bin/parley " + String.join(" ", args));
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      try (BufferedReader out = new BufferedReader(
          new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = out.readLine()) != null) {
          System.out.println("      " + line);
        }
      }
      if (p.waitFor() != 0) {
        throw new IllegalStateException("bin/parley " + String.join(" ", args) + " failed");
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + bin + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Sends the same nemesis command to every node in {@code to}. */
  public void nemesis(List<NodeId> to, String json) {
    for (NodeId n : to) {
      NodeClient.Response r = node(n).post("/nemesis", json);
      if (!r.ok()) {
        throw new IllegalStateException(n + " refused the nemesis command " + json + ": " + r.text());
      }
    }
  }

  /** The upcalls of instance {@code protocol} at {@code node} of the given types (all if none). */
  public List<Upcall> upcalls(NodeId node, String protocol, String... types) {
    List<Upcall> out = new ArrayList<>();
    NodeClient.Response r = node(node).get("/protocols/" + protocol + "/upcalls");
    if (!r.ok()) {
      throw new IllegalStateException(node + ": " + r.text());
    }
    for (JsonNode e : r.body()) {
      String type = e.get("type").asText();
      if (types.length == 0 || List.of(types).contains(type)) {
        out.add(new Upcall(node, e.get("index").asLong(), e.get("timeMillis").asLong(), type, e.get("upcall")));
      }
    }
    return out;
  }

  /** An instance's live state at {@code node} (null if it does not answer). */
  public JsonNode live(NodeId node, String protocol) {
    try {
      NodeClient.Response r = node(node).get("/protocols/" + protocol);
      return r.ok() && r.body().has("live") ? r.body().get("live") : null;
    } catch (IllegalStateException down) {
      return null;
    }
  }

  /** Waits until {@code condition} holds; false if {@code max} passes first. */
  public boolean await(Duration max, BooleanSupplier condition) {
    return awaitUntil(max, condition);
  }

  /**
   * Waits until {@code condition} holds, asking again every 100 ms and taking a node that does not
   * answer (an {@link IllegalStateException} from its client) as not yet; false if {@code max} passes first.
   */
  public static boolean awaitUntil(Duration max, BooleanSupplier condition) {
    long deadline = System.nanoTime() + max.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (condition.getAsBoolean()) {
          return true;
        }
      } catch (IllegalStateException notYet) {
        // a node restarting does not answer yet
      }
      pause(Duration.ofMillis(100));
    }
    return false;
  }

  public static void pause(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
