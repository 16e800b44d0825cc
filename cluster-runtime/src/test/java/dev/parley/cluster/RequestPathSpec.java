package dev.parley.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.pubsub.PartitionedLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The request path keeps its promises: each case a hostile client found against a 3-node cluster,
 * through the HTTP API, as a regression spec. One grant goes to one client; an acknowledged write
 * happens; a retry gets its own first answer and a different request under a used id is refused; a
 * read is never answered with a write's record; a request answered 4xx has no effect; numbers are
 * range-checked, not narrowed; a refused request leaves no client wedged; and every error is JSON
 * saying what was wrong.
 */
class RequestPathSpec {

  static final NodeId N1 = NodeId.n(1);
  static final NodeId N2 = NodeId.n(2);
  static final NodeId N3 = NodeId.n(3);

  @TempDir static Path data;
  static LocalCluster cluster;
  static final NodeId[] kvLeader = new NodeId[1];
  static final NodeId[] logLeader = new NodeId[1];

  @BeforeAll
  static void start() {
    cluster = new LocalCluster(3, data, List.of("kv=raft-kv", "log=partitioned-log", "locks=lock-server",
        "causal=causal-multicast"));
    cluster.awaitAllStarted();
    kvLeader[0] = leaderOf("/kv/kv/warm-up?timeout=1000&redirect=true", "PUT");
    logLeader[0] = leaderOf("/log/log/topics/warm-up?timeout=1000&redirect=true", "POST");
  }

