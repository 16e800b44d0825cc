package dev.parley.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.pubsub.PartitionedLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The partitioned log through {@code /log}, on three nodes in one JVM, as a user calls it with
 * curl: appends answered with their partition and offset (a key's partition its hash's), read back
 * in order, followers forwarding a call to the leader (or redirecting to it when asked), a consumer
 * group's positions committed and read, and clear errors for what is wrong. The leader may change
 * under a loaded machine (a slow forced write delays heartbeats): a call refused before it was
 * appended (a redirect, or no leader known yet) is made again at the leader of the moment.
 */
class LogHttpSpec {

  static final List<NodeId> NODES = List.of(NodeId.n(1), NodeId.n(2), NodeId.n(3));

  @TempDir static Path data;
  static LocalCluster cluster;
  static volatile NodeId leader;

  @BeforeAll
  static void start() {
    cluster = new LocalCluster(3, data, List.of("log=partitioned-log"));
    cluster.awaitStarted("log");
    leader = cluster.eventually(Duration.ofSeconds(30), () -> {
      LocalCluster.Response r = cluster.post(NodeId.n(1), "/log/log/topics/warmup?timeout=1000&redirect=true", "x");
      assertThat(r.status()).isIn(200, 307);
      return r.status() == 200 ? NodeId.n(1) : NodeId.of(r.body().get("leader").asText());
    });
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /**
   * {@code call} at the leader; a 307 names a new leader and a 503 says none is known yet, and
   * neither appended anything, so the call is made again (at the leader the 307 named).
   */
  private static LocalCluster.Response atLeader(Function<NodeId, LocalCluster.Response> call) {
    return cluster.eventually(Duration.ofSeconds(30), () -> {
      LocalCluster.Response r = call.apply(leader);
      r.header("Parley-Served-By").map(NodeId::of).ifPresent(served -> leader = served);
      if (r.status() == 307) {
        leader = NodeId.of(r.body().get("leader").asText());
      }
      assertThat(r.status()).as(r.body().toString()).isNotIn(307, 503);
      return r;
    });
  }

  @Test
  void appendsAreReadBackInOrderFromTheirKeysPartition() {
    List<Long> offsets = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      String value = "order-" + i;
      LocalCluster.Response r = atLeader(at -> cluster.post(at, "/log/log/topics/orders?key=alice", value));
      assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
      assertThat(r.body().get("partition").asInt()).isEqualTo(PartitionedLog.partitionOf("alice", 4));
      offsets.add(r.body().get("offset").asLong());
    }
    assertThat(offsets).isSorted().doesNotHaveDuplicates();
    int p = PartitionedLog.partitionOf("alice", 4);
    LocalCluster.Response read = atLeader(at -> cluster.get(at, "/log/log/topics/orders/partitions/" + p + "?from="
        + offsets.get(0) + "&max=10"));
    assertThat(read.status()).isEqualTo(200);
    List<String> values = new ArrayList<>();
    for (JsonNode record : read.body().get("records")) {
      values.add(record.get("value").asText());
      assertThat(record.get("key").asText()).isEqualTo("alice");
    }
    assertThat(values).containsExactly("order-0", "order-1", "order-2", "order-3", "order-4");
    assertThat(read.body().get("end").asLong()).isEqualTo(offsets.get(4) + 1);
  }

  @Test
  void aCallAtAFollowerIsServedByTheLeaderWithoutARedirect() {
    NodeId served = cluster.eventually(Duration.ofSeconds(30), () -> {
      atLeader(at -> cluster.get(at, "/log/log/topics/orders/partitions/0?from=0&max=1")); // the leader of now
      NodeId follower = NODES.stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
      LocalCluster.Response r = cluster.post(follower, "/log/log/topics/forwarded?key=bob", "via-" + follower);
      assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
      assertThat(r.header("Parley-Served-By")).as("forwarded from " + follower)
          .hasValueSatisfying(by -> assertThat(by).isNotEqualTo(follower.name()));
      assertThat(r.header("Location")).isEmpty();
      return NodeId.of(r.header("Parley-Served-By").orElseThrow());
    });
    NodeId follower = NODES.stream().filter(n -> !n.equals(served)).findFirst().orElseThrow();
    int p = PartitionedLog.partitionOf("bob", 4);
    LocalCluster.Response read = cluster.eventually(Duration.ofSeconds(30), () -> {
      LocalCluster.Response r = cluster.get(follower, "/log/log/topics/forwarded/partitions/" + p);
      assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
      return r;
    });
    assertThat(read.header("Parley-Served-By")).isPresent();
    assertThat(read.body().get("records")).hasSize(1);
    assertThat(read.body().get("records").get(0).get("value").asText()).startsWith("via-");
  }

