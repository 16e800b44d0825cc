package dev.parley.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.cluster.tls.KeyMaterial;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.protocols.trace.ExplorerPage;
import dev.parley.protocols.trace.ShiVizCheck;
import dev.parley.protocols.trace.ShiVizLog;
import dev.parley.protocols.trace.SpaceTimeDiagram;
import dev.parley.protocols.trace.StampedEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
        ParleyCtl.AwaitUp.class, ParleyCtl.Call.class, ParleyCtl.Trace.class, ParleyCtl.Explore.class, ParleyCtl.CheckTrace.class, ParleyCtl.Keys.class})
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
        JsonNode journal = s.get("journal");
        if (journal != null) {
          System.out.println("    journal " + journal.get("state").asText() + (journal.has("reason")
              ? ": " + journal.get("reason").asText() + " since " + journal.get("since").asText() + " ("
              + journal.get("todo").asText() + ")" : ""));
        }
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

    @Option(names = "--members-only", description = "wait for membership only, not for the protocols: a node"
        + " founding the cluster again starts them once its whole group has joined")
    boolean membersOnly;

    @Override
    public Integer call() throws InterruptedException {
      long deadline = System.nanoTime() + timeout * 1_000_000_000L;
      while (System.nanoTime() < deadline) {
        Optional<String> exited = exited();
        if (exited.isPresent()) {
          return stopped(exited.get());
        }
        if (nodes.clients().stream().allMatch(c -> allUp(c, nodes.addresses.size(), !membersOnly))
            && exited().isEmpty()) {
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

    private static boolean allUp(NodeClient c, int expected, boolean protocolsToo) {
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
        started &= !protocolsToo || p.get("started").asBoolean();
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

  @Command(name = "trace", description = "Put the nodes' traces together, cut consistently: a ShiViz log and"
      + " an HTML diagram. Exit status 1 if a node did not answer (the others' trace is still written).")
  static final class Trace implements Callable<Integer> {
    @CommandLine.Mixin Nodes nodes;

    @Option(names = "--out", required = true, description = "directory for trace.shiviz and trace.html")
    Path out;

    @Option(names = "--wait", description = "seconds to wait for each node (default ${DEFAULT-VALUE})")
    int wait = 10;

    @Override
    public Integer call() throws Exception {
      ClusterTrace.Taken taken = ClusterTrace.take(nodes.clients(), Duration.ofSeconds(wait));
      if (taken.cut().windows().isEmpty()) {
        System.err.println("parley: no node answered, so there is no trace to write: "
            + taken.missing().stream().map(m -> m.address() + " (" + m.reason() + ")").toList()
            + "; start the cluster (bin/parley up N) or check it with bin/parley status");
        return 1;
      }
      List<StampedEvent> events = taken.cut().events();
      List<String> header = taken.header();
      String log = ShiVizLog.of(header, events);
      ShiVizCheck.Report check = ShiVizCheck.check(log);
      if (!check.valid()) {
        System.err.println("parley: the cut trace is not a valid ShiViz log, which is a bug in Parley; nothing"
            + " written. " + check.summary());
        return 2;
      }
      Files.createDirectories(out);
      Files.writeString(out.resolve("trace.shiviz"), log);
      SpaceTimeDiagram.write("Parley cluster trace", header, events, out.resolve("trace.html"));
      header.stream().filter(h -> !h.startsWith("MISSING")).forEach(System.out::println);
      System.out.println(events.size() + " events from " + taken.cut().windows().size() + " nodes: "
          + out.resolve("trace.html") + " (open in a browser) and " + out.resolve("trace.shiviz")
          + " (for ShiViz, parser " + ShiVizLog.REGEX + ")");
      for (ClusterTrace.Missing m : taken.missing()) {
        System.err.println("parley: the node at " + m.address() + " did not answer (" + m.reason() + "), so the"
            + " trace has no lane for it and says so in its header; check it with bin/parley status and run"
            + " bin/parley trace again once it answers");
      }
      return taken.missing().isEmpty() ? 0 : 1;
    }
  }

  @Command(name = "explore", description = "The cluster's run for the explorer: fetched from the first node that"
      + " answers, written as explorer.html (openable from the file) and explorer.json; prints the live view's URL."
      + " Exit status 1 only if no node answers.")
  static final class Explore implements Callable<Integer> {
    @CommandLine.Mixin Nodes nodes;

    @Option(names = "--out", required = true, description = "directory for explorer.html and explorer.json")
    Path out;

    @Option(names = "--wait", description = "seconds to wait for a node (default ${DEFAULT-VALUE})")
    int wait = 30;

    @Override
    public Integer call() throws Exception {
      for (String address : nodes.addresses) {
        NodeClient client = new NodeClient(address);
        NodeClient.Response r;
        try {
          r = client.get("/explorer/run", Duration.ofSeconds(wait));
        } catch (IllegalStateException e) {
          System.err.println("parley: " + e.getMessage() + "; trying the next node");
          continue;
        }
        if (!r.ok() || r.body() == null || !"parley-run".equals(r.body().path("format").asText())) {
          System.err.println("parley: the node at " + address + " answered GET /explorer/run with " + r.status()
              + " " + NodeSnapshot.brief(r.text()) + "; trying the next node");
          continue;
        }
        Files.createDirectories(out);
        Files.writeString(out.resolve("explorer.json"), r.text());
        ExplorerPage.write(out.resolve("explorer.html"), r.text());
        System.out.println(r.body().path("events").size() + " events from " + r.body().path("nodes").size()
            + " nodes: " + out.resolve("explorer.html") + " (open in a browser) and " + out.resolve("explorer.json"));
        r.body().path("notes").forEach(n -> System.out.println("note: " + n.asText()));
        System.out.println("live view: http://" + address + "/explorer");
        return 0;
      }
      System.err.println("parley: no node answered, so there is no run to write; start the cluster (bin/parley up N)"
          + " or check it with bin/parley status");
      return 1;
    }
  }

  @Command(name = "check-trace", description = "Check a ShiViz log by the rules ShiViz applies (exit 1 if it"
      + " would reject it).")
  static final class CheckTrace implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "a ShiViz log, such as .parley/trace.shiviz")
    Path file;

    @Override
    public Integer call() throws Exception {
      if (!Files.isRegularFile(file)) {
        System.err.println("parley: no file " + file + "; bin/parley trace writes .parley/trace.shiviz");
        return 1;
      }
      ShiVizCheck.Report report = ShiVizCheck.check(Files.readString(file));
      System.out.println(file + ": " + report.summary());
      return report.valid() ? 0 : 1;
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