  private static NodeId leaderOf(String path, String method) {
    return cluster.eventually(Duration.ofSeconds(60), () -> {
      LocalCluster.Response r = method.equals("PUT") ? cluster.put(N1, path, "x") : cluster.post(N1, path, "x");
      assertThat(r.status()).as(String.valueOf(r.body())).isIn(200, 307);
      return r.status() == 200 ? N1 : NodeId.of(r.body().get("leader").asText());
    });
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  // 1 ------------------------------------------------------------------------------------------

  @Test
  void twoClientsAcquiringAtOneNodeNeverHoldTheLockTogether() {
    CompletableFuture<Answer> c1 = CompletableFuture.supplyAsync(() ->
        Answer.of(cluster.post(N2, "/protocols/locks/acquire?client=c1&timeout=20000", "")));
    CompletableFuture<Answer> c2 = CompletableFuture.supplyAsync(() ->
        Answer.of(cluster.post(N2, "/protocols/locks/acquire?client=c2&timeout=20000", "")));
    Answer first = CompletableFuture.anyOf(c1, c2).thenApply(Answer.class::cast).join();
    assertThat(first.response.status()).as(first.toString()).isEqualTo(200);
    String holder = c1.isDone() && c1.join() == first ? "c1" : "c2";
    CompletableFuture<Answer> other = holder.equals("c1") ? c2 : c1;
    long token = first.response.body().get("upcall").get("fencingToken").asLong();

    long releasedAt = System.nanoTime();
    LocalCluster.Response released = cluster.post(N2, "/protocols/locks/release?client=" + holder, "");
    Answer second = other.join();
    assertThat(second.response.status()).as(second.toString()).isEqualTo(200);
    assertThat(second.response.body().get("upcall").get("fencingToken").asLong())
        .as("a grant goes to one client: the second has a grant of its own").isGreaterThan(token);
    assertThat(second.receivedAt).as("the second client is granted only after the first released").isGreaterThan(releasedAt);
    assertThat(released.status()).as(String.valueOf(released.body())).isEqualTo(200);
    assertThat(released.body().get("fencingToken").asLong()).isEqualTo(token);
    String next = holder.equals("c1") ? "c2" : "c1";
    assertThat(second.response.body().get("client").asText()).isEqualTo(next);
    LocalCluster.Response notHolder = cluster.post(N2, "/protocols/locks/release?client=" + holder, "");
    assertThat(notHolder.status()).isEqualTo(409);
    assertThat(notHolder.body().get("conflict").asText()).isEqualTo("not-holder");
    assertThat(notHolder.body().get("error").asText()).contains(holder + " does not hold locks at n2: it released it");
    assertThat(cluster.post(N2, "/protocols/locks/release?client=" + next, "").status()).isEqualTo(200);
  }

  @Test
  void anAcquireThatTimesOutIsWithdrawnAndHoldsNothing() {
    LocalCluster.Response held = cluster.post(N3, "/protocols/locks/acquire?client=h", "");
    assertThat(held.status()).isEqualTo(200);
    LocalCluster.Response late = cluster.post(N2, "/protocols/locks/acquire?client=late&timeout=300", "");
    assertThat(late.status()).isEqualTo(504);
    assertThat(late.body().get("error").asText()).contains("withdrawn").contains("does not hold");
    assertThat(cluster.post(N3, "/protocols/locks/release?client=h", "").status()).isEqualTo(200);
    cluster.eventually(Duration.ofSeconds(20), () -> {
      JsonNode clients = cluster.get(N2, "/protocols/locks").body().get("clients");
      assertThat(clients.get("holder").isNull()).as(clients.toString()).isTrue();
      assertThat(clients.get("phase").asText()).isEqualTo("idle");
    });
    assertThat(cluster.post(N2, "/protocols/locks/release?client=late", "").status()).isEqualTo(409);
  }

  // 2 ------------------------------------------------------------------------------------------

  @Test
  void aClientsRequestsArrivingOutOfOrderAreAllApplied() {
    assertThat(put("/kv/kv/o1?client=X&seq=10", "ten").status()).isEqualTo(200);
    LocalCluster.Response nine = put("/kv/kv/o2?client=X&seq=9", "nine");
    assertThat(nine.status()).isEqualTo(200);
    assertThat(nine.body().get("written").asText()).isEqualTo("nine");
    assertThat(value("o2")).isEqualTo("nine");
    assertThat(value("o1")).isEqualTo("ten");
  }

  // 3, 4 -----------------------------------------------------------------------------------------

  @Test
  void aRetryGetsItsFirstAnswerAndAnotherRequestUnderItsIdIsRefused() {
    assertThat(put("/kv/kv/r?client=Y&seq=1", "first").status()).isEqualTo(200);

    LocalCluster.Response second = put("/kv/kv/r?client=Y&seq=1", "second");
    assertThat(second.status()).isEqualTo(409);
    assertThat(second.body().get("conflict").asText()).isEqualTo("id-reused");
    assertThat(second.body().get("error").asText()).contains("Y:1").contains("a put of key \"r\"");
    assertThat(value("r")).isEqualTo("first");

    LocalCluster.Response retry = put("/kv/kv/r?client=Y&seq=1", "first");
    assertThat(retry.status()).isEqualTo(200);
    assertThat(retry.body().get("written").asText()).isEqualTo("first");

    LocalCluster.Response read = kv(n -> cluster.get(n, "/kv/kv/r?client=Y&seq=1"));
    assertThat(read.status()).as("a read under a write's id").isEqualTo(409);
    assertThat(read.body().get("conflict").asText()).isEqualTo("id-reused");
    LocalCluster.Response fresh = kv(n -> cluster.get(n, "/kv/kv/r?client=Y&seq=2"));
    assertThat(fresh.body().get("value").asText()).isEqualTo("first");
  }

  @Test
  void concurrentRequestsUnderOneIdAreOneRequestOrRefused() {
    List<Integer> codes = IntStream.range(0, 6).parallel()
        .mapToObj(i -> put("/kv/kv/same?client=Z&seq=1", i % 2 == 0 ? "even" : "odd").status()).toList();
    String held = value("same");
    assertThat(held).isIn("even", "odd");
    assertThat(codes).contains(200).contains(409).containsOnly(200, 409);
    assertThat(put("/kv/kv/same?client=Z&seq=1", held).status()).isEqualTo(200);
  }

  // 5 ------------------------------------------------------------------------------------------

  @Test
  void aRequestRefusedForItsParametersHasNoEffect() {
    LocalCluster.Response put = put("/kv/kv/k5?timeout=abc", "v");
    assertThat(put.status()).isEqualTo(400);
    assertThat(put.body().get("error").asText()).startsWith("timeout is a whole number").contains("'abc'");
    assertThat(value("k5")).isNull();
    assertThat(put("/kv/kv/k5?client=C5&seq=1&timout=100", "v").body().get("error").asText())
        .contains("unknown query parameter 'timout'").contains("client, seq, timeout");
    assertThat(value("k5")).isNull();
    LocalCluster.Response reserved = put("/kv/kv/k5?client=anon-me&seq=1", "v");
    assertThat(reserved.status()).as("a name that would make a request without a session").isEqualTo(400);
    assertThat(reserved.body().get("error").asText()).contains("anon-").contains("choose another name");
    assertThat(value("k5")).isNull();

    LocalCluster.Response append = log(n -> cluster.post(n, "/log/log/topics/t5?timeout=abc&key=z", "rec"));
    assertThat(append.status()).isEqualTo(400);
    assertThat(append.body().get("error").asText()).startsWith("timeout is a whole number");
    int p = PartitionedLog.partitionOf("z", 4);
    LocalCluster.Response read = log(n -> cluster.get(n, "/log/log/topics/t5/partitions/" + p));
    assertThat(read.status()).isEqualTo(200);
    assertThat(read.body().get("records")).isEmpty();
    assertThat(read.body().get("end").asLong()).isZero();
  }

  // 6 ------------------------------------------------------------------------------------------

  @Test
  void aPartitionNumberOutOfRangeIsRefusedNotNarrowed() {
    assertThat(log(n -> cluster.post(n, "/log/log/groups/g/topics/t6/partitions/0", "7")).status()).isEqualTo(200);
    LocalCluster.Response big = log(n -> cluster.post(n, "/log/log/groups/g/topics/t6/partitions/4294967296", "3"));
    assertThat(big.status()).isEqualTo(400);
    assertThat(big.body().get("error").asText()).contains("partition").contains("2147483647").contains("4294967296");
    LocalCluster.Response positions = log(n -> cluster.get(n, "/log/log/groups/g/topics/t6"));
    assertThat(positions.body().get("positions").get("0").asLong()).isEqualTo(7);
    assertThat(log(n -> cluster.get(n, "/log/log/topics/t6/partitions/1099511627776")).status()).isEqualTo(400);
    assertThat(log(n -> cluster.get(n, "/log/log/topics/t6/partitions/4")).status()).isEqualTo(404);
    assertThat(log(n -> cluster.get(n, "/log/log/topics/t6/partitions/0?max=20000")).status()).isEqualTo(400);
  }

  // 7 ------------------------------------------------------------------------------------------

  @Test
  void aRefusedOperationLeavesNoClientWedged() {
    assertThat(cluster.post(N3, "/protocols/locks/acquire?timeout=abc", "").status()).isEqualTo(400);
    LocalCluster.Response acquired = cluster.post(N3, "/protocols/locks/acquire?timeout=20000", "");
    assertThat(acquired.status()).as(String.valueOf(acquired.body())).isEqualTo(200);
    assertThat(acquired.body().get("client").asText()).startsWith("anon-");
    assertThat(cluster.post(N3, "/protocols/locks/release", "").status()).isEqualTo(200);

    assertThat(cluster.post(N1, "/protocols/causal/multicast?timeout=abc", "{\"payload\":\"x\"}").status())
        .isEqualTo(400);
    List<Integer> codes = IntStream.range(0, 12).parallel().mapToObj(i ->
        cluster.post(N1, "/protocols/causal/multicast", "{\"payload\":\"m" + i + "\"}").status()).toList();
    assertThat(codes).containsOnly(202);
    assertThat(cluster.get(N1, "/protocols/causal/upcalls").status()).isEqualTo(200);
  }

  // 8 ------------------------------------------------------------------------------------------

  @Test
  void everyMalformedRequestGetsAClearJsonError() {
    LocalCluster.Response emptyClient = put("/kv/kv/e?client=&seq=1", "v");
    assertThat(emptyClient.status()).isEqualTo(400);
    assertThat(emptyClient.body().get("error").asText()).startsWith("client is empty");
    assertThat(error(cluster.get(N1, "/protocols/causal/upcalls?since=abc"), 400)).startsWith("since is a whole number");
    assertThat(error(cluster.get(N1, "/journal?limit=abc"), 400)).startsWith("limit is a whole number");
    assertThat(error(cluster.post(N1, "/protocols/causal/multicast?timeout=-5", "{\"payload\":\"x\"}"), 400))
        .startsWith("timeout is a whole number");
    assertThat(error(cluster.get(N1, "/kv/kv/e?seq=3"), 400)).contains("give client=NAME");

    String key = "k".repeat(10 * 1024);
    assertThat(error(cluster.get(N1, "/kv/kv/" + key), 414)).contains("keys are at most 1024 bytes");
    assertThat(error(cluster.get(N1, "/kv/kv/" + "k".repeat(40 * 1024)), 414)).contains("URI");

    assertThat(error(put("/kv/kv/bad%C3%28", "v"), 400)).contains("not UTF-8");
    assertThat(error(cluster.get(N1, "/kv/kv/bad%FF"), 400)).contains("not UTF-8");
    assertThat(value("bad%EF%BF%BD")).isNull();
    assertThat(put("/kv/kv/caf%C3%A9?client=U&seq=1", "ok").status()).isEqualTo(200);
    assertThat(value("caf%C3%A9")).isEqualTo("ok");
  }

  // ---------------------------------------------------------------- helpers

  private record Answer(LocalCluster.Response response, long receivedAt) {
    static Answer of(LocalCluster.Response r) {
      return new Answer(r, System.nanoTime());
    }
  }

  /** A PUT at the store's leader, following its 307s (a redirected request had no effect) as curl -L does. */
  private static LocalCluster.Response put(String path, String body) {
    return kv(n -> cluster.put(n, path, body));
  }

  private static LocalCluster.Response kv(Function<NodeId, LocalCluster.Response> request) {
    return following(kvLeader, request);
  }

  private static LocalCluster.Response log(Function<NodeId, LocalCluster.Response> request) {
    return following(logLeader, request);
  }

  /** {@code request} at {@code leader}'s node, following its 307s (a redirected request had no effect). */
  private static LocalCluster.Response following(NodeId[] leader, Function<NodeId, LocalCluster.Response> request) {
    LocalCluster.Response r = request.apply(leader[0]);
    for (int i = 0; i < 10 && r.status() == 307; i++) {
      leader[0] = NodeId.of(r.body().get("leader").asText());
      r = request.apply(leader[0]);
    }
    return r;
  }

  private static String value(String key) {
    LocalCluster.Response r = kv(n -> cluster.get(n, "/kv/kv/" + key));
    assertThat(r.status()).as(String.valueOf(r.body())).isEqualTo(200);
    JsonNode v = r.body().get("value");
    return v == null || v.isNull() ? null : v.asText();
  }

  private static String error(LocalCluster.Response r, int status) {
    assertThat(r.status()).as(String.valueOf(r.body())).isEqualTo(status);
    assertThat(r.body()).as("a JSON body").isNotNull();
    return r.body().get("error").asText();
  }
}
