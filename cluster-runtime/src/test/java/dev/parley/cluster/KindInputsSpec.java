package dev.parley.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.parley.protocols.core.NodeId;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Every bad input around kinds stops the node at once with one line saying what was wrong (and
 * what to do), and exit status 2: a --with path that does not exist or holds no kind, a provider
 * that cannot be made, an unknown kind, two kinds of one name, a malformed or unknown setting.
 */
class KindInputsSpec {

  @TempDir static Path dir;

  static Path jar;
  static Path classes;

  private static final String KINDS = """
      package bad;

      import akka.actor.typed.Behavior;
      import dev.parley.cluster.*;
      import java.util.List;

      public final class %s implements KindProvider {
        %s

        @Override
        public List<ProtocolKind> kinds() {
          return %s;
        }

        static ProtocolKind named(String name) {
          return new ProtocolKind() {
            public String name() { return name; }
            public String description() { return "an impostor"; }
            public Behavior<Object> create(KindContext context) { throw new UnsupportedOperationException(); }
          };
        }
      }
      """;

  @BeforeAll
  static void buildTheKinds() {
    jar = KindJars.jar(KindJars.EXAMPLES, dir.resolve("parley-example.jar"));
    classes = KindJars.classes(Map.of(
        "bad/Broken.java", KINDS.formatted("Broken",
            "public Broken() { throw new IllegalStateException(\"no licence for this node\"); }", "List.of()"),
        "bad/Shy.java", KINDS.formatted("Shy", "private Shy() {}", "List.of()"),
        "bad/Empty.java", KINDS.formatted("Empty", "", "List.of()"),
        "bad/Impostor.java", KINDS.formatted("Impostor", "", "List.of(named(\"causal-multicast\"))")),
        dir.resolve("bad-classes"));
  }

