package dev.parley.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.naming.Chord;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Chord on three nodes in one JVM: lookups over HTTP from every node agree with the sorted ring. */
class ChordHttpSpec {

  static final List<NodeId> NODES = List.of(NodeId.n(1), NodeId.n(2), NodeId.n(3));

  @TempDir static Path data;
  static LocalCluster cluster;

  @BeforeAll
  static void start() {
    cluster = new LocalCluster(3, data, List.of("ring=chord"));
    cluster.awaitStarted("ring");
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  static NodeId owner(String key) {
    TreeMap<Long, NodeId> ring = new TreeMap<>();
    NODES.forEach(n -> ring.put(Chord.identifier(n.name(), 32), n));
    Map.Entry<Long, NodeId> e = ring.ceilingEntry(Chord.identifier(key, 32));
    return (e != null ? e : ring.firstEntry()).getValue();
  }

  @Test
  void everyNodeFindsTheKeysTrueSuccessor() {
    for (String key : List.of("song.mp3", "paper.pdf", "k1", "k2", "k3", "k4")) {
      for (NodeId from : NODES) {
        cluster.eventually(Duration.ofSeconds(20), () -> {
          LocalCluster.Response r = cluster.post(from, "/protocols/ring/lookup", "{\"key\":\"" + key + "\"}");
          assertThat(r.status()).isEqualTo(200);
          JsonNode upcall = r.body().get("upcall");
          assertThat(upcall.get("owner").asText()).as("owner of %s asked at %s", key, from)
              .isEqualTo(owner(key).name());
        });
      }
    }
  }

  @Test
  void aLookupWithoutAKeyIsRefusedSayingWhatIsMissing() {
    LocalCluster.Response r = cluster.post(NodeId.n(1), "/protocols/ring/lookup", "{}");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.body().toString()).contains("\\\"key\\\"");
  }

  @Test
  void statusShowsTheNodesPlaceInTheRing() {
    cluster.eventually(Duration.ofSeconds(20), () -> {
      JsonNode live = cluster.get(NodeId.n(2), "/protocols/ring").body().get("live");
      assertThat(live.get("joined").asBoolean()).isTrue();
      assertThat(live.get("successors").size()).isEqualTo(2);
    });
  }
}
