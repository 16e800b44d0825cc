package dev.parley.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.parley.cluster.http.AccessControl;
import dev.parley.protocols.core.NodeId;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tokens and access rules on a node's HTTP API (the default rules of application.conf): who gets
 * 401, 403 and 200, the refusals counted in /status, and configurations refused at start.
 */
class AccessControlSpec {

  static final String READER = "reader-token-0123456789";
  static final String WRITER = "writer-token-0123456789";
  static final String ADMIN = "admin-token-0123456789ab";

  @TempDir static Path data;
  static Node node;
  static String http;

  @BeforeAll
  static void start() {
    List<Integer> ports = NodeProcesses.freePorts(2);
    Config config = ConfigFactory.parseString("parley.http.access.tokens {\n"
        + "\"" + READER + "\" = reader\n\"" + WRITER + "\" = [writer]\n\"" + ADMIN + "\" = admin\n}")
        .withFallback(LocalCluster.BASE);
    NodeSettings settings = new NodeSettings(NodeId.n(1), "127.0.0.1", ports.get(0), ports.get(1),
        List.of("127.0.0.1:" + ports.get(0)), List.of(NodeId.n(1)), Map.of(), data.resolve("n1"), 1);
    node = Node.start(settings, config);
    http = "127.0.0.1:" + ports.get(1);
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.stop();
    }
  }

  @Test
  void tokensAndRolesDecideAndRefusalsAreCounted() throws Exception {
    HttpResponse<String> anonymous = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://" + http + "/status")).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v ->
        assertThat(v).startsWith("Bearer"));
    assertThat(anonymous.body()).contains("Authorization: Bearer");
    assertThat(new NodeClient(http, "wrong-token-0123456789").get("/status").status()).isEqualTo(401);

    NodeClient reader = new NodeClient(http, READER);
    NodeClient writer = new NodeClient(http, WRITER);
    NodeClient admin = new NodeClient(http, ADMIN);
    assertThat(reader.get("/status").status()).isEqualTo(200);
    assertThat(reader.get("/protocols").status()).isEqualTo(200);

    NodeClient.Response nemesis = reader.post("/nemesis", "{\"type\":\"heal\"}");
    assertThat(nemesis.status()).isEqualTo(403);
    assertThat(nemesis.body().get("error").asText()).isEqualTo("POST /nemesis needs the role admin; this token has reader");
    assertThat(writer.post("/nemesis/crash/x", "").status()).isEqualTo(403);
    assertThat(reader.get("/journal").status()).isEqualTo(403);
    assertThat(reader.get("/%6Aournal").status()).as("a percent-encoded path is judged decoded").isEqualTo(403);
    NodeClient.Response put = reader.put("/kv/quorum/k", "v");
    assertThat(put.status()).isEqualTo(403);
    assertThat(put.body().get("error").asText()).contains("needs the role admin or writer");

    NodeClient.Response written = writer.put("/kv/quorum/k", "v");
    assertThat(written.status()).as("past the guard: the node runs no store 'quorum'").isEqualTo(404);
    assertThat(admin.post("/nemesis", "{\"type\":\"heal\"}").status()).isEqualTo(200);
    assertThat(admin.get("/journal").status()).isEqualTo(200);

    NodeClient.Response status = admin.get("/status");
    assertThat(status.body().get("transport").asText()).isEqualTo("tcp");
    assertThat(status.body().get("access").get("unauthorized").asLong()).isEqualTo(2);
    assertThat(status.body().get("access").get("forbidden").asLong()).isEqualTo(5);
  }

  @Test
  void noTokensMeansOpen() {
    AccessControl open = AccessControl.fromConfig(LocalCluster.BASE);
    assertThat(open.open()).isTrue();
    assertThat(open.decide("POST", List.of("nemesis"), Optional.empty()).status()).isEqualTo(200);
  }

  @Test
  void rulesMatchSegmentsAndTheFirstMatchDecides() {
    AccessControl ac = AccessControl.fromConfig(ConfigFactory.parseString(
        "parley.http.access { tokens { \"" + READER + "\" = reader }\n"
            + "rules = [ { methods = [GET], paths = [\"/protocols/*/upcalls\"], roles = [reader] },"
            + " { methods = [GET], paths = [\"/protocols/**\"], roles = [admin] } ] }"));
    Optional<String> bearer = Optional.of("Bearer " + READER);
    assertThat(ac.decide("GET", List.of("protocols", "causal", "upcalls"), bearer).status()).isEqualTo(200);
    assertThat(ac.decide("GET", List.of("protocols", "causal"), bearer).status()).isEqualTo(403);
    assertThat(ac.decide("GET", List.of("protocols"), bearer).status()).isEqualTo(403);
    assertThat(ac.decide("GET", List.of("status"), bearer).message()).isEqualTo("no access rule allows GET /status to anyone");
    assertThat(ac.decide("GET", List.of("protocols", "causal", "upcalls"), Optional.of("Basic " + READER)).status())
        .isEqualTo(401);
    assertThat(ac.counts()).containsEntry("unauthorized", 1L).containsEntry("forbidden", 3L);
  }

  @Test
  void badAccessConfigurationIsRefusedAtStart() {
    String rules = "rules = [ { methods = [GET], paths = [\"/**\"], roles = [reader] } ]";
    assertThatThrownBy(() -> AccessControl.fromConfig(ConfigFactory.parseString(
        "parley.http.access { tokens { short = reader }\n" + rules + " }")))
        .hasMessageStartingWith("bad access configuration: a token in parley.http.access.tokens is too short");
    assertThatThrownBy(() -> AccessControl.fromConfig(ConfigFactory.parseString(
        "parley.http.access { tokens { \"" + READER + "\" = raeder }\n" + rules + " }")))
        .hasMessageContaining("has the role 'raeder', which no rule in parley.http.access.rules allows anything");
    assertThatThrownBy(() -> AccessControl.fromConfig(ConfigFactory.parseString(
        "parley.http.access { tokens { \"" + READER + "\" = reader }\n"
            + "rules = [ { methods = [FETCH], paths = [\"/**\"], roles = [reader] } ] }")))
        .hasMessageContaining("parley.http.access.rules[0].methods has 'FETCH'");
    assertThatThrownBy(() -> AccessControl.fromConfig(ConfigFactory.parseString(
        "parley.http.access { tokens { \"" + READER + "\" = reader }\n"
            + "rules = [ { methods = [GET], paths = [\"/**/x\"], roles = [reader] } ] }")))
        .hasMessageContaining("parley.http.access.rules[0].paths has '/**/x'");
    assertThatThrownBy(() -> AccessControl.fromConfig(ConfigFactory.parseString(
        "parley.http.access { tokens { \"" + READER + "\" = reader }, rules = [] }")))
        .hasMessageContaining("has tokens but no rules");

    List<Integer> ports = NodeProcesses.freePorts(2);
    NodeSettings settings = new NodeSettings(NodeId.n(2), "127.0.0.1", ports.get(0), ports.get(1),
        List.of("127.0.0.1:" + ports.get(0)), List.of(NodeId.n(2)), Map.of(), data.resolve("n2"), 1);
    assertThatThrownBy(() -> Node.start(settings, ConfigFactory.parseString(
        "parley.http.access.tokens { short = reader }").withFallback(LocalCluster.BASE)))
        .hasMessageStartingWith("bad access configuration");
  }
}
