package dev.parley.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.parley.protocols.core.NodeId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code parley.http.forward-to-leader = off}: a Raft follower answers a {@code /kv} request, and a
 * partitioned log's follower broker a {@code /log} call, with the 307 to the leader, as before
 * forwarding, without being asked to; on three nodes in this JVM.
 */
class ForwardToLeaderOffSpec {

  @TempDir Path data;

  @Test
  void withForwardingOffAFollowerRedirectsEveryRequest() {
    try (LocalCluster cluster = new LocalCluster(3, data, List.of("raft=raft-kv", "log=partitioned-log"),
        ProtocolKinds.load(),
        ConfigFactory.parseString("parley.http.forward-to-leader = off").withFallback(LocalCluster.BASE))) {
      cluster.awaitAllStarted();
      List<NodeId> nodes = List.of(NodeId.n(1), NodeId.n(2), NodeId.n(3));
      cluster.eventually(Duration.ofSeconds(30), () -> assertThat(nodes.stream()
          .map(n -> cluster.put(n, "/kv/raft/x?timeout=1000", "1").status()).toList())
          .containsOnly(200, 307).containsOnlyOnce(200));
      NodeId follower = nodes.stream().filter(n -> cluster.get(n, "/kv/raft/x").status() == 307)
          .findFirst().orElseThrow();
      LocalCluster.Response redirect = cluster.get(follower, "/kv/raft/x");
      assertThat(redirect.header("Location")).hasValueSatisfying(l -> assertThat(l).endsWith("/kv/raft/x"));
      assertThat(redirect.header("Parley-Served-By")).isEmpty();
      NodeId leader = NodeId.of(redirect.body().get("leader").asText());
      assertThat(cluster.get(leader, "/kv/raft/x").body().get("value").asText()).isEqualTo("1");

      cluster.eventually(Duration.ofSeconds(30), () -> assertThat(nodes.stream()
          .map(n -> cluster.post(n, "/log/log/topics/t?timeout=1000", "r").status()).toList())
          .containsOnly(200, 307).containsOnlyOnce(200));
      LocalCluster.Response logRedirect = nodes.stream().map(n -> cluster.get(n, "/log/log/topics/t/partitions/0"))
          .filter(r -> r.status() == 307).findFirst().orElseThrow();
      assertThat(logRedirect.header("Location"))
          .hasValueSatisfying(l -> assertThat(l).endsWith("/log/log/topics/t/partitions/0"));
      assertThat(logRedirect.header("Parley-Served-By")).isEmpty();
    }
  }
}
