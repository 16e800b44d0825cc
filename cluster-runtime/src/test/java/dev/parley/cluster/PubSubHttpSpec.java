package dev.parley.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.protocols.core.NodeId;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The topic broker over HTTP on three nodes in one JVM, as a user calls it with curl: the broker
 * runs on n1, requests at n2 and n3 are forwarded to it; publishing, pulling with get(timeout) and
 * acknowledgements, server-sent events, and the 400/404/409 answers to bad requests.
 */
class PubSubHttpSpec {

  static final NodeId N1 = NodeId.n(1);
  static final NodeId N2 = NodeId.n(2);
  static final NodeId N3 = NodeId.n(3);
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path data;
  static LocalCluster cluster;

  @BeforeAll
  static void start() {
    cluster = new LocalCluster(3, data, List.of("pubsub=topic-broker", "causal=causal-multicast"));
    cluster.awaitStarted("pubsub");
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static List<String> payloads(JsonNode pulled) {
    List<String> out = new ArrayList<>();
    pulled.get("messages").forEach(m -> out.add(m.get("payload").asText()));
    return out;
  }

  @Test
  void publishedMessagesArePulledInOrderAndStayQueuedUntilAcknowledged() {
    cluster.eventually(Duration.ofSeconds(20), () -> assertThat(cluster.post(N2, "/pubsub/pubsub/subscriptions/alice",
        "{\"topic\":\"orders\",\"durable\":true}").status()).isEqualTo(200));
    assertThat(cluster.post(N3, "/pubsub/pubsub/subscriptions/bob",
        "{\"topic\":\"orders\",\"filter\":{\"keyPrefix\":\"eu-\"}}").status()).isEqualTo(200);

    String[][] sent = {{"eu-1", "{\"qty\":1}"}, {"us-1", "{\"qty\":2}"}, {"eu-2", "three"}};
    for (int i = 0; i < sent.length; i++) {
      LocalCluster.Response r = cluster.post(N3, "/pubsub/pubsub/topics/orders?key=" + sent[i][0]
          + "&publisher=shop&seq=" + (i + 1), sent[i][1]);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body().get("seq").asLong()).isEqualTo(i + 1);
      assertThat(r.body().has("offset")).isTrue();
    }
    LocalCluster.Response again = cluster.post(N2, "/pubsub/pubsub/topics/orders?key=us-1&publisher=shop&seq=2",
        "{\"qty\":2}");
    assertThat(again.body().get("duplicate").asBoolean()).isTrue();
    LocalCluster.Response reused = cluster.post(N2, "/pubsub/pubsub/topics/orders?key=us-1&publisher=shop&seq=2", "x");
    assertThat(reused.status()).isEqualTo(409);
    assertThat(reused.body().get("conflict").asText()).isEqualTo("id-reused");
    assertThat(reused.body().get("error").asText()).contains("seq 2 was published with another topic, key or payload");
    assertThat(reused.body().get("goOnAbove").asLong()).isEqualTo(3);
    LocalCluster.Response gap = cluster.post(N2, "/pubsub/pubsub/topics/orders?publisher=shop&seq=9", "x");
    assertThat(gap.status()).isEqualTo(409);
    assertThat(gap.body().get("expected").asLong()).isEqualTo(4);

    JsonNode pulled = cluster.get(N1, "/pubsub/pubsub/subscriptions/alice/messages?max=10").body();
    assertThat(payloads(pulled)).containsExactly("{\"qty\":1}", "{\"qty\":2}", "three");
    assertThat(pulled.get("messages").get(0).get("key").asText()).isEqualTo("eu-1");
    assertThat(payloads(cluster.get(N2, "/pubsub/pubsub/subscriptions/alice/messages?max=1").body()))
        .as("not acknowledged: pulled again").containsExactly("{\"qty\":1}");
    long start = System.nanoTime();
    JsonNode empty = cluster.get(N2, "/pubsub/pubsub/subscriptions/alice/messages?ack=3&timeout=400").body();
    assertThat(payloads(empty)).isEmpty();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(400));

