package dev.parley.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The key-value stores through {@code /kv}, on three nodes in one JVM, as a user calls them with curl. */
class KvHttpSpec {

  static final NodeId N1 = NodeId.n(1);
  static final NodeId N2 = NodeId.n(2);
  static final NodeId N3 = NodeId.n(3);

  @TempDir static Path data;
  static LocalCluster cluster;

  @BeforeAll
  static void start() {
    cluster = new LocalCluster(3, data, List.of("quorum=quorum", "gossip=gossip", "tx=two-phase-commit",
        "raft=raft-kv", "causal=causal-multicast"));
    cluster.awaitAllStarted();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aWriteAtOneNodeIsReadAtAnother() {
    cluster.eventually(Duration.ofSeconds(20), () ->
        assertThat(cluster.put(N1, "/kv/quorum/colour", "blue").status()).isEqualTo(200));
    LocalCluster.Response read = cluster.get(N3, "/kv/quorum/colour");
    assertThat(read.status()).isEqualTo(200);
    assertThat(read.body().get("value").asText()).isEqualTo("blue");
    assertThat(cluster.get(N2, "/kv/quorum/never-written").body().get("value").isNull()).isTrue();
  }

  @Test
  void raftFollowersRedirectToTheLeaderWhenAsked() {
    cluster.eventually(Duration.ofSeconds(30), () -> {
      List<Integer> codes = List.of(N1, N2, N3).stream()
          .map(n -> cluster.put(n, "/kv/raft/x?timeout=1000&redirect=true", "1").status()).toList();
      assertThat(codes).containsOnly(200, 307).containsOnlyOnce(200);
    });
    NodeId follower = List.of(N1, N2, N3).stream()
        .filter(n -> cluster.get(n, "/kv/raft/x", "Parley-Redirect", "true").status() == 307).findFirst().orElseThrow();
    LocalCluster.Response redirect = cluster.get(follower, "/kv/raft/x", "Parley-Redirect", "true");
    assertThat(redirect.body().get("error").asText()).contains("does not serve").contains("curl -L");
    assertThat(redirect.body().get("location").asText()).startsWith("http://127.0.0.1:").endsWith("/kv/raft/x");
    assertThat(redirect.header("Location")).contains(redirect.body().get("location").asText());
    NodeId leader = NodeId.of(redirect.body().get("leader").asText());
    assertThat(cluster.get(leader, "/kv/raft/x").body().get("value").asText()).isEqualTo("1");
  }

  @Test
  void aPutAndAGetAtAFollowerAreServedByTheLeaderWithoutARedirect() {
    NodeId leader = raftLeader();
    NodeId follower = List.of(N1, N2, N3).stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
    cluster.eventually(Duration.ofSeconds(20), () -> {
      LocalCluster.Response put = cluster.put(follower, "/kv/raft/forwarded?client=fwd&seq=1", "via-" + follower);
      assertThat(put.status()).as(String.valueOf(put.body())).isEqualTo(200);
      assertThat(put.header("Parley-Served-By")).contains(leader.name());
      assertThat(put.header("Location")).isEmpty();
    });
    LocalCluster.Response get = cluster.get(follower, "/kv/raft/forwarded");
    assertThat(get.status()).as(String.valueOf(get.body())).isEqualTo(200);
    assertThat(get.body().get("value").asText()).isEqualTo("via-" + follower);
    assertThat(get.header("Parley-Served-By")).contains(leader.name());
    LocalCluster.Response atLeader = cluster.get(leader, "/kv/raft/forwarded");
    assertThat(atLeader.body().get("value").asText()).isEqualTo("via-" + follower);
    assertThat(atLeader.header("Parley-Served-By")).as("served where asked: not forwarded").isEmpty();
  }

  @Test
  void theGenericOperationRouteForwardsToTheLeaderToo() {
    NodeId leader = raftLeader();
    NodeId follower = List.of(N1, N2, N3).stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
    cluster.eventually(Duration.ofSeconds(20), () -> {
      LocalCluster.Response put = cluster.post(follower, "/protocols/raft/put?client=generic&seq=1",
          "{\"key\":\"generic\",\"value\":\"g\"}");
      assertThat(put.status()).as(String.valueOf(put.body())).isEqualTo(200);
      assertThat(put.header("Parley-Served-By")).contains(leader.name());
      assertThat(put.body().get("upcall").has("leader")).as(put.body().toString()).isFalse();
    });
    assertThat(cluster.get(leader, "/kv/raft/generic").body().get("value").asText()).isEqualTo("g");
    cluster.eventually(Duration.ofSeconds(20), () -> {
      LocalCluster.Response asked = cluster.post(follower, "/protocols/raft/get?redirect=true",
          "{\"key\":\"generic\"}");
      assertThat(asked.status()).as("the answer saying who leads, as asked").isEqualTo(200);
      assertThat(asked.header("Parley-Served-By")).isEmpty();
      assertThat(asked.body().get("upcall").path("leader").asText()).as(asked.body().toString())
          .isEqualTo(leader.name());
    });
  }

  @Test
  void aForwardedWriteRetriedAtAnotherNodeIsAppliedOnce() {
    NodeId leader = raftLeader();
    List<NodeId> followers = List.of(N1, N2, N3).stream().filter(n -> !n.equals(leader)).toList();
    cluster.eventually(Duration.ofSeconds(20), () -> assertThat(
        cluster.put(followers.get(0), "/kv/raft/holder?client=carol&seq=1", "carol").status()).isEqualTo(200));
    assertThat(cluster.put(leader, "/kv/raft/holder?client=dave&seq=1", "dave").status()).isEqualTo(200);
    // carol never saw her answer and retries through the other follower: acknowledged, not applied again
    LocalCluster.Response retry = cluster.put(followers.get(1), "/kv/raft/holder?client=carol&seq=1", "carol");
    assertThat(retry.status()).as(String.valueOf(retry.body())).isEqualTo(200);
    assertThat(retry.header("Parley-Served-By")).contains(leader.name());
    assertThat(cluster.get(followers.get(1), "/kv/raft/holder").body().get("value").asText()).isEqualTo("dave");
    LocalCluster.Response reused = cluster.put(followers.get(0), "/kv/raft/holder?client=carol&seq=1", "other");
    assertThat(reused.status()).as(String.valueOf(reused.body())).isEqualTo(409);
    assertThat(cluster.get(leader, "/kv/raft/holder").body().get("value").asText()).isEqualTo("dave");
  }

  @Test
  void badInputAtAFollowerIsRefusedThereWithWhatWasWrong() {
    NodeId leader = raftLeader();
    NodeId follower = List.of(N1, N2, N3).stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
    LocalCluster.Response unknown = cluster.put(follower, "/kv/nosuch/k", "v");
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.body().get("error").asText()).contains("nosuch").contains("raft");
    assertThat(unknown.header("Parley-Served-By")).isEmpty();
    LocalCluster.Response malformed = cluster.post(follower, "/kv/raft/k/cas", "{\"expected\":");
    assertThat(malformed.status()).isEqualTo(400);
    assertThat(malformed.header("Parley-Served-By")).isEmpty();
    LocalCluster.Response empty = cluster.put(follower, "/kv/raft/k", "");
    assertThat(empty.status()).isEqualTo(400);
    assertThat(empty.body().get("error").asText()).contains("body is empty");
    LocalCluster.Response flag = cluster.get(follower, "/kv/raft/k?redirect=maybe");
    assertThat(flag.status()).isEqualTo(400);
    assertThat(flag.body().get("error").asText()).contains("redirect is true").contains("maybe");
  }

