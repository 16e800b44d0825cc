package dev.parley.cluster;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.cluster.http.Json;
import dev.parley.cluster.tls.KeyMaterial;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.protocols.trace.ShiVizLog;
import dev.parley.protocols.trace.SpaceTimeDiagram;
import dev.parley.protocols.trace.StampedEvent;
import dev.parley.protocols.trace.Traces;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The part of {@code bin/parley} that talks to running nodes over HTTP: status, partition, heal,
 * and waiting until a cluster is up. Nodes are given as {@code host:httpPort} addresses.
 */
@Command(name = "parley-ctl", mixinStandardHelpOptions = true,
    description = "Talk to running Parley nodes over HTTP.",
    subcommands = {ParleyCtl.Status.class, ParleyCtl.Partition.class, ParleyCtl.Heal.class,
        ParleyCtl.AwaitUp.class, ParleyCtl.Call.class, ParleyCtl.Trace.class, ParleyCtl.Keys.class})
public final class ParleyCtl {

  /** The nodes to talk to. */
  static class Nodes {
    @Option(names = "--nodes", split = ",", required = true, description = "host:httpPort of each node")
    List<String> addresses = new ArrayList<>();

    List<NodeClient> clients() {
      return addresses.stream().map(NodeClient::new).toList();
    }
  }

  @Command(name = "status", description = "Members, reachability and protocol instances of each node.")
  static final class Status implements Callable<Integer> {
    @CommandLine.Mixin Nodes nodes;

    @Override
    public Integer call() {
      int down = 0;
      for (String address : nodes.addresses) {
        NodeClient client = new NodeClient(address);
        if (!client.reachable()) {
          System.out.printf("%-22s %s%n", address, refusal(client).orElse("down"));
          down++;
          continue;
        }
        JsonNode s = client.get("/status").body();
        List<String> members = new ArrayList<>();
        s.get("members").forEach(m -> members.add(m.get("node").asText() + ":"
            + m.get("status").asText() + (m.get("reachable").asBoolean() ? "" : "(unreachable)")));
        List<String> protocols = new ArrayList<>();
        s.get("protocols").fields().forEachRemaining(e -> protocols.add(e.getKey() + "="
            + e.getValue().get("kind").asText() + (e.getValue().get("started").asBoolean() ? "" : "(waiting)")
            + " " + e.getValue().get("state")));
        System.out.printf("%s (%s) members %s%n", s.get("node").asText(), address, members);
        protocols.forEach(p -> System.out.println("    " + p));
      }
      return down == 0 ? 0 : 1;
    }
  }

  @Command(name = "partition", description = "Partition the cluster, e.g. n1,n2/n3 (sent to every node).")
  static final class Partition implements Callable<Integer> {
    @CommandLine.Mixin Nodes nodes;

    @Parameters(paramLabel = "SIDES") String sides;

    @Override
    public Integer call() {
      NemesisCommand.Partition p = NemesisCommand.Partition.parse(sides);
      StringBuilder json = new StringBuilder("{\"type\":\"partition\",\"sides\":[");
      for (int i = 0; i < p.sides().size(); i++) {
        json.append(i == 0 ? "" : ",").append(p.sides().get(i).stream()
            .map(n -> "\"" + n + "\"").sorted().toList());
      }
      return toAll(nodes, json.append("]}").toString(), "partitioned " + sides);
    }
  }

  @Command(name = "heal", description = "Heal every partition and link fault (sent to every node).")
  static final class Heal implements Callable<Integer> {
    @CommandLine.Mixin Nodes nodes;

    @Override
    public Integer call() {
      return toAll(nodes, "{\"type\":\"heal\"}", "healed");
    }
  }

  @Command(name = "await-up", description = "Wait until every node answers and sees all as Up; with --watch,"
      + " fail at once when a node's process exits, printing why from its log.")
  static final class AwaitUp implements Callable<Integer> {
    @CommandLine.Mixin Nodes nodes;

    @Option(names = "--timeout", description = "seconds (default ${DEFAULT-VALUE})")
    int timeout = 90;

    @Option(names = "--watch", split = ",", paramLabel = "NODE=PID",
        description = "the nodes' processes, such as n1=4242; a node whose process is gone fails the wait")
    Map<String, Long> watch = new LinkedHashMap<>();

    @Option(names = "--logs", paramLabel = "DIR", description = "where each watched node logs, DIR/<node>.log")
    Path logs = Path.of(".parley", "logs");

    @Override
    public Integer call() throws InterruptedException {
      long deadline = System.nanoTime() + timeout * 1_000_000_000L;
      while (System.nanoTime() < deadline) {
        Optional<String> exited = exited();
        if (exited.isPresent()) {
          return stopped(exited.get());
        }
        if (nodes.clients().stream().allMatch(c -> allUp(c, nodes.addresses.size())) && exited().isEmpty()) {
          return 0;
        }
        Thread.sleep(200);
      }
      System.err.println("parley: the nodes " + nodes.addresses + " were not all up within " + timeout
          + " s; see their logs in .parley/logs");
      return 1;
    }

