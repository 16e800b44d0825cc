package dev.parley.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.parley.protocols.core.NodeId;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes on {@code parley.persistence.backend = file}: a Raft key-value store's write survives a
 * restart of every node, {@code GET /journal} shows the journal of a running node, and {@code
 * parley-node journal} prints a stopped node's journal from its files.
 */
class FileJournalNodeSpec {

  static final Config FILE = ConfigFactory.parseString("parley.persistence.backend = file")
      .withFallback(LocalCluster.BASE);

  @TempDir Path data;

  @Test
  void aRaftWriteSurvivesARestartOfEveryNodeAndTheJournalReadsBack() throws Exception {
    List<NodeId> nodes = List.of(NodeId.n(1), NodeId.n(2), NodeId.n(3));
    try (LocalCluster cluster = new LocalCluster(3, data, List.of("raft=raft-kv"), ProtocolKinds.load(), FILE)) {
      cluster.awaitAllStarted();
      cluster.eventually(Duration.ofSeconds(30), () -> assertThat(nodes.stream()
          .map(n -> cluster.put(n, "/kv/raft/colour?timeout=1000", "blue").status()).toList()).contains(200));
      LocalCluster.Response journal = cluster.get(NodeId.n(1), "/journal");
      assertThat(journal.status()).isEqualTo(200);
      assertThat(journal.body().toString()).contains("colour");
    }
    assertThat(data.resolve("n1").resolve("journal").resolve("segment-00000000000000000001.log")).exists();

    try (LocalCluster cluster = new LocalCluster(3, data, List.of("raft=raft-kv"), ProtocolKinds.load(), FILE)) {
      cluster.awaitAllStarted();
      String value = cluster.eventually(Duration.ofSeconds(60), () -> {
        LocalCluster.Response read = nodes.stream().map(n -> cluster.get(n, "/kv/raft/colour"))
            .filter(r -> r.status() == 200).findFirst().orElseThrow(() -> new AssertionError("no leader yet"));
        return read.body().get("value").asText();
      });
      assertThat(value).isEqualTo("blue");
    }

    JournalCommand print = new JournalCommand();
    print.dataDir = data.resolve("n1");
    PrintStream out = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      assertThat(print.call()).isZero();
    } finally {
      System.setOut(out);
    }
    assertThat(printed.toString(StandardCharsets.UTF_8)).contains("colour");
  }
}