  /** The Raft store's leader, as a PUT asking for the redirect at n1 says. */
  private static NodeId raftLeader() {
    return cluster.eventually(Duration.ofSeconds(30), () -> {
      LocalCluster.Response r = cluster.put(N1, "/kv/raft/probe?timeout=1000&redirect=true", "1");
      assertThat(r.status()).isIn(200, 307);
      return r.status() == 200 ? N1 : NodeId.of(r.body().get("leader").asText());
    });
  }

  @Test
  void concurrentRequestsOfAnonymousClientsAreAllApplied() {
    NodeId leader = raftLeader();
    IntStream.range(0, 24).parallel().forEach(i ->
        assertThat(cluster.put(leader, "/kv/raft/c" + i, "v" + i).status()).isEqualTo(200));
    for (int i = 0; i < 24; i++) {
      assertThat(cluster.get(leader, "/kv/raft/c" + i).body().get("value").asText()).isEqualTo("v" + i);
    }
  }

  @Test
  void gossipConvergesAndCasReportsWhatTheKeyHeld() {
    assertThat(cluster.put(N2, "/kv/gossip/x", "1").status()).isEqualTo(200);
    cluster.eventually(Duration.ofSeconds(20), () ->
        assertThat(cluster.get(N3, "/kv/gossip/x").body().get("value").asText()).isEqualTo("1"));
    LocalCluster.Response failed = cluster.post(N3, "/kv/gossip/x/cas", "{\"expected\":\"0\",\"value\":\"2\"}");
    assertThat(failed.status()).isEqualTo(409);
    assertThat(failed.body().get("current").asText()).isEqualTo("1");
    LocalCluster.Response done = cluster.post(N3, "/kv/gossip/x/cas", "{\"expected\":\"1\",\"value\":\"2\"}");
    assertThat(done.status()).isEqualTo(200);
  }

