package dev.parley.cluster;

import dev.parley.persistence.JournalUnavailableException;
import dev.parley.protocols.core.NodeId;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A Parley node: joins the cluster, runs its protocol instances, journals to its data directory and
 * serves its HTTP API. Started with {@code mvn -q -pl cluster-runtime -am compile exec:java@node
 * -Dexec.args="--node n1 ..."} or by {@code bin/parley up N}.
 */
@Command(
    name = "parley-node",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Start one Parley node.",
    subcommands = {JournalCommand.class, KindsCommand.class})
public final class ParleyNode implements Callable<Integer> {

  @Option(names = "--node", description = "this node's id (default ${DEFAULT-VALUE})")
  String node = "n1";

  @Option(names = "--host", description = "address to bind and announce (default ${DEFAULT-VALUE})")
  String host = "127.0.0.1";

  @Option(names = "--port", description = "cluster (Artery) port (default ${DEFAULT-VALUE})")
  int port = 2551;

  @Option(names = "--http-port", description = "HTTP API port (default ${DEFAULT-VALUE})")
  int httpPort = 8551;

  @Option(names = "--http-host", description = "address the HTTP API binds, apart from --host so that a"
      + " cluster address does not expose it (default ${DEFAULT-VALUE})")
  String httpHost = NodeSettings.DEFAULT_HTTP_HOST;

  @Option(names = "--tls", paramLabel = "DIR", description = "TLS between nodes with the cluster's key"
      + " material in DIR (made by `bin/parley keys DIR`; every node the same). Default: parley.tls.dir"
      + " if configured, else plain TCP")
  Path tls;

  @Option(names = "--seeds", split = ",",
      description = "seed nodes host:port,... (default: this node, which starts a cluster)")
  List<String> seeds = new ArrayList<>();

  @Option(names = "--group", split = ",",
      description = "the members of the group its protocols run in (default: this node alone)")
  List<String> group = new ArrayList<>();

  @Option(names = "--protocol",
      description = "an instance to run, name=kind (e.g. causal=causal-multicast); repeatable."
          + " `parley-node kinds` lists the kinds")
  List<String> protocols = new ArrayList<>();

  @Option(names = "--with", paramLabel = "PATH",
      description = "a jar or class directory holding protocol kinds of your own (listed in its"
          + " META-INF/services/dev.parley.cluster.KindProvider); repeatable")
  List<Path> with = new ArrayList<>();

  @Option(names = "--data-dir", description = "where the journal lives (default data/<node>)")
  Path dataDir;

  @Option(names = "--seed", description = "seed of the node's randomness (default ${DEFAULT-VALUE})")
  long seed = 1;

  @Override
  public Integer call() {
    ProtocolKinds kinds = ProtocolKinds.load(with);
    NodeSettings settings = settings(kinds);
    Node node = Node.start(settings, Node.defaultConfig(kinds.classLoader()), kinds.classLoader());
    System.out.println("node " + settings.node() + " serves http://" + settings.httpAddress() + "/status");
    return node.awaitTermination() ? 0 : 1;
  }

  NodeSettings settings(ProtocolKinds kinds) {
    NodeId self = NodeId.of(node);
    List<NodeId> members = new ArrayList<>();
    (group.isEmpty() ? List.of(node) : group).forEach(g -> members.add(NodeId.of(g.trim())));
    List<String> seedList = seeds.isEmpty() ? List.of(host + ":" + port) : seeds;
    Path dir = dataDir != null ? dataDir : Path.of("data", node);
    return new NodeSettings(self, host, port, httpPort, seedList, members,
        NodeSettings.parseProtocols(protocols, kinds), dir, seed, httpHost, tls);
  }

  public static void main(String[] args) {
    // the node's own logging (packaged apart, like its configuration, so it never shadows a user's)
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "parley/logback.xml");
    }
    System.exit(commandLine().execute(args));
  }

  /**
   * The node's command line: a bad option, setting or configuration value ends it with one line,
   * {@code parley-node: <what was wrong and what to do>}, and exit status 2.
   */
  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new ParleyNode());
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      if (e instanceof IllegalArgumentException || e instanceof JournalUnavailableException) {
        commandLine.getErr().println("parley-node: " + e.getMessage());
        return 2;
      }
      throw e;
    });
    return cli;
  }
}
