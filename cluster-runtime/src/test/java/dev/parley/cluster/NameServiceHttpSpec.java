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

/** The flat name service on three nodes in one JVM: register at the server, resolve (and cache) at a resolver. */
class NameServiceHttpSpec {

  static final NodeId SERVER = NodeId.n(1);
  static final NodeId RESOLVER = NodeId.n(2);

  @TempDir static Path data;
  static LocalCluster cluster;

  @BeforeAll
  static void start() {
    cluster = new LocalCluster(3, data, List.of("dns=name-service"));
    cluster.awaitStarted("dns");
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aRegisteredNameIsResolvedThenServedFromTheCache() {
    assertThat(cluster.post(SERVER, "/protocols/dns/register",
        "{\"name\":\"printer\",\"value\":\"10.1.1.1\",\"ttlMs\":60000}").status()).isEqualTo(202);
    JsonNode first = cluster.eventually(Duration.ofSeconds(20), () -> {
      LocalCluster.Response r = cluster.post(RESOLVER, "/protocols/dns/resolve", "{\"name\":\"printer\"}");
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body().get("upcall").get("value").asText()).isEqualTo("10.1.1.1");
      return r.body().get("upcall");
    });
    // one query to the server; a busy machine may make the resolver retry it, never serve it from a cache yet
    assertThat(first.get("cached").asBoolean()).isFalse();
    assertThat(first.get("queries").asInt()).isPositive();
    JsonNode again = cluster.post(RESOLVER, "/protocols/dns/resolve", "{\"name\":\"printer\"}").body().get("upcall");
    assertThat(again.get("cached").asBoolean()).isTrue();
    assertThat(again.get("queries").asInt()).isZero();
  }

  @Test
  void anUnknownNameIsNxDomain() {
    JsonNode r = cluster.eventually(Duration.ofSeconds(20), () -> {
      LocalCluster.Response resp = cluster.post(NodeId.n(3), "/protocols/dns/resolve", "{\"name\":\"nowhere\"}");
      assertThat(resp.status()).isEqualTo(200);
      return resp.body().get("upcall");
    });
    assertThat(r.get("zone").asText()).isEmpty();
    assertThat(r.has("value")).isFalse();
  }

  @Test
  void operationsAtTheWrongNodeOrWithoutANameAreRefusedSayingWhy() {
    LocalCluster.Response atResolver = cluster.post(RESOLVER, "/protocols/dns/register",
        "{\"name\":\"x\",\"value\":\"y\"}");
    assertThat(atResolver.status()).isEqualTo(400);
    assertThat(atResolver.body().toString()).contains("the name server n1");
    LocalCluster.Response noName = cluster.post(RESOLVER, "/protocols/dns/resolve", "{}");
    assertThat(noName.status()).isEqualTo(400);
    assertThat(noName.body().toString()).contains("name");
  }
}
