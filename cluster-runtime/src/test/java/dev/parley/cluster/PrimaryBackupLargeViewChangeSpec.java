package dev.parley.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.parley.protocols.core.NodeId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A primary-backup view change with a store larger than Artery's frame (256 KiB), on three nodes in
 * this JVM over Artery TCP on loopback, each with its own journal. n1 suspects a silent primary
 * sooner than the others, so it is the candidate of the view change that matters: once the group
 * serves, n1's replica crashes (journal kept), the others grow the store to 320 KiB through {@code
 * /kv}, then their primary's replica crashes as n1's restarts. n1 is promised by the backup, whose
 * state is the most advanced, fetches it in chunks and serves every value. Were the state sent in
 * one message (a promise carrying the store), Artery would drop it ({@code OversizedPayloadException})
 * and n1 would propose view after view without ever serving.
 */
class PrimaryBackupLargeViewChangeSpec {

  static final int VALUES = 40;
  static final int VALUE_BYTES = 8 * 1024;
  static final NodeId QUICK = NodeId.n(1);

  @TempDir Path data;

  @Test
  void aCandidateAwayWhileTheStoreGrewPastAFrameFetchesItAndServesEveryValue() {
    Function<NodeId, Config> config = node -> ConfigFactory.parseString(node.equals(QUICK)
            ? "parley.kinds.primary-backup { suspect-min = 300ms, suspect-max = 400ms }"
            : "parley.kinds.primary-backup { suspect-min = 4s, suspect-max = 5s }")
        .withFallback(LocalCluster.BASE);
    try (LocalCluster cluster = new LocalCluster(3, data, List.of("pb=primary-backup"), ProtocolKinds.load(),
        config)) {
      cluster.awaitAllStarted();
      awaitPrimaryAmong(cluster, List.of(QUICK, NodeId.n(2), NodeId.n(3)));
      assertThat(cluster.post(QUICK, "/nemesis/crash/pb", "").status()).isEqualTo(200);
      NodeId second = awaitPrimaryAmong(cluster, List.of(NodeId.n(2), NodeId.n(3)));

      Random random = new Random(11);
      String[] values = new String[VALUES];
      for (int i = 0; i < VALUES; i++) {
        values[i] = value(random);
        String path = "/kv/pb/big-" + i + "?timeout=5000";
        if (cluster.put(second, path, values[i]).status() != 200) { // the primary changed: write it at the new one
          second = awaitPrimaryAmong(cluster, List.of(NodeId.n(2), NodeId.n(3)));
          assertThat(cluster.put(second, path, values[i]).status()).as("big-%d", i).isEqualTo(200);
        }
      }
      assertThat(cluster.post(second, "/nemesis/crash/pb", "").status()).isEqualTo(200);
      assertThat(cluster.post(QUICK, "/nemesis/restart/pb", "").status()).isEqualTo(200);

      cluster.eventually(Duration.ofSeconds(60), () -> {
        for (int i = 0; i < VALUES; i++) {
          LocalCluster.Response r = cluster.get(QUICK, "/kv/pb/big-" + i + "?timeout=1000");
          assertThat(r.status()).as("GET big-%d at %s: %s", i, QUICK, r.body()).isEqualTo(200);
          assertThat(r.body().path("value").asText()).as("big-%d", i).isEqualTo(values[i]);
        }
      });
    }
  }

  /** The node of {@code nodes} that serves a write, once one does. */
  private static NodeId awaitPrimaryAmong(LocalCluster cluster, List<NodeId> nodes) {
    return cluster.eventually(Duration.ofSeconds(30), () -> {
      NodeId serving = nodes.stream()
          .filter(n -> cluster.put(n, "/kv/pb/probe?timeout=1000", "1").status() == 200).findFirst().orElse(null);
      assertThat(serving).as("a primary among %s", nodes).isNotNull();
      return serving;
    });
  }

  private static String value(Random random) {
    StringBuilder v = new StringBuilder(VALUE_BYTES);
    for (int c = 0; c < VALUE_BYTES; c++) {
      v.append((char) ('a' + random.nextInt(26)));
    }
    return v.toString();
  }
}
