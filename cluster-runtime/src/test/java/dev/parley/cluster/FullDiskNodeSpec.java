package dev.parley.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.parley.persistence.file.FileLayers;
import dev.parley.protocols.core.NodeId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node whose disk fills up, over HTTP: {@code GET /status} (and {@code bin/parley status}) says
 * the journal refuses writes and why; a write to a durable protocol (a one-node Raft key-value store) is answered 503 with the
 * reason and what to do, not acknowledged; once there is room the status says ok again and the
 * store takes writes, with what it held before.
 */
class FullDiskNodeSpec {

  static final NodeId N1 = NodeId.n(1);

  @TempDir Path data;

  @Test
  void aFullDiskIsNamedInTheStatusAndTheAnswersAndTheNodeResumesOnceThereIsRoom() {
    String layer = "fillable-" + UUID.randomUUID();
    FillableDisk disk = new FillableDisk();
    FileLayers.register(layer, disk);
    Config config = ConfigFactory.parseString("parley.persistence.backend = file\n"
            + "parley-file-journal.files = \"" + layer + "\"\n"
            + "parley-file-journal.probe-interval = 200ms\n")
        .withFallback(LocalCluster.BASE);
    try (LocalCluster cluster = new LocalCluster(1, data, List.of("raft=raft-kv"), ProtocolKinds.load(), config)) {
      cluster.awaitAllStarted();
      cluster.eventually(Duration.ofSeconds(30), () ->
          assertThat(cluster.put(N1, "/kv/raft/colour?timeout=1000", "blue").status()).isEqualTo(200));
      assertThat(cluster.get(N1, "/status").body().get("journal").get("state").asText()).isEqualTo("ok");

      disk.full(true);
      LocalCluster.Response refused = cluster.put(N1, "/kv/raft/colour?timeout=2000", "red");
      assertThat(refused.status()).as(String.valueOf(refused.body())).isEqualTo(503);
      assertThat(refused.body().get("error").asText()).contains("refusing writes").contains("the disk is full")
          .contains("free disk space").contains("nothing that needed a write was acknowledged");
      var journal = cluster.get(N1, "/status").body().get("journal");
      assertThat(journal.get("state").asText()).isEqualTo("refusing writes");
      assertThat(journal.get("reason").asText()).contains("the disk is full");
      assertThat(journal.get("since").asText()).isNotBlank();
      assertThat(journal.get("todo").asText()).contains("free disk space");
      CtlRun status = CtlRun.of("status", "--nodes", "127.0.0.1:" + cluster.httpPorts.get(N1));
      assertThat(status.exit()).as(status.err()).isZero();
      assertThat(status.out()).contains("journal refusing writes: the disk is full (No space left on device) since")
          .contains("free disk space");

      disk.full(false);
      cluster.eventually(Duration.ofSeconds(30), () ->
          assertThat(cluster.get(N1, "/status").body().get("journal").get("state").asText()).isEqualTo("ok"));
      cluster.eventually(Duration.ofSeconds(30), () ->
          assertThat(cluster.get(N1, "/kv/raft/colour").body().get("value").asText()).isEqualTo("blue"));
      cluster.eventually(Duration.ofSeconds(30), () ->
          assertThat(cluster.put(N1, "/kv/raft/shape?timeout=1000", "round").status()).isEqualTo(200));
      assertThat(cluster.get(N1, "/kv/raft/shape").body().get("value").asText()).isEqualTo("round");
    } finally {
      disk.full(false);
      FileLayers.unregister(layer);
    }
  }
}
