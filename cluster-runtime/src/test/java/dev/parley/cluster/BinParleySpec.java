package dev.parley.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.parley.cluster.BinScript.Outcome;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/parley up} fails fast: a node that stops while the script waits for the cluster is
 * reported at once in its own words (its {@code parley-node: ...} line, no stack trace), the script
 * exits non-zero, and no node it started is left running; {@code bin/parley logs NODE} shows that
 * start's lines only. Runs the project's script from a copy in
 * a temporary directory (its own .parley state, the test's classpath as the build), on the
 * script's fixed ports, which must be free.
 */
class BinParleySpec {

  @TempDir Path root;

  @BeforeEach
  void copyTheScript() throws IOException {
    for (int port : List.of(2551, 2552, 2553, 8551, 8552, 8553)) {
      assumeTrue(free(port), "bin/parley's port " + port + " is in use (a cluster running here?)");
    }
    Path bin = Files.createDirectories(root.resolve("bin"));
    Files.copy(Path.of("../bin/parley"), bin.resolve("parley"));
    Files.writeString(Files.createDirectories(root.resolve(".parley")).resolve("classpath"), NodeProcesses.classpath());
  }

  private static final Pattern STARTED = Pattern.compile("started n\\d+ \\(pid (\\d+)");

  private Outcome parley(String... args) throws Exception {
    return BinScript.run(root, "parley", Duration.ofSeconds(60), STARTED, args);
  }

  private static void failedFastInTheNodesWords(Outcome run, int nodes, String says) {
    assertThat(run.status()).as(run.output()).isNotZero();
    assertThat(run.took()).as(run.output()).isLessThan(Duration.ofSeconds(20));
    assertThat(run.output()).contains("stopped while starting", "  parley-node: " + says, "the cluster did not come up")
        .doesNotContain("\tat ", "Exception in thread");
    assertThat(run.pids()).hasSize(nodes);
    run.pids().forEach(BinParleySpec::isGone);
  }

  /** The process has exited, or does within seconds (one that just exited may not be reaped yet). */
  private static void isGone(long pid) {
    ProcessHandle.of(pid).ifPresent(p -> assertThat(p.onExit())
        .as("node process " + pid + " is left running")
        .succeedsWithin(Duration.ofSeconds(10)));
  }

  @Test
  void anUnknownKindFailsUpWithinSecondsWithTheNodesMessage() throws Exception {
    Outcome run = parley("up", "3", "--protocol", "x=no-such-kind");

    failedFastInTheNodesWords(run, 3, "unknown protocol kind 'no-such-kind'; the kinds are");
  }

  @Test
  void aMissingJarFailsUpWithTheNodesMessage() throws Exception {
    Outcome run = parley("up", "2", "--with", "my-kinds.jar", "--protocol", "x=my-kind");

    failedFastInTheNodesWords(run, 2, "--with " + root.resolve("my-kinds.jar") + " does not exist");
  }

  @Test
  void logsShowsTheNodesLastStartOnly() throws Exception {
    failedFastInTheNodesWords(parley("up", "2", "--protocol", "x=first-kind"), 2, "unknown protocol kind 'first-kind'");
    failedFastInTheNodesWords(parley("up", "2", "--protocol", "x=second-kind"), 2, "unknown protocol kind 'second-kind'");

    // The node that stops first says why; `up` then stops the other, which may not have said it yet.
    StringBuilder lastStarts = new StringBuilder();
    StringBuilder files = new StringBuilder();
    for (String node : List.of("n1", "n2")) {
      Outcome logs = parley("logs", node);
      assertThat(logs.status()).as(logs.output()).isZero();
      assertThat(logs.output()).as(node).startsWith("=== parley: starting " + node)
          .containsOnlyOnce("=== parley: starting").doesNotContain("first-kind");
      lastStarts.append(logs.output());
      String file = Files.readString(root.resolve(".parley/logs/" + node + ".log"));
      assertThat(Pattern.compile("=== parley: starting " + node).matcher(file).results().count()).as(file).isEqualTo(2);
      files.append(file);
    }
    assertThat(lastStarts.toString()).contains("unknown protocol kind 'second-kind'");
    assertThat(files.toString()).contains("unknown protocol kind 'first-kind'");

    Outcome unknown = parley("logs", "n7");
    assertThat(unknown.status()).isNotZero();
    assertThat(unknown.output()).contains("no log of n7", "bin/parley up N");
  }

  private static boolean free(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException inUse) {
      return false;
    }
  }
}