  /**
   * A follower asked for the redirect answers 307 (by parameter or header); one that knows no leader
   * for a moment (an election) answers 503, without effect, and is asked again.
   */
  @Test
  void followersRedirectToTheLeaderWhenAsked() {
    LocalCluster.Response r = cluster.eventually(Duration.ofSeconds(30), () -> {
      atLeader(at -> cluster.get(at, "/log/log/topics/orders/partitions/0?from=0&max=1")); // the leader of now
      NodeId follower = NODES.stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
      LocalCluster.Response asked = cluster.post(follower, "/log/log/topics/redirected?key=bob&redirect=true", "x");
      assertThat(asked.status()).as(asked.body().toString()).isEqualTo(307);
      return asked;
    });
    assertThat(r.body().get("error").asText()).contains("curl -L");
    assertThat(r.body().get("location").asText()).startsWith("http://127.0.0.1:")
        .endsWith("/log/log/topics/redirected?key=bob&redirect=true");
    assertThat(r.header("Parley-Served-By")).isEmpty();
    LocalCluster.Response byHeader = cluster.eventually(Duration.ofSeconds(30), () -> {
      NodeId follower = NODES.stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
      LocalCluster.Response asked = cluster.get(follower, "/log/log/groups/billing/topics/orders",
          "Parley-Redirect", "true");
      assertThat(asked.status()).as(asked.body().toString()).isEqualTo(307);
      return asked;
    });
    assertThat(byHeader.header("Location")).hasValueSatisfying(l -> assertThat(l).endsWith(
        "/log/log/groups/billing/topics/orders"));
  }

  @Test
  void badInputAtAFollowerIsRefusedThereWithWhatWasWrong() {
    NodeId follower = NODES.stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
    LocalCluster.Response badOffset = cluster.post(follower, "/log/log/groups/g/topics/orders/partitions/0", "soon");
    assertThat(badOffset.status()).isEqualTo(400);
    assertThat(badOffset.header("Parley-Served-By")).isEmpty();
    LocalCluster.Response flag = cluster.get(follower, "/log/log/topics/orders/partitions/0?redirect=maybe");
    assertThat(flag.status()).isEqualTo(400);
    assertThat(flag.body().get("error").asText()).contains("redirect is true").contains("maybe");
    assertThat(flag.header("Parley-Served-By")).isEmpty();
  }

  @Test
  void aConsumerGroupsPositionsAreCommittedAndRead() {
    assertThat(atLeader(at -> cluster.post(at, "/log/log/groups/billing/topics/orders/partitions/1", "7")).status())
        .isEqualTo(200);
    assertThat(atLeader(at -> cluster.post(at, "/log/log/groups/billing/topics/orders/partitions/3", "2")).status())
        .isEqualTo(200);
    LocalCluster.Response positions = atLeader(at -> cluster.get(at, "/log/log/groups/billing/topics/orders"));
    assertThat(positions.status()).isEqualTo(200);
    assertThat(positions.body().get("positions").get("1").asLong()).isEqualTo(7);
    assertThat(positions.body().get("positions").get("3").asLong()).isEqualTo(2);
    assertThat(positions.body().get("positions").has("0")).isFalse();
  }

  @Test
  void theInstancesLiveStateIsItsRaftReplicas() {
    JsonNode live = cluster.get(leader, "/protocols/log").body().get("live");
    assertThat(live.get("role").asText()).isEqualTo("LEADER");
    assertThat(live.get("commitIndex").asLong()).isPositive();
  }

  @Test
  void wrongRequestsAreToldWhatIsWrong() {
    LocalCluster.Response noPartition = cluster.get(leader, "/log/log/topics/orders/partitions/9");
    assertThat(noPartition.status()).isEqualTo(404);
    assertThat(noPartition.body().get("error").asText()).contains("partitions 0..3");
    LocalCluster.Response badOffset = cluster.post(leader, "/log/log/groups/g/topics/orders/partitions/0", "soon");
    assertThat(badOffset.status()).isEqualTo(400);
    assertThat(badOffset.body().get("error").asText()).contains("offset is a whole number");
    assertThat(cluster.post(leader, "/log/log/topics/orders", "").status()).isEqualTo(400);
    assertThat(cluster.get(leader, "/log/nothing/topics/orders/partitions/0").status()).isEqualTo(404);
  }
}
