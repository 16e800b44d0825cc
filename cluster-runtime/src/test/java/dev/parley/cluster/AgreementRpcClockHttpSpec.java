package dev.parley.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.protocols.byzantine.OralMessages;
import dev.parley.protocols.core.NodeId;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Byzantine agreement, RPC semantics and clock synchronisation on four nodes in one JVM, driven
 * through their HTTP APIs: the properties the simulation specs check, seen on a running cluster.
 */
class AgreementRpcClockHttpSpec {

  static final NodeId N1 = NodeId.n(1);
  static final NodeId N2 = NodeId.n(2);
  static final NodeId N3 = NodeId.n(3);
  static final NodeId N4 = NodeId.n(4);

  @TempDir static Path data;
  static LocalCluster cluster;

  @BeforeAll
  static void start() {
    cluster = new LocalCluster(4, data, List.of("om=oral-messages", "sm=signed-messages", "rpc=rpc",
        "rpc1=rpc-at-least-once", "nfs=nfs", "cristian=cristian", "berkeley=berkeley", "tg=two-generals"));
    cluster.awaitAllStarted();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** The upcall answering a call that waited for one. */
  static JsonNode answer(NodeId node, String path, String body) {
    LocalCluster.Response r = cluster.post(node, path, body);
    assertThat(r.status()).as("%s %s", path, r.body()).isEqualTo(200);
    assertThat(r.body().has("upcall")).as("answered: %s", r.body()).isTrue();
    return r.body().get("upcall");
  }

  static JsonNode decide(String instance, String body) {
    return answer(N2, "/protocols/" + instance + "/decide", body);
  }

  @Test
  void oralMessagesReachAgreementWithOneTraitorAmongFour() {
    JsonNode v = decide("om", "{\"value\": \"attack\", \"traitors\": [\"n3\"], \"behavior\": \"lie\"}");
    assertThat(v.get("agreement").asBoolean()).isTrue();
    assertThat(v.get("validity").asBoolean()).isTrue();
    assertThat(v.get("decisions").get("n2").asText()).isEqualTo("attack");
    assertThat(v.get("decisions").get("n4").asText()).isEqualTo("attack");
    assertThat(v.get("messages").asLong()).isEqualTo(OralMessages.messageCount(4, 1));

    JsonNode commander = decide("om", "{\"value\": \"attack\", \"traitors\": [\"n1\"], \"behavior\": \"conflicting\"}");
    assertThat(commander.get("agreement").asBoolean()).as("a traitorous commander: %s", commander).isTrue();
    assertThat(commander.get("validity").isNull()).isTrue();

    // negative control: OM(0) cannot tolerate the conflicting commander, and the check sees it
    JsonNode broken = decide("om", "{\"value\": \"attack\", \"traitors\": [\"n1\"], \"behavior\": \"conflicting\","
        + " \"m\": 0}");
    assertThat(broken.get("agreement").asBoolean()).as("OM(0) with a traitor: %s", broken).isFalse();
  }

  @Test
  void signedMessagesAgreeDespiteAConflictingCommander() {
    JsonNode v = decide("sm", "{\"value\": \"retreat\", \"traitors\": [\"n1\"], \"behavior\": \"conflicting\"}");
    assertThat(v.get("agreement").asBoolean()).as("%s", v).isTrue();
    JsonNode loyal = decide("sm", "{\"value\": \"attack\", \"traitors\": [\"n4\"], \"behavior\": \"lie\"}");
    assertThat(loyal.get("validity").asBoolean()).isTrue();
    assertThat(loyal.get("decisions").get("n2").asText()).isEqualTo("attack");
  }

  @Test
  void badDecideInputIsRefusedWithWhatWasWrong() {
    LocalCluster.Response r = cluster.post(N2, "/protocols/om/decide", "{\"value\": \"charge\"}");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.body().get("error").asText()).contains("attack");
    r = cluster.post(N2, "/protocols/om/decide", "{\"value\": \"attack\", \"traitors\": [\"n9\"]}");
    assertThat(r.status()).isEqualTo(400);
    r = cluster.post(N1, "/protocols/rpc/call", "{\"op\": \"increment\"}");
    assertThat(r.status()).as("a call at the server's node").isEqualTo(400);
    r = cluster.post(N2, "/protocols/rpc/call", "{\"op\": \"increment\", \"semantics\": \"at-least-once\"}");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.body().get("error").asText()).contains("rpc-at-least-once");
  }

  static long balance(String instance, NodeId client, String account) {
    return answer(client, "/protocols/" + instance + "/call",
        "{\"op\": \"balance\", \"account\": \"" + account + "\"}").get("result").get("value").asLong();
  }

  static final String DUPLICATING = "{\"type\": \"faults\", \"plan\": {\"drop\": 0.2, \"duplicate\": 0.5,"
      + " \"reorder\": 0, \"corrupt\": 0, \"delay\": {\"type\": \"fixed\", \"delay\": \"PT0S\"},"
      + " \"reorderWindow\": \"PT0.02S\", \"cut\": false}}";

  /** Calls under duplication: at-least-once escapes every copy with probability about 0.6^20. */
  static final int CALLS = 20;

  @Test
  void atMostOnceCountsEachRequestIdOnceUnderDuplicationAndAcrossAServerRestart() {
    for (NodeId node : List.of(N1, N3)) {
      assertThat(cluster.post(node, "/nemesis", DUPLICATING).status()).isEqualTo(200);
    }
    try {
      for (int i = 0; i < CALLS; i++) {
        answer(N3, "/protocols/rpc/call", "{\"op\": \"increment\", \"account\": \"dup\", \"amount\": 1}");
        answer(N3, "/protocols/rpc1/call", "{\"op\": \"increment\", \"account\": \"dup\", \"amount\": 1}");
      }
    } finally {
      for (NodeId node : List.of(N1, N3)) {
        cluster.post(node, "/nemesis", "{\"type\": \"heal\"}");
      }
    }
    assertThat(balance("rpc", N3, "dup")).as("at-most-once: one effect per call").isEqualTo(CALLS);
    // negative control: at-least-once executes the copies the network made, and the count shows it
    assertThat(balance("rpc1", N3, "dup")).as("at-least-once under duplication").isGreaterThan(CALLS);

    // the same request id sent again, before and after the server restarts from its journal
    String call = "{\"op\": \"increment\", \"account\": \"same\", \"amount\": 5, \"requestId\": 4242}";
    assertThat(answer(N2, "/protocols/rpc/call", call).get("result").get("value").asLong()).isEqualTo(5);
    assertThat(answer(N2, "/protocols/rpc/call", call).get("result").get("value").asLong()).isEqualTo(5);
    cluster.post(N1, "/nemesis/crash/rpc", "");
    cluster.post(N1, "/nemesis/restart/rpc", "");
    assertThat(answer(N2, "/protocols/rpc/call", call).get("result").get("value").asLong())
        .as("answered from the recovered reply cache").isEqualTo(5);
    assertThat(balance("rpc", N2, "same")).isEqualTo(5);
    JsonNode live = cluster.get(N1, "/protocols/rpc").body().get("live");
    assertThat(live.get("cachedReplies").asInt()).isGreaterThanOrEqualTo(CALLS + 2);
  }

  @Test
  void aRetriedRenameIsAnsweredFromTheReplyCache() {
    answer(N4, "/protocols/nfs/call", "{\"op\": \"create\", \"name\": \"draft\"}");
    JsonNode draft = answer(N4, "/protocols/nfs/call", "{\"op\": \"lookup\", \"name\": \"draft\"}");
    assertThat(draft.get("result").get("path").asText()).isEqualTo("/draft");
    JsonNode written = answer(N4, "/protocols/nfs/call", "{\"op\": \"write\", \"file\": \"/draft\", \"data\": \"hello\"}");
    assertThat(written.get("result").toString()).doesNotContain("STALE");
    String rename = "{\"op\": \"rename\", \"from\": \"draft\", \"to\": \"final\", \"requestId\": 99}";
    assertThat(answer(N4, "/protocols/nfs/call", rename).get("result").toString()).doesNotContain("NOENT");
    assertThat(answer(N4, "/protocols/nfs/call", rename).get("result").toString()).as("the retry")
        .doesNotContain("NOENT");
    assertThat(answer(N4, "/protocols/nfs/call", "{\"op\": \"read\", \"file\": \"final\"}")
        .get("result").get("data").asText()).isEqualTo("hello");
  }

  @Test
  void theTwoGeneralsAgreeOnlyWhileNoMessageIsLost() {
    JsonNode clean = answer(N3, "/protocols/tg/run", "{\"rounds\": 4, \"loss\": 0}");
    assertThat(clean.get("chain")).hasSize(4);
    assertThat(clean.get("chain").findValuesAsText("delivered")).containsOnly("true");
    assertThat(clean.get("generals").get("n1").get("attacks").asBoolean()).isTrue();
    assertThat(clean.get("generals").get("n2").get("attacks").asBoolean()).isTrue();
    assertThat(clean.get("coordinated").asBoolean()).isTrue();

    // the last (here: the only) message lost: its sender attacks alone
    JsonNode lost = answer(N3, "/protocols/tg/run", "{\"rounds\": 1, \"loss\": 1}");
    assertThat(lost.get("chain").toString()).contains("\"delivered\":false");
    assertThat(lost.get("generals").get("n1").get("attacks").asBoolean()).isTrue();
    assertThat(lost.get("generals").get("n2").get("attacks").asBoolean()).isFalse();
    assertThat(lost.get("coordinated").asBoolean()).isFalse();
  }

  static void assertWithinBound(JsonNode report) {
    assertThat(report.get("unreported")).as("%s", report).isEmpty();
    assertThat(report.get("nodes")).hasSize(4);
    // drift (at most 2 x 50 ppm over the few seconds of a round) aside
    assertThat(report.get("spreadMs").asDouble()).as("%s", report)
        .isLessThanOrEqualTo(report.get("boundMs").asDouble() + 0.5);
  }

  @Test
  void cristianBringsEveryClockWithinTheDelayBoundOfTheServer() {
    cluster.post(N3, "/protocols/cristian/skew", "{\"offsetMs\": 250, \"driftPpm\": 40}");
    JsonNode report = answer(N2, "/protocols/cristian/sync", "");
    assertWithinBound(report);
    assertThat(report.get("nodes").get("n3").get("estimateMs").asDouble()).as("n3's estimate of its offset")
        .isLessThan(-150);
    JsonNode status = cluster.get(N3, "/protocols/cristian").body();
    assertThat(status.get("state").get("lastEstimate").get("applied").asBoolean()).isTrue();
  }

  @Test
  void berkeleyBringsTheClocksTogetherAndSyncsAgainAfterASkew() {
    assertWithinBound(answer(N3, "/protocols/berkeley/sync", ""));
    cluster.post(N4, "/protocols/berkeley/skew", "{\"offsetMs\": -30}");
    JsonNode report = answer(N2, "/protocols/berkeley/sync", "");
    assertWithinBound(report);
    assertThat(report.get("roundMissed")).isEmpty();
    JsonNode master = cluster.get(N1, "/protocols/berkeley").body().get("live");
    assertThat(master.get("round").asInt()).isEqualTo(2);

    // a node that cannot be reached: the round goes on without it
    cluster.post(N4, "/nemesis/crash/berkeley", "");
    try {
      JsonNode without = answer(N2, "/protocols/berkeley/sync", "");
      assertThat(without.get("roundMissed").toString()).isEqualTo("[\"n4\"]");
      assertThat(without.get("unreported").toString()).isEqualTo("[\"n4\"]");
      assertThat(without.get("spreadMs").asDouble()).as("%s", without)
          .isLessThanOrEqualTo(without.get("boundMs").asDouble() + 0.5);
    } finally {
      cluster.post(N4, "/nemesis/restart/berkeley", "");
    }
  }
}