    /** The first watched node whose process is gone. */
    private Optional<String> exited() {
      return watch.entrySet().stream()
          .filter(e -> !ProcessHandle.of(e.getValue()).map(ProcessHandle::isAlive).orElse(false))
          .map(Map.Entry::getKey).findFirst();
    }

    /** Says why {@code node} stopped, in its own words from its log, without a stack trace. */
    private int stopped(String node) {
      Path log = logs.resolve(node + ".log");
      System.err.println("parley: " + node + " stopped while starting; " + log + " says:");
      NodeLog.reasons(log).forEach(line -> System.err.println("  " + line));
      return 3;
    }

    private static boolean allUp(NodeClient c, int expected) {
      if (!c.reachable()) {
        refusal(c).ifPresent(r -> {
          throw new IllegalArgumentException(r);
        });
        return false;
      }
      JsonNode s = c.get("/status").body();
      int up = 0;
      for (JsonNode m : s.get("members")) {
        up += m.get("status").asText().equals("Up") ? 1 : 0;
      }
      boolean started = true;
      for (JsonNode p : s.get("protocols")) {
        started &= p.get("started").asBoolean();
      }
      return up >= expected && started;
    }
  }

  @Command(name = "call", description = "One HTTP call to one node: GET PATH, or POST PATH JSON.")
  static final class Call implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NODE", description = "host:httpPort") String node;
    @Parameters(index = "1", paramLabel = "METHOD") String method;
    @Parameters(index = "2", paramLabel = "PATH") String path;
    @Parameters(index = "3", arity = "0..1", paramLabel = "JSON") String body;

    @Override
    public Integer call() {
      NodeClient client = new NodeClient(node);
      NodeClient.Response r = method.equalsIgnoreCase("post") ? client.post(path, body) : client.get(path);
      System.out.println(r.text());
      return r.ok() ? 0 : 1;
    }
  }

  @Command(name = "trace", description = "Put the nodes' traces together: a ShiViz log and an HTML diagram.")
  static final class Trace implements Callable<Integer> {
    @CommandLine.Mixin Nodes nodes;

    @Option(names = "--out", required = true, description = "directory for trace.shiviz and trace.html")
    Path out;

    @Override
    public Integer call() throws Exception {
      ObjectMapper json = Json.mapper();
      List<List<StampedEvent>> traces = new ArrayList<>();
      for (NodeClient c : nodes.clients()) {
        if (c.reachable()) {
          traces.add(json.readValue(c.get("/trace").text(), new TypeReference<List<StampedEvent>>() {}));
        }
      }
      List<StampedEvent> merged = Traces.merge(traces);
      Files.createDirectories(out);
      ShiVizLog.write(merged, out.resolve("trace.shiviz"));
      SpaceTimeDiagram.write("Parley cluster trace", merged, out.resolve("trace.html"));
      System.out.println(merged.size() + " events from " + traces.size() + " nodes: "
          + out.resolve("trace.html") + " (open in a browser) and " + out.resolve("trace.shiviz")
          + " (for ShiViz, parser " + ShiVizLog.REGEX + ")");
      return 0;
    }
  }

  @Command(name = "keys", description = "Generate the cluster's TLS key material (PKCS12 keystore and"
      + " truststore, password file readable by the owner only) for nodes started with --tls DIR.")
  static final class Keys implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "where to write it (must not hold keys yet)")
    Path dir;

    @Override
    public Integer call() {
      KeyMaterial.generate(dir);
      System.out.println("key material for the cluster in " + dir + ": " + KeyMaterial.KEYSTORE + ", "
          + KeyMaterial.TRUSTSTORE + ", " + KeyMaterial.PASSWORD + " (owner-only); start every node with"
          + " --tls " + dir + " (the same keys on every node)");
      return 0;
    }
  }

  /** Why the node refused to answer {@code /status} (a token missing or lacking a role), if it did. */
  private static Optional<String> refusal(NodeClient c) {
    try {
      NodeClient.Response r = c.get("/status");
      if (r.status() == 401 || r.status() == 403) {
        return Optional.of("refused (" + r.status() + "): "
            + (r.body() != null && r.body().has("error") ? r.body().get("error").asText() : r.text())
            + "; set " + NodeClient.TOKEN_ENV + " to a token with the reader role");
      }
      return Optional.empty();
    } catch (IllegalStateException down) {
      return Optional.empty();
    }
  }

  private static int toAll(Nodes nodes, String json, String done) {
    int failed = 0;
    for (NodeClient c : nodes.clients()) {
      try {
        NodeClient.Response r = c.post("/nemesis", json);
        if (!r.ok()) {
          System.err.println("parley: " + r.text());
          failed++;
        }
      } catch (IllegalStateException e) {
        System.err.println("parley: " + e.getMessage());
        failed++;
      }
    }
    System.out.println(failed == 0 ? done : done + " (" + failed + " nodes did not take it)");
    return failed == 0 ? 0 : 1;
  }

  public static void main(String[] args) {
    CommandLine cli = new CommandLine(new ParleyCtl());
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      commandLine.getErr().println("parley: " + e.getMessage());
      return 2;
    });
    System.exit(cli.execute(args));
  }
}