    assertThat(payloads(cluster.get(N1, "/pubsub/pubsub/subscriptions/bob/messages").body()))
        .containsExactly("{\"qty\":1}", "three");
  }

  @Test
  void serverSentEventsCarryWhatIsQueuedAndWhatIsPublishedNext() throws Exception {
    cluster.eventually(Duration.ofSeconds(20), () -> assertThat(cluster.post(N1, "/pubsub/pubsub/subscriptions/carol",
        "{\"topic\":\"news\",\"durable\":true}").status()).isEqualTo(200));
    assertThat(cluster.post(N2, "/pubsub/pubsub/topics/news?key=a", "first").status()).isEqualTo(200);

    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cluster.httpPorts.get(N3)
        + "/pubsub/pubsub/subscriptions/carol/events")).GET().build();
    HttpResponse<Stream<String>> response = HttpClient.newHttpClient()
        .sendAsync(request, HttpResponse.BodyHandlers.ofLines()).get(10, TimeUnit.SECONDS);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("text/event-stream");
    BlockingQueue<String> data = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try {
        response.body().filter(l -> l.startsWith("data:")).forEach(l -> data.add(l.substring(5).trim()));
      } catch (java.io.UncheckedIOException closedAtTheEnd) {
        data.add("closed");
      }
    });
    reader.setDaemon(true);
    reader.start();
    try {
      JsonNode first = JSON.readTree(data.poll(10, TimeUnit.SECONDS));
      assertThat(first.get("payload").asText()).isEqualTo("first");
      assertThat(first.get("n").asLong()).isEqualTo(1);
      assertThat(cluster.post(N1, "/pubsub/pubsub/topics/news?key=b", "second").status()).isEqualTo(200);
      JsonNode second = JSON.readTree(data.poll(10, TimeUnit.SECONDS));
      assertThat(second.get("payload").asText()).isEqualTo("second");
      assertThat(second.get("n").asLong()).isEqualTo(2);
    } finally {
      response.body().close();
    }
  }

  @Test
  void badRequestsAreAnsweredWithWhatWasWrong() {
    assertThat(cluster.post(N1, "/pubsub/nope/topics/t", "x").status()).isEqualTo(404);
    assertThat(cluster.post(N1, "/pubsub/causal/topics/t", "x").body().get("error").asText()).contains("not a topic broker");
    LocalCluster.Response noTopic = cluster.post(N2, "/pubsub/pubsub/subscriptions/dave", "{\"durable\":true}");
    assertThat(noTopic.status()).isEqualTo(400);
    assertThat(noTopic.body().get("error").asText()).contains("\"topic\"");
    assertThat(cluster.post(N2, "/pubsub/pubsub/subscriptions/dave", "{\"topic\":\"t\",\"filter\":{\"colour\":\"red\"}}")
        .body().get("error").asText()).contains("unknown filter field \"colour\"");
    assertThat(cluster.post(N2, "/pubsub/pubsub/topics/t?publisher=p&seq=abc", "x").status()).isEqualTo(400);
    assertThat(cluster.post(N2, "/pubsub/pubsub/topics/t?seq=1", "x").body().get("error").asText()).contains("publisher");
    cluster.eventually(Duration.ofSeconds(20), () ->
        assertThat(cluster.get(N3, "/pubsub/pubsub/subscriptions/nobody/messages").status()).isEqualTo(404));
    assertThat(cluster.get(N3, "/pubsub/pubsub/subscriptions/nobody/messages?max=x").status()).isEqualTo(400);
    assertThat(cluster.post(N1, "/pubsub/pubsub/subscriptions/erin", "{\"topic\":\"t\"}").status()).isEqualTo(200);
    assertThat(cluster.delete(N2, "/pubsub/pubsub/subscriptions/erin").status()).isEqualTo(200);
    assertThat(cluster.delete(N2, "/pubsub/pubsub/subscriptions/erin").status()).isEqualTo(404);
  }
}