  /** A class directory holding the compiled providers, whose services file names {@code providers}. */
  private static Path withServices(String name, String... providers) throws IOException {
    Path out = dir.resolve(name);
    try (Stream<Path> files = Files.walk(classes)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        Path copy = out.resolve(classes.relativize(f).toString());
        Files.createDirectories(copy.getParent());
        Files.copy(f, copy);
      }
    }
    if (providers.length > 0) {
      Path services = out.resolve(KindPaths.SERVICES);
      Files.createDirectories(services.getParent());
      Files.writeString(services, "# " + name + "\n" + String.join("\n", providers) + "\n");
    }
    return out;
  }

  /** What the node's command line says (stderr, or stdout if it succeeds) and its exit status. */
  private record Run(int status, String err, String out) {}

  private static Run node(String... args) {
    StringWriter err = new StringWriter();
    StringWriter out = new StringWriter();
    CommandLine cli = ParleyNode.commandLine();
    cli.setErr(new PrintWriter(err, true));
    cli.setOut(new PrintWriter(out, true));
    int status = cli.execute(args);
    return new Run(status, err.toString(), out.toString());
  }

  /** The node stops with status 2 and exactly one line, {@code parley-node: ...}, containing {@code says}. */
  private static void refused(Run run, String... says) {
    assertThat(run.status()).isEqualTo(2);
    assertThat(run.err().lines().toList()).hasSize(1);
    assertThat(run.err()).startsWith("parley-node: ").doesNotContain("\tat ").contains(says);
  }

  @Test
  void aPathThatDoesNotExist() {
    Path missing = dir.resolve("no-such.jar");
    refused(node("--with", missing.toString(), "--protocol", "x=roll-call"),
        "--with " + missing + " does not exist: give a jar or a directory of classes holding protocol kinds");
  }

  @Test
  void aPathWithoutAServicesFileOrWithoutProviders() throws IOException {
    Path noServices = withServices("no-services");
    refused(node("--with", noServices.toString()), "--with " + noServices + " holds no protocol kind: it has no"
        + " META-INF/services/dev.parley.cluster.KindProvider naming its KindProvider classes");

    Path commentsOnly = withServices("comments-only", "# nothing here yet");
    refused(node("--with", commentsOnly.toString()), "--with " + commentsOnly + " holds no protocol kind: its"
        + " META-INF/services/dev.parley.cluster.KindProvider names no provider class");

    Path empty = withServices("empty", "bad.Empty");
    refused(node("--with", empty.toString()), "--with " + empty + " holds no protocol kind: its providers"
        + " [bad.Empty] offer none");

    Path notAJar = Files.writeString(dir.resolve("notes.jar"), "not a zip");
    refused(node("--with", notAJar.toString()), "--with " + notAJar + " is neither a directory nor a jar");
  }

  @Test
  void aProviderThatCannotBeMade() throws IOException {
    Path broken = withServices("broken", "bad.Broken");
    refused(node("--with", broken.toString()), "the kind provider bad.Broken in " + broken + " cannot be made"
        + " (java.lang.IllegalStateException: no licence for this node); a provider is a public class with a"
        + " public constructor taking no arguments");

    Path shy = withServices("shy", "bad.Shy");
    refused(node("--with", shy.toString()), "a kind provider cannot be loaded:", "bad.Shy",
        "names a public class implementing it");

    Path absent = withServices("absent", "bad.Absent");
    refused(node("--with", absent.toString()), "a kind provider cannot be loaded:", "bad.Absent");
  }

  @Test
  void twoKindsOfOneNameNameBothProviders() throws IOException {
    Path impostor = withServices("impostor", "bad.Impostor");
    refused(node("--with", impostor.toString()), "two protocol kinds are named 'causal-multicast': one from"
        + " dev.parley.cluster.MulticastKinds on the node's classpath, one from bad.Impostor in " + impostor
        + "; rename one of them");
  }

  @Test
  void anUnknownKindListsTheKindsAndWhereEachCameFrom() {
    refused(node("--with", jar.toString(), "--protocol", "x=no-such-kind"),
        "unknown protocol kind 'no-such-kind'; the kinds are",
        "[chain, gossip, primary-backup, quorum, raft-kv, two-phase-commit] from dev.parley.cluster.StoreKinds on"
            + " the node's classpath",
        "[roll-call] from com.example.rollcall.RollCallKinds in " + jar);
  }

  @Test
  void theKindsCommandListsTheUsersKindsWithTheirOrigin() {
    Run run = node("kinds", "--with", jar.toString());

    assertThat(run.status()).isZero();
    List<String> lines = run.out().lines().toList();
    int from = lines.indexOf("from com.example.rollcall.RollCallKinds in " + jar + ":");
    assertThat(from).isNotNegative();
    assertThat(lines.get(from + 1)).startsWith("  roll-call ").contains("operations [call]");
    assertThat(lines).contains("from dev.parley.cluster.ElectionKinds on the node's classpath:");
  }

  @Test
  void aMalformedOrUnknownSettingStopsTheNodeNamingItsKey() throws IOException {
    List<Integer> ports = NodeProcesses.freePorts(2);
    ProtocolKinds kinds = ProtocolKinds.load(List.of(jar));
    NodeSettings settings = new NodeSettings(NodeId.n(1), "127.0.0.1", ports.get(0), ports.get(1),
        List.of("127.0.0.1:" + ports.get(0)), List.of(NodeId.n(1)),
        NodeSettings.parseProtocols(List.of("leader=raft-election", "roll=roll-call"), kinds), dir.resolve("n1"), 1);

    assertThatThrownBy(() -> Node.start(settings, with("parley.kinds.raft-election.heartbeat = fast"),
        kinds.classLoader()))
        .hasMessage("bad configuration: parley.kinds.raft-election.heartbeat = \"fast\" (String: 1) is not a"
            + " duration, such as 100ms or 2s; set it in application.conf or with"
            + " -Dparley.kinds.raft-election.heartbeat=...");
    assertThatThrownBy(() -> Node.start(settings, with("parley.kinds.raft-election.hartbeat = 50ms"),
        kinds.classLoader()))
        .hasMessageContaining("parley.kinds.raft-election.hartbeat = \"50ms\" (String: 1) is not a setting of"
            + " raft-election; its settings are [election-timeout-max, election-timeout-min, heartbeat]");
    assertThatThrownBy(() -> Node.start(settings, with("parley.kinds.raft-election.heartbeat = 2s"),
        kinds.classLoader()))
        .hasMessageContaining("parley.kinds.raft-election: raft needs 0 < heartbeat < electionTimeoutMin");
    assertThatThrownBy(() -> Node.start(settings, with("parley.kinds.roll-call.wait = soon"), kinds.classLoader()))
        .hasMessageContaining("parley.kinds.roll-call.wait = \"soon\" (String: 1) is not a duration");
    assertThatThrownBy(() -> Node.start(settings, with("parley.kinds.roll-call.wait = 0s"), kinds.classLoader()))
        .hasMessageContaining("parley.kinds.roll-call.wait = \"0s\" (String: 1) is not a duration above zero");
  }

  @Test
  void aSectionLikeTheLogsTopicsTakesNewNamesButNotUnknownSettings() {
    Map<String, KindConfig> ok = KindConfig.checked(List.of(new LogKind()), with(
        "parley.kinds.partitioned-log.topics.orders { partitions = 8, max-age = 1h }"), getClass().getClassLoader());
    assertThat(LogKind.settings(ok.get("partitioned-log")).topic("orders").partitions()).isEqualTo(8);
    assertThat(LogKind.settings(ok.get("partitioned-log")).topic("recent").partitions()).isEqualTo(2);

    assertThatThrownBy(() -> KindConfig.checked(List.of(new LogKind()), with(
        "parley.kinds.partitioned-log.topics.orders { partitions = 8, max-ags = 1h }"), getClass().getClassLoader()))
        .hasMessageContaining("parley.kinds.partitioned-log.topics.orders.max-ags = \"1h\" (String: 1) is not a"
            + " setting of partitioned-log.topics.orders; its settings are [max-age, max-bytes, max-records,"
            + " partitions]");
    assertThatThrownBy(() -> KindConfig.checked(List.of(new PubSubKind()), with(
        "parley.kinds.topic-broker.broker.windw = 3"), getClass().getClassLoader()))
        .hasMessageContaining("parley.kinds.topic-broker.broker.windw = 3 (String: 1) is not a setting of"
            + " topic-broker");
  }

  private static Config with(String overrides) {
    return ConfigFactory.parseString(overrides).withFallback(LocalCluster.BASE).resolve();
  }

  @Test
  void theProtocolNamesOfTheCommandLineAreCheckedBeforeAnythingStarts() {
    refused(node("--protocol", "Bad Name=raft-kv"), "a protocol instance name is 1 to 40 of a-z, 0-9 and '-'");
  }
}
