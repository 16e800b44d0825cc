package dev.parley.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.protocols.core.NodeId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Overlay search on three nodes in one JVM: an item shared at one node is found by flooding and by walks. */
class OverlayHttpSpec {

  static final NodeId N1 = NodeId.n(1);
  static final NodeId N3 = NodeId.n(3);

  @TempDir static Path data;
  static LocalCluster cluster;

  @BeforeAll
  static void start() {
    cluster = new LocalCluster(3, data, List.of("p2p=overlay-search"));
    cluster.awaitStarted("p2p");
    assertThat(cluster.post(N3, "/protocols/p2p/share", "{\"item\":\"song.mp3\"}").status()).isEqualTo(202);
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  static JsonNode found(String body) {
    return cluster.eventually(Duration.ofSeconds(20), () -> {
      LocalCluster.Response r = cluster.post(N1, "/protocols/p2p/search?timeout=1000", body);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body().has("upcall")).as(r.body().toString()).isTrue();
      return r.body().get("upcall");
    });
  }

  @Test
  void aFloodFindsTheSharedItem() {
    JsonNode hit = found("{\"item\":\"song.mp3\",\"mode\":\"flood\",\"ttl\":2}");
    assertThat(hit.get("holder").asText()).isEqualTo("n3");
  }

  @Test
  void randomWalkersFindTheSharedItem() {
    JsonNode hit = found("{\"item\":\"song.mp3\",\"mode\":\"walk\",\"ttl\":10,\"walkers\":2}");
    assertThat(hit.get("holder").asText()).isEqualTo("n3");
  }

  @Test
  void aSearchForNothingEndsWithoutAnAnswerAndBadInputIsRefused() {
    LocalCluster.Response none = cluster.post(N1, "/protocols/p2p/search?timeout=300", "{\"item\":\"nothing\"}");
    assertThat(none.status()).isEqualTo(504);
    assertThat(none.body().get("note").asText()).isEqualTo("no answer within 300 ms; it may still happen");
    LocalCluster.Response badMode = cluster.post(N1, "/protocols/p2p/search", "{\"item\":\"x\",\"mode\":\"gossip\"}");
    assertThat(badMode.status()).isEqualTo(400);
    assertThat(badMode.body().toString()).contains("flood or walk");
  }
}
