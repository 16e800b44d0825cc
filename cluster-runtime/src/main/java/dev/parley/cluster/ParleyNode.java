package dev.parley.cluster;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Adapter;
import akka.http.javadsl.Http;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import dev.parley.cluster.http.Json;
import dev.parley.cluster.http.NodeApi;
import dev.parley.persistence.DataDirectory;
import dev.parley.persistence.Journal;
import dev.parley.persistence.JournalUnavailableException;
import dev.parley.protocols.core.NodeId;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A Parley node: joins the cluster, runs its protocol instances, journals to its data directory and
 * serves its HTTP API. Started with {@code mvn -q -pl cluster-runtime -am compile exec:java
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

  @Option(names = "--data-dir", description = "where the journal lives (default data/<node>)")
  Path dataDir;

  @Option(names = "--seed", description = "seed of the node's randomness (default ${DEFAULT-VALUE})")
  long seed = 1;

  @Override
  public Integer call() {
    NodeSettings settings = settings();
    requireFree(settings.host(), settings.port(), "--port", "cluster");
    requireFree(settings.host(), settings.httpPort(), "--http-port", "HTTP");
    DataDirectory data = DataDirectory.lock(settings.dataDir());
    Config config = config(settings);
    NodeRuntime runtime = new NodeRuntime(settings);
    ActorSystem<Object> system = ActorSystem.create(NodeGuardian.create(runtime), "parley", config);
    AtomicBoolean up = new AtomicBoolean();
    akka.cluster.Cluster.get(Adapter.toClassic(system)).registerOnMemberUp(() -> {
      up.set(true);
      System.out.println("node " + settings.node() + " is up in the cluster: " + settings);
    });
    system.getWhenTerminated().thenRun(() -> {
      data.close();
      if (!up.get()) {
        System.err.println("parley-node: " + settings.node() + " stopped without joining the"
            + " cluster through the seeds " + settings.seeds() + ": are they running and reachable?"
            + " The first node of a cluster lists itself as its seed.");
      }
    });
    try {
      Journal.prepare(system);
      Http.get(system).newServerAt(settings.host(), settings.httpPort())
          .bind(new NodeApi(runtime, system, Json.mapper()).routes())
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (JournalUnavailableException e) {
      return fail(system, e.getMessage());
    } catch (Exception e) {
      return fail(system, "the HTTP API could not listen on " + settings.host() + ":"
          + settings.httpPort() + ": " + e.getMessage());
    }
    System.out.println("node " + settings.node() + " serves http://" + settings.host() + ":"
        + settings.httpPort() + "/status");
    system.getWhenTerminated().toCompletableFuture().join();
    return up.get() ? 0 : 1;
  }

  private static int fail(ActorSystem<?> system, String message) {
    System.err.println("parley-node: " + message);
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().join();
    return 1;
  }

  NodeSettings settings() {
    NodeId self = NodeId.of(node);
    List<NodeId> members = new ArrayList<>();
    (group.isEmpty() ? List.of(node) : group).forEach(g -> members.add(NodeId.of(g.trim())));
    List<String> seedList = seeds.isEmpty() ? List.of(host + ":" + port) : seeds;
    Path dir = dataDir != null ? dataDir : Path.of("data", node);
    return new NodeSettings(self, host, port, httpPort, seedList, members,
        NodeSettings.parseProtocols(protocols), dir, seed);
  }

  private static Config config(NodeSettings settings) {
    try {
      Config base = ConfigFactory.load();
      return settings.config(Journal.fromSettings(base, settings.dataDir()).withFallback(base));
    } catch (ConfigException e) {
      throw new IllegalArgumentException("bad configuration: " + e.getMessage(), e);
    }
  }

  private static void requireFree(String host, int port, String option, String what) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(host, port));
    } catch (IOException e) {
      throw new IllegalArgumentException("the " + what + " port " + host + ":" + port
          + " cannot be used (" + e.getMessage() + "): is another node running there? Choose"
          + " another with " + option);
    }
  }

  public static void main(String[] args) {
    CommandLine cli = new CommandLine(new ParleyNode());
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      if (e instanceof IllegalArgumentException || e instanceof JournalUnavailableException) {
        commandLine.getErr().println("parley-node: " + e.getMessage());
        return 2;
      }
      throw e;
    });
    System.exit(cli.execute(args));
  }
}
