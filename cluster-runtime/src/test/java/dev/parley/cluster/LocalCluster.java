package dev.parley.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.TestProbe;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.parley.protocols.core.NodeId;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/** N nodes in this JVM on loopback, each with its own ports and data directory, and an HTTP client. */
final class LocalCluster implements AutoCloseable {

  static final Config BASE = ConfigFactory.parseString(
          "akka.coordinated-shutdown.exit-jvm = off\n"
              + "akka.cluster.jmx.multi-mbeans-in-same-jvm = on\n"
              + "akka.loglevel = WARNING\n")
      .withFallback(Node.defaultConfig());

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();

  final Map<NodeId, Node> nodes = new TreeMap<>();
  final Map<NodeId, Integer> httpPorts = new TreeMap<>();

  LocalCluster(int n, Path dataRoot, List<String> protocols) {
    this(n, dataRoot, protocols, ProtocolKinds.load(), BASE);
  }

  /** N nodes running {@code protocols} of {@code kinds}, with their class loader, on {@code config}. */
  LocalCluster(int n, Path dataRoot, List<String> protocols, ProtocolKinds kinds, Config config) {
    this(n, dataRoot, protocols, kinds, node -> config);
  }

  /** As above, each node on the configuration {@code config} gives it. */
  LocalCluster(int n, Path dataRoot, List<String> protocols, ProtocolKinds kinds, Function<NodeId, Config> config) {
    List<NodeId> group = IntStream.rangeClosed(1, n).mapToObj(NodeId::n).toList();
    List<Integer> ports = NodeProcesses.freePorts(2 * n);
    String seed = "127.0.0.1:" + ports.get(0);
    for (int i = 0; i < n; i++) {
      NodeId id = group.get(i);
      httpPorts.put(id, ports.get(n + i));
      NodeSettings settings = new NodeSettings(id, "127.0.0.1", ports.get(i), ports.get(n + i),
          List.of(seed), group, NodeSettings.parseProtocols(protocols, kinds), dataRoot.resolve(id.name()), 7);
      nodes.put(id, Node.start(settings, config.apply(id), kinds.classLoader()));
    }
  }

  /** Retries {@code assertion} up to {@code max}. */
  void eventually(Duration max, Runnable assertion) {
    eventually(max, () -> {
      assertion.run();
      return null;
    });
  }

  /** Retries {@code attempt} up to {@code max}; what it returned once it passed. */
  <T> T eventually(Duration max, Supplier<T> attempt) {
    TestProbe<Object> probe = TestProbe.create(nodes.values().iterator().next().system());
    return probe.awaitAssert(max, Duration.ofMillis(100), attempt::get);
  }

  void awaitStarted(String protocol) {
    eventually(Duration.ofSeconds(30), () -> nodes.values().forEach(n ->
        assertThat(n.runtime().instances().get(protocol).started()).isTrue()));
  }

  /** Waits until every protocol instance of every node has started. */
  LocalCluster awaitAllStarted() {
    eventually(Duration.ofSeconds(30), () -> nodes.values().forEach(n -> n.runtime().instances().forEach(
        (name, instance) -> assertThat(instance.started()).as("%s on %s", name, n).isTrue())));
    return this;
  }

  /** An answer: its status, its JSON body (null if none) and its headers. */
  record Response(int status, JsonNode body, HttpHeaders headers) {

    /** The header {@code name}'s value, if the answer has it. */
    Optional<String> header(String name) {
      return headers.firstValue(name);
    }
  }

  /** A GET of {@code path} at {@code node}, with {@code headers} (name, value, name, value, ...). */
  Response get(NodeId node, String path, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(node, path)).GET();
    if (headers.length > 0) {
      b.headers(headers);
    }
    return send(node, b.build());
  }

  Response post(NodeId node, String path, String body) {
    return send(node, HttpRequest.newBuilder(uri(node, path))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  Response put(NodeId node, String path, String body) {
    return send(node, HttpRequest.newBuilder(uri(node, path))
        .header("Content-Type", "text/plain")
        .PUT(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  Response delete(NodeId node, String path) {
    return send(node, HttpRequest.newBuilder(uri(node, path)).DELETE().build());
  }

  private URI uri(NodeId node, String path) {
    return URI.create("http://127.0.0.1:" + httpPorts.get(node) + path);
  }

  private static Response send(NodeId node, HttpRequest request) {
    try {
      HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
      JsonNode body = r.body().isBlank() ? null : JSON.readTree(r.body());
      return new Response(r.statusCode(), body, r.headers());
    } catch (IOException e) {
      throw new IllegalStateException(node + " did not answer " + request.uri() + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    nodes.values().forEach(Node::stop);
  }
}
