package dev.parley.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.protocols.core.NodeId;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The explorer on a live cluster of three nodes in one JVM: a user's operations show among the
 * protocol traffic in the run a node serves, the live view delivers new ones, and a node that is
 * down is named. The last test stops a node.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExplorerRoutesSpec {

  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir static Path data;
  static LocalCluster cluster;

  @BeforeAll
  static void start() {
    cluster = new LocalCluster(3, data, List.of("raft=raft-kv", "causal=causal-multicast"));
    cluster.awaitAllStarted();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static String base(NodeId n) {
    return "http://127.0.0.1:" + cluster.httpPorts.get(n);
  }

  static JsonNode run(NodeId n) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base(n) + "/explorer/run"))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  @Test
  @Order(1)
  void theNodeServesThePage() throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base(NodeId.n(1)) + "/explorer"))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
    assertThat(r.body()).contains("id=\"parley-run\"");
  }

  @Test
  @Order(2)
  void theRunHoldsTheUsersOperationsAmongTheProtocolTrafficAsAValidRun() throws Exception {
    cluster.post(NodeId.n(2), "/protocols/causal/multicast?client=alice", "{\"payload\":\"hello explorer\"}");
    cluster.eventually(Duration.ofSeconds(20), () ->
        assertThat(cluster.put(NodeId.n(1), "/kv/raft/colour?timeout=2000", "blue").status()).isIn(200, 307));

    JsonNode run = cluster.eventually(Duration.ofSeconds(30), () -> {
      try {
        JsonNode r = run(NodeId.n(1));
        assertThat(r.get("events").findValuesAsText("label")).anyMatch(l -> l.contains("hello explorer"));
        assertThat(r.get("events").findValuesAsText("type")).as("a leader's heartbeat has been traced")
            .contains("AppendEntries (heartbeat)");
        return r;
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    });

    assertThat(run.get("format").asText()).isEqualTo("parley-run");
    assertThat(run.get("version").asInt()).isEqualTo(1);
    assertThat(run.get("source").asText()).isEqualTo("cluster");
    assertThat(run.get("timeUnit").asText()).isEqualTo("wall");
    List<JsonNode> events = new ArrayList<>();
    run.get("events").forEach(events::add);
    Set<String> nodesWithEvents = new HashSet<>();
    Set<String> sends = new HashSet<>();
    for (int i = 0; i < events.size(); i++) {
      JsonNode e = events.get(i);
      assertThat(e.get("i").asInt()).isEqualTo(i);
      nodesWithEvents.add(e.get("node").asText());
      if (e.get("kind").asText().equals("send")) {
        sends.add(e.get("node").asText() + ">" + e.get("peer").asText() + "#" + e.get("id").asLong());
      } else if (e.get("kind").asText().equals("receive")) {
        assertThat(sends).as("event %d's send comes before it", i)
            .contains(e.get("peer").asText() + ">" + e.get("node").asText() + "#" + e.get("id").asLong());
      }
    }
    assertThat(nodesWithEvents).containsExactlyInAnyOrder("n1", "n2", "n3");
    assertThat(events).anySatisfy(e -> {
      assertThat(e.get("type").asText()).isEqualTo("client");
      assertThat(e.get("node").asText()).isEqualTo("n2");
      assertThat(e.get("label").asText()).contains("multicast \"hello explorer\"").contains("alice");
    });
    assertThat(events).anySatisfy(e -> {
      assertThat(e.get("type").asText()).isEqualTo("client");
      assertThat(e.get("label").asText()).contains("put colour=blue");
    });
    List<JsonNode> ops = new ArrayList<>();
    run.get("history").get("operations").forEach(ops::add);
    assertThat(ops).anySatisfy(op -> {
      assertThat(op.get("client").asText()).isEqualTo("alice");
      assertThat(op.get("node").asText()).isEqualTo("n2");
      assertThat(op.get("f").asText()).isEqualTo("multicast");
    });
    assertThat(ops).anySatisfy(op -> assertThat(op.get("f").asText()).isEqualTo("put"));
    assertThat(run.get("states").fieldNames()).toIterable().contains("n1", "n2", "n3");
    assertThat(run.get("states").get("n1").has("raft")).isTrue();
  }

  @Test
  @Order(3)
  void theLiveViewDeliversANewOperationsEvents() throws Exception {
    run(NodeId.n(1));
    HttpResponse<InputStream> r = HTTP.send(HttpRequest.newBuilder(URI.create(base(NodeId.n(1)) + "/explorer/live"))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
    CompletableFuture<String> seen = CompletableFuture.supplyAsync(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
        String event = null;
        String data = null;
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          if (line.startsWith("event:")) {
            event = line.substring(6).strip();
          } else if (line.startsWith("data:")) {
            data = line.substring(5).strip();
          } else if (line.isEmpty()) {
            if ("events".equals(event) && data != null && data.contains("live op")) {
              return data;
            }
            event = null;
            data = null;
          }
        }
        return null;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    cluster.post(NodeId.n(3), "/protocols/causal/multicast", "{\"payload\":\"live op\"}");

    String data = seen.get(60, TimeUnit.SECONDS);
    r.body().close();
    JsonNode events = JSON.readTree(data);
    assertThat(events.isArray()).as(data).isTrue();
    assertThat(events).as(data).anySatisfy(e -> {
      assertThat(e.get("type").asText()).isEqualTo("client");
      assertThat(e.get("node").asText()).isEqualTo("n3");
      assertThat(e.get("i").asLong()).isPositive();
    });
  }

  @Test
  @Order(4)
  void exploreWritesThePageAndNamesANodeThatDoesNotAnswer(@TempDir Path out) throws Exception {
    String dead = "127.0.0.1:" + NodeProcesses.freePorts(1).get(0);
    CtlRun run = CtlRun.of("explore", "--nodes",
        dead + "," + base(NodeId.n(1)).substring("http://".length()), "--out", out.toString());
    assertThat(run.exit()).isZero();
    assertThat(run.err().lines().toList()).singleElement()
        .satisfies(l -> assertThat(l).startsWith("parley: no node answers at http://" + dead));
    assertThat(run.out()).contains("live view: http://127.0.0.1:");
    assertThat(JSON.readTree(Files.readString(out.resolve("explorer.json"))).get("format").asText())
        .isEqualTo("parley-run");
    assertThat(Files.readString(out.resolve("explorer.html"))).contains("\"format\":\"parley-run\"");
  }

  @Test
  @Order(5)
  void aNodeThatIsDownIsNamedInTheRunsNotes() {
    cluster.nodes.get(NodeId.n(3)).stop();
    cluster.eventually(Duration.ofSeconds(60), () -> {
      try {
        JsonNode notes = run(NodeId.n(1)).get("notes");
        List<String> lines = new ArrayList<>();
        notes.forEach(n -> lines.add(n.asText()));
        assertThat(lines).anyMatch(l -> l.startsWith("n3 ") && (l.contains("did not answer") || l.contains("not a member")));
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    });
  }
}