  @Test
  void aTransactionWritesKeysOnEveryPartitionAllOrNothing() {
    String keys = "\"a\":\"1\",\"b\":\"1\",\"c\":\"1\",\"d\":\"1\"";
    cluster.eventually(Duration.ofSeconds(20), () -> {
      LocalCluster.Response r =
          cluster.post(N1, "/protocols/tx/transact", "{\"txId\":\"t1\",\"writes\":{" + keys + "}}");
      assertThat(r.body().at("/upcall/committed").asBoolean()).as(r.toString()).isTrue();
    });
    // a read is a transaction too: it may find a key still locked until the decision reached its owner
    cluster.eventually(Duration.ofSeconds(10), () -> {
      for (String key : new String[] {"a", "b", "c", "d"}) {
        assertThat(cluster.get(N2, "/kv/tx/" + key).body().path("value").asText()).isEqualTo("1");
      }
    });
    LocalCluster.Response refused = cluster.post(N3, "/protocols/tx/transact",
        "{\"txId\":\"t2\",\"writes\":{\"a\":\"2\",\"d\":\"2\"},\"expected\":{\"a\":\"1\",\"d\":\"0\"}}");
    assertThat(refused.body().at("/upcall/committed").isBoolean()).as(refused.toString()).isTrue();
    assertThat(refused.body().at("/upcall/committed").asBoolean()).isFalse();
    cluster.eventually(Duration.ofSeconds(10), () ->
        assertThat(cluster.get(N1, "/kv/tx/a").body().path("value").asText()).isEqualTo("1"));

    LocalCluster.Response bad = cluster.post(N1, "/protocols/tx/transact", "{\"writes\":{\"a\":1}}");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.body().get("error").asText()).contains("must be a string");
  }

  @Test
  void badRequestsAreAnsweredWithWhatWasWrong() {
    LocalCluster.Response empty = cluster.put(N1, "/kv/quorum/k", "");
    assertThat(empty.status()).isEqualTo(400);
    assertThat(empty.body().get("error").asText()).contains("body is empty");

    LocalCluster.Response junk = cluster.post(N1, "/kv/quorum/k/cas", "{nope");
    assertThat(junk.status()).isEqualTo(400);
    assertThat(junk.body().get("error").asText()).contains("not valid JSON");

    LocalCluster.Response noValue = cluster.post(N1, "/kv/quorum/k/cas", "{\"expected\":\"1\"}");
    assertThat(noValue.status()).isEqualTo(400);
    assertThat(noValue.body().get("error").asText()).contains("\"value\"");

    LocalCluster.Response unknown = cluster.get(N1, "/kv/nope/k");
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.body().get("error").asText()).contains("quorum");

    LocalCluster.Response notAStore = cluster.get(N1, "/kv/causal/k");
    assertThat(notAStore.status()).isEqualTo(404);
    assertThat(notAStore.body().get("error").asText()).contains("not a key-value store").contains("gossip");

    LocalCluster.Response noSeq = cluster.get(N1, "/kv/quorum/k?client=me");
    assertThat(noSeq.status()).isEqualTo(400);
    assertThat(noSeq.body().get("error").asText()).contains("seq=");
  }

  /** A key is one path segment, percent-decoded; any other path or method under /kv is refused. */
  @Test
  void aKeyIsOnePathSegmentAndOtherPathsAndMethodsAreRefused() {
    cluster.eventually(Duration.ofSeconds(20), () ->
        assertThat(cluster.put(N1, "/kv/quorum/a%2Fb", "slashed").status()).isEqualTo(200));
    LocalCluster.Response read = cluster.get(N2, "/kv/quorum/a%2Fb");
    assertThat(read.body().get("key").asText()).isEqualTo("a/b");
    assertThat(read.body().get("value").asText()).isEqualTo("slashed");

    assertThat(cluster.get(N1, "/kv/quorum/a/b").status()).isEqualTo(404);
    assertThat(cluster.get(N1, "/kv/quorum/a%2Fb/").status()).isEqualTo(404);
    assertThat(cluster.get(N1, "/kv/quorum").status()).isEqualTo(404);
    assertThat(cluster.get(N1, "/kv//a").status()).isEqualTo(404);
    LocalCluster.Response delete = cluster.delete(N1, "/kv/quorum/a%2Fb");
    assertThat(delete.status()).isEqualTo(405);
    assertThat(delete.body().get("error").asText()).contains("GET, PUT");
    assertThat(cluster.get(N1, "/kv/quorum/a%2Fb/cas").status()).isEqualTo(405);

    LocalCluster.Response json = cluster.get(N1, "/kv/quorum/a%2Fb", "Accept", "application/json");
    assertThat(json.body().get("value").asText()).isEqualTo("slashed");
    assertThat(cluster.get(N1, "/kv/quorum/a%2Fb", "Accept", "text/html").status()).isEqualTo(406);
  }

  /** A client registers with the Raft store, then names its requests with the id it was issued. */
  @Test
  void aRegisteredClientIsServedAndAnIdNeverIssuedIsRefused() {
    String[] issued = new String[1];
    cluster.eventually(Duration.ofSeconds(30), () -> {
      for (NodeId n : List.of(N1, N2, N3)) {
        LocalCluster.Response r = cluster.post(n, "/protocols/raft/register", "");
        String value = r.status() == 200 ? r.body().path("upcall").path("value").asText("") : "";
        if (value.startsWith("reg-")) {
          issued[0] = value;
        }
      }
      assertThat(issued[0]).as("a client id issued by the leader").isNotNull();
    });
    cluster.eventually(Duration.ofSeconds(20), () -> assertThat(List.of(N1, N2, N3).stream()
        .map(n -> cluster.put(n, "/kv/raft/registered?client=" + issued[0] + "&seq=1", "yes").status()))
        .contains(200));
    cluster.eventually(Duration.ofSeconds(20), () -> {
      LocalCluster.Response never = List.of(N1, N2, N3).stream()
          .map(n -> cluster.put(n, "/kv/raft/registered?client=reg-999999&seq=1", "no"))
          .filter(r -> r.status() != 307).findFirst().orElseThrow();
      assertThat(never.status()).isEqualTo(409);
      assertThat(never.body().get("conflict").asText()).isEqualTo("unknown-client");
      assertThat(never.body().get("error").asText()).contains("never registered");
    });
    cluster.eventually(Duration.ofSeconds(20), () -> assertThat(List.of(N1, N2, N3).stream()
        .map(n -> cluster.get(n, "/kv/raft/registered?redirect=true")).filter(r -> r.status() == 200)
        .map(r -> r.body().get("value").asText()).toList()).containsExactly("yes"));
  }

  @Test
  void aRetryWithTheSameRequestIdIsAppliedOnce() {
    assertThat(cluster.put(N1, "/kv/quorum/owner?client=alice&seq=1", "alice").status()).isEqualTo(200);
    assertThat(cluster.put(N2, "/kv/quorum/owner?client=bob&seq=1", "bob").status()).isEqualTo(200);
    // alice never saw her answer and retries: acknowledged again, but not applied again over bob's write
    assertThat(cluster.put(N1, "/kv/quorum/owner?client=alice&seq=1", "alice").status()).isEqualTo(200);
    assertThat(cluster.get(N3, "/kv/quorum/owner").body().get("value").asText()).isEqualTo("bob");
  }
}
