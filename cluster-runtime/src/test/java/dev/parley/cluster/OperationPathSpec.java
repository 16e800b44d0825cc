package dev.parley.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.protocols.core.NodeId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one client-operation path, {@code POST /protocols/{name}/{op}}, on three nodes in one JVM: a
 * body that does not map onto the operation's record is refused naming the field and the shape, an
 * unknown operation lists those there are, each answer reaches its own request and no other under
 * concurrency, and a request that times out leaves nothing waiting behind it.
 */
class OperationPathSpec {

  static final NodeId N1 = NodeId.n(1);
  static final NodeId N2 = NodeId.n(2);
  static final NodeId N3 = NodeId.n(3);

  @TempDir static Path data;
  static LocalCluster cluster;

  @BeforeAll
  static void start() {
    cluster = new LocalCluster(3, data, List.of("kv=quorum", "p2p=overlay-search", "log=partitioned-log",
        "pubsub=topic-broker"));
    cluster.awaitAllStarted();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static String refused(String path, String body) {
    LocalCluster.Response r = cluster.post(N1, path, body);
    assertThat(r.status()).as(String.valueOf(r.body())).isEqualTo(400);
    return r.body().get("error").asText();
  }

  @Test
  void aBodyThatDoesNotMapIsRefusedNamingTheFieldAndTheShape() {
    String shape = "put takes {\"key\": string, \"value\": string}";
    assertThat(refused("/protocols/kv/put", "{\"key\":\"a\",\"valeu\":\"1\"}"))
        .isEqualTo("unknown field \"valeu\"; " + shape);
    assertThat(refused("/protocols/kv/put", "{\"key\":\"a\"}")).isEqualTo("\"value\" is missing; " + shape);
    assertThat(refused("/protocols/kv/put", "{\"key\":\"a\",\"value\":null}"))
        .isEqualTo("\"value\" is missing; " + shape);
    assertThat(refused("/protocols/kv/put", "{\"key\":\"a\",\"value\":1}"))
        .startsWith("\"value\" must be a string").endsWith(shape);
    assertThat(refused("/protocols/kv/put", "[\"a\",\"1\"]")).isEqualTo("the body of put is a JSON object; " + shape);

    String read = "read takes {\"topic\": string, \"partition\": whole number, \"from\": whole number (optional),"
        + " \"max\": whole number (optional)}";
    assertThat(refused("/protocols/log/read", "{\"topic\":\"t\",\"partition\":\"0\"}"))
        .as("no string read as a number").startsWith("\"partition\" must be a whole number").endsWith(read);
    assertThat(refused("/protocols/log/read", "{\"topic\":\"t\",\"partition\":4294967296}"))
        .as("no narrowing").startsWith("\"partition\" is not valid").contains("out of range").endsWith(read);
    assertThat(refused("/protocols/log/read", "{\"topic\":\"t\",\"partition\":0.5}"))
        .as("no fraction as a whole number").startsWith("\"partition\" must be a whole number");
    assertThat(refused("/protocols/log/read", "{\"topic\":\"t\",\"partition\":0,\"max\":0}"))
        .startsWith("\"max\" is a whole number from 1 to 10000, got 0").endsWith(read);
    assertThat(refused("/protocols/kv/put", "{\"key\": ")).startsWith("the body is not valid JSON");
  }

  @Test
  void anUnknownOperationIsNotFoundAndListsTheOperations() {
    LocalCluster.Response r = cluster.post(N1, "/protocols/kv/delete", "{\"key\":\"a\"}");
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.body().get("error").asText()).isEqualTo("unknown operation 'delete' of quorum; its operations are"
        + " [put, get, cas]");
    JsonNode listed = cluster.get(N1, "/protocols").body();
    assertThat(listed.get("log").get("operations").toString())
        .isEqualTo("[\"append\",\"read\",\"commit\",\"positions\"]");
  }

  @Test
  void eachAnswerReachesItsOwnRequestUnderConcurrency() {
    IntStream.range(0, 10).forEach(i -> assertThat(cluster.post(N2, "/protocols/kv/put?client=w&seq=" + (i + 1),
        "{\"key\":\"k" + i + "\",\"value\":\"v" + i + "\"}").status()).isEqualTo(200));

    List<JsonNode> answers = IntStream.range(0, 40).parallel().mapToObj(i -> {
      LocalCluster.Response r = cluster.post(N1, "/protocols/kv/get?client=r" + i + "&seq=1",
          "{\"key\":\"k" + (i % 10) + "\"}");
      assertThat(r.status()).as(String.valueOf(r.body())).isEqualTo(200);
      return (JsonNode) ((ObjectNode) r.body()).put("asked", i);
    }).toList();

    for (JsonNode a : answers) {
      int i = a.get("asked").asInt();
      assertThat(a.at("/upcall/id/client").asText()).as(a.toString()).isEqualTo("r" + i);
      assertThat(a.at("/upcall/value").asText()).as(a.toString()).isEqualTo("v" + (i % 10));
    }
  }

  @Test
  void anOperationWhoseProtocolAnswersItsCallerGoesTheSameWay() {
    LocalCluster.Response subscribed = cluster.post(N2, "/protocols/pubsub/subscribe",
        "{\"subscriber\":\"op-sub\",\"topic\":\"op-topic\",\"durable\":true}");
    assertThat(subscribed.status()).as(String.valueOf(subscribed.body())).isEqualTo(200);
    assertThat(subscribed.body().at("/upcall/subscriberId").asText()).isEqualTo("op-sub");
    LocalCluster.Response published = cluster.post(N1, "/protocols/pubsub/publish",
        "{\"topic\":\"op-topic\",\"payload\":\"hello\",\"publisher\":\"op-pub\",\"seq\":1}");
    assertThat(published.status()).as(String.valueOf(published.body())).isEqualTo(200);
    assertThat(published.body().at("/upcall/seq").asLong()).isEqualTo(1);

    JsonNode pulled = cluster.eventually(Duration.ofSeconds(10), () -> {
      LocalCluster.Response r =
          cluster.post(N3, "/protocols/pubsub/pull", "{\"subscriber\":\"op-sub\",\"waitMs\":500}");
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body().at("/upcall/messages")).hasSize(1);
      return r.body().at("/upcall/messages/0");
    });
    assertThat(pulled.at("/message/payload").asText()).isEqualTo("hello");
    assertThat(cluster.post(N3, "/protocols/pubsub/ack", "{\"subscriber\":\"op-sub\",\"upTo\":1}").status())
        .isEqualTo(202);
    assertThat(refused("/protocols/pubsub/publish", "{\"topic\":\"t\",\"payload\":\"p\",\"seq\":1}"))
        .startsWith("\"seq\" numbers a publisher's messages from 1: give \"publisher\" with it");
  }

  @Test
  void aRequestThatTimesOutLeavesNothingBehind() {
    List<LocalCluster.Response> pending = IntStream.range(0, 5).parallel().mapToObj(i ->
        cluster.post(N1, "/protocols/p2p/search?timeout=300", "{\"item\":\"nowhere-" + i + "\"}")).toList();
    assertThat(pending).allSatisfy(p -> {
      assertThat(p.status()).isEqualTo(504);
      assertThat(p.body().get("note").asText()).contains("no answer within 300 ms");
    });
    assertThat(cluster.get(N1, "/protocols/p2p").body().at("/requests/waiting").asInt()).isZero();

    LocalCluster.Response held = cluster.post(N2, "/protocols/kv/get?client=q&seq=1&timeout=1", "{\"key\":\"k1\"}");
    assertThat(held.status()).isEqualTo(200);
    cluster.eventually(Duration.ofSeconds(5), () ->
        assertThat(cluster.get(N2, "/protocols/kv").body().at("/requests/waiting").asInt()).isZero());
  }
}
