package dev.parley.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.cluster.NodeClient;
import dev.parley.protocols.history.History;
import dev.parley.protocols.history.HistoryRecorder;
import dev.parley.protocols.history.Op;
import dev.parley.testkit.checker.LinearizabilityChecker;
import dev.parley.testkit.checker.Verdict;
import dev.parley.testkit.cluster.ClusterDriver;
import dev.parley.testkit.kv.HttpKvClients;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The end-to-end partition run on separate hosts ({@code bin/hosts scenario partition}), run on the
 * client host while {@code bin/hosts} has three node hosts up. Four clients put, get and cas three
 * keys of the Raft store over HTTP the whole time (Jepsen-style, {@link HttpKvClients}). Then: the
 * Raft leader's host is cut off by the kernel's packet filter (or its link taken down); the run
 * watches what the split-brain resolver decides (which side's members are removed, whether the
 * minority's JVM stops), probes the cut-off node directly (it must acknowledge nothing), and checks
 * that the majority goes on; then heals, restarts the downed node and waits until it has caught up.
 * With a PostgreSQL host, that host is cut off next: writes stall (every node's journal is there),
 * and go on after healing. At the end each key is read at every node, those reads join the clients'
 * history, and the whole history is checked linearizable: an acknowledged write lost in the
 * partition, the healing or the restart would make the final reads contradict it. Prints the
 * findings and one verdict line; exits 0 only if every check passed.
 *
 * <p>Cost: about three minutes; every wait is bounded (generously, for a loaded machine) and a
 * bound that runs out is a failed check, not a hang.
 */
@Command(name = "hosts-partition-scenario", mixinStandardHelpOptions = true,
    description = "Partition scenario against nodes on separate hosts (run by bin/hosts scenario partition).")
public final class HostsPartitionScenario implements Callable<Integer> {

  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final Duration PROBE = Duration.ofSeconds(3);

  @Option(names = "--hosts", required = true, description = "the bin/hosts script")
  String hosts;

  @Option(names = "--pids", required = true, description = "directory of the nodes' pid files")
  Path pids;

  @Option(names = "--nodes", required = true, split = ",", description = "node=host:httpPort, ...")
  Map<String, String> nodes = new LinkedHashMap<>();

  @Option(names = "--store", defaultValue = "raft", description = "the raft-kv instance (default ${DEFAULT-VALUE})")
  String store;

  @Option(names = "--link", description = "cut the host off by taking its link down instead of dropping its packets")
  boolean link;

  @Option(names = "--postgres-host", description = "the PostgreSQL host to cut off after the node partition")
  String postgresHost;

  @Option(names = "--logs", description = "directory of the nodes' logs, <node>.log, to count journal failures")
  Path logs;

  @Option(names = "--seed", defaultValue = "19", description = "the clients' seed (default ${DEFAULT-VALUE})")
  long seed;

  private final Map<String, Verdict> verdicts = new LinkedHashMap<>();
  private final List<String> findings = new ArrayList<>();
  private long started;
  private long journalCutAt = -1;
  private long journalHealedAt = -1;

  public static void main(String[] args) {
    System.exit(new CommandLine(new HostsPartitionScenario()).execute(args));
  }

  @Override
  public Integer call() {
    started = System.nanoTime();
    List<String> addresses = new ArrayList<>(nodes.values());
    HttpKvClients clients = new HttpKvClients(store, addresses).timeout(Duration.ofSeconds(2)).start(4, 3, seed);
    History history;
    try {
      say("4 clients on 3 keys of the Raft store '" + store + "' at " + addresses);
      if (!ClusterDriver.awaitUntil(WAIT, () -> clients.ok() >= 30)) {
        verdicts.put("the store serves before any partition",
            Verdict.invalid("start", "fewer than 30 operations in " + WAIT.toSeconds() + " s", List.of()));
        return report(clients.stop());
      }
      String victim = leader().orElse(nodes.keySet().iterator().next());
      nodePartition(clients, victim);
      if (postgresHost != null) {
        postgresPartition(clients);
      }
    } finally {
      history = clients.stop();
    }
    return report(finalReads(history));
  }

  /** Cuts {@code victim}'s host off, watches the resolver and the two sides, heals and restarts it. */
  private void nodePartition(HttpKvClients clients, String victim) {
    List<String> majority = nodes.keySet().stream().filter(n -> !n.equals(victim)).toList();
    long before = clients.ok();
    say(before + " operations done; the Raft leader is " + victim + "; cutting its host off"
        + (link ? " (link down)" : " (nft drops its packets to and from the other hosts)"));
    hosts("partition", victim, link ? "--link" : null);
    long cutAt = System.nanoTime();

    List<String> minorityAnswers = new ArrayList<>();
    boolean acknowledged = false;
    long removedAt = -1;
    long exitedAt = -1;
    long deadline = System.nanoTime() + WAIT.toNanos();
    int probe = 0;
    while (System.nanoTime() < deadline && (removedAt < 0 || exitedAt < 0)) {
      if (exitedAt < 0 && !alive(victim)) {
        exitedAt = System.nanoTime();
        say(String.format("+%.1f s: %s's JVM exited", seconds(cutAt), victim));
      }
      if (removedAt < 0 && majority.stream().allMatch(n -> !members(n).contains(victim) && members(n).containsAll(majority))) {
        removedAt = System.nanoTime();
        say(String.format("+%.1f s: %s removed from the membership seen by %s", seconds(cutAt), victim, majority));
      }
      if (exitedAt < 0 && !link) {
        String answer = probe(victim, "probe-" + (++probe));
        if (answer.startsWith("200")) {
          acknowledged = true;
        }
        if (minorityAnswers.isEmpty() || !minorityAnswers.get(minorityAnswers.size() - 1).endsWith(answer)) {
          minorityAnswers.add(String.format("+%.1f s: %s", seconds(cutAt), answer));
          say(String.format("+%.1f s: a write at %s answers %s", seconds(cutAt), victim, answer));
        }
      } else {
        ClusterDriver.pause(Duration.ofMillis(500));
      }
    }
    long during = clients.ok();
    boolean majorityGoesOn = ClusterDriver.awaitUntil(WAIT, () -> clients.ok() >= during + 10);
    String decision = removedAt < 0
        ? "no decision seen within " + WAIT.toSeconds() + " s"
        : String.format("kept the majority %s, downed %s (removed after %.1f s%s)", majority, victim,
            (removedAt - cutAt) / 1e9, exitedAt < 0 ? ", its JVM still running"
                : String.format(", its JVM exited after %.1f s", (exitedAt - cutAt) / 1e9));
    say("split-brain resolver: " + decision);
    findings.add("split-brain resolver, " + victim + " cut off" + (link ? " (link down)" : " (nft)") + ": " + decision);
    if (!minorityAnswers.isEmpty()) {
      findings.add("writes at the cut-off " + victim + ": " + String.join("; ", minorityAnswers));
    }
    verdicts.put("split-brain resolver downs the minority " + victim + " and keeps the majority",
        removedAt >= 0 && exitedAt >= 0 ? Verdict.valid("resolver", decision)
            : Verdict.invalid("resolver", decision, List.of()));
    verdicts.put("the cut-off minority acknowledges nothing", acknowledged
        ? Verdict.invalid("minority", "a write at " + victim + " was acknowledged while it was cut off", minorityAnswers)
        : Verdict.valid("minority", link ? "unreachable, then stopped" : "no write acknowledged: " + minorityAnswers.size()
            + " distinct answers, then its JVM stopped"));
    verdicts.put("the majority goes on", majorityGoesOn
        ? Verdict.valid("majority", (clients.ok() - before) + " operations acknowledged since the cut")
        : Verdict.invalid("majority", "fewer than 10 operations in " + WAIT.toSeconds() + " s after the decision", List.of()));

    hosts("heal");
    if (!alive(victim)) {
      hosts("restart", victim);
    }
    long back = clients.ok();
    boolean caughtUp = ClusterDriver.awaitUntil(WAIT, () -> commitIndex(victim) >= 0
        && commitIndex(victim) >= majority.stream().mapToLong(this::commitIndex).max().orElse(0) - 5
        && clients.ok() >= back + 20);
    say(victim + (caughtUp ? " is back and caught up" : " did not catch up") + " (commit index " + commitIndex(victim) + ")");
    verdicts.put(victim + " rejoins and catches up after healing", caughtUp
        ? Verdict.valid("rejoin", victim + " restarted, rejoined and applied what the majority committed")
        : Verdict.invalid("rejoin", victim + " did not catch up within " + WAIT.toSeconds() + " s", List.of()));
  }

  /** Cuts the PostgreSQL host off (every node's journal): writes stall; after healing they go on. */
  private void postgresPartition(HttpKvClients clients) {
    long before = clients.ok();
    say("cutting the PostgreSQL host " + postgresHost + " off from every node (the journal of all of them)");
    Map<String, Long> failuresBefore = journalFailures();
    hosts("partition", postgresHost, link ? "--link" : null);
    long cutAt = System.nanoTime();
    journalCutAt = cutAt;
    ClusterDriver.pause(Duration.ofSeconds(20));
    long during = clients.ok() - before;
    Map<String, Long> failuresAfter = journalFailures();
    String states = nodes.keySet().stream().map(n -> n + " " + (alive(n) ? "running" : "stopped")
            + (logs == null ? "" : ", " + (failuresAfter.get(n) - failuresBefore.get(n)) + " journal failure(s) of its Raft replica"))
        .reduce((a, b) -> a + ", " + b).orElse("");
    say(String.format("+%.1f s: %d operations acknowledged while the journal was cut off; nodes: %s",
        seconds(cutAt), during, states));
    journalHealedAt = System.nanoTime();
    hosts("heal");
    for (String n : nodes.keySet()) {
      if (!alive(n)) {
        hosts("restart", n);
      }
    }
    long healed = clients.ok();
    long healedAt = System.nanoTime();
    boolean resumed = ClusterDriver.awaitUntil(Duration.ofSeconds(240), () -> clients.ok() >= healed + 20);
    String after = String.format("%d acknowledged in the 20 s cut, %s %.1f s after healing", during,
        resumed ? "20 more" : "NO progress", seconds(healedAt));
    say(after);
    findings.add("PostgreSQL host cut off: " + after + "; nodes during the cut: " + states);
    verdicts.put("the store goes on once the PostgreSQL host is back", resumed
        ? Verdict.valid("journal", after)
        : Verdict.invalid("journal", after, List.of()));
  }

  /**
   * Per node, how many times its log says a protocol instance failed on its journal (a write the
   * journal's circuit breaker timed out; the instance then restarts from its journal).
   */
  private Map<String, Long> journalFailures() {
    Map<String, Long> out = new LinkedHashMap<>();
    for (String n : nodes.keySet()) {
      long count = 0;
      if (logs != null) {
        try (var lines = Files.lines(logs.resolve(n + ".log"), StandardCharsets.UTF_8)) {
          count = lines.filter(l -> l.contains(" failed (incarnation ") && l.contains("JournalFailureException")).count();
        } catch (IOException | java.io.UncheckedIOException unreadable) {
          count = 0;
        }
      }
      out.put(n, count);
    }
    return out;
  }

  /** Reads every key at every node (following redirects), appended to the clients' history. */
  private History finalReads(History history) {
    Set<String> keys = new TreeSet<>(history.keys());
    HistoryRecorder reads = new HistoryRecorder();
    for (Map.Entry<String, String> node : nodes.entrySet()) {
      NodeClient client = new NodeClient(node.getValue());
      for (String key : keys) {
        HistoryRecorder.Handle h = reads.invoke("final-" + node.getKey(), "get", key, null);
        boolean read = ClusterDriver.awaitUntil(Duration.ofSeconds(30), () -> {
          NodeClient.Response r = client.getFollowing("/kv/" + store + "/" + key + "?timeout=3000");
          if (r.ok() && r.body() != null) {
            JsonNode v = r.body().get("value");
            reads.ok(h, v == null || v.isNull() ? null : v.asText());
            say("final read of " + key + " at " + node.getKey() + ": " + (v == null ? null : v.asText()));
            return true;
          }
          return false;
        });
        if (!read) {
          reads.info(h, "no answer");
        }
      }
    }
    List<Op> all = new ArrayList<>(history.ops());
    long offset = all.isEmpty() ? 0 : all.get(all.size() - 1).index() + 1;
    for (Op op : reads.history().ops()) {
      all.add(new Op(op.index() + offset, op.process(), op.type(), op.f(), op.key(), op.value(), op.timeNanos(), op.error()));
    }
    return History.of(all);
  }

  private int report(History history) {
    long ok = history.operations().stream().filter(o -> o.isOk()).count();
    say(history.operations().size() + " operations, " + ok + " ok; checking linearizability (final reads included)");
    if (journalCutAt >= 0) {
      Map<String, Long> served = new java.util.TreeMap<>();
      history.operations().stream()
          .filter(o -> o.isOk() && o.invocation().timeNanos() >= journalCutAt && o.completion().timeNanos() <= journalHealedAt)
          .forEach(o -> served.merge(o.f(), 1L, Long::sum));
      findings.add("operations invoked and acknowledged entirely while the PostgreSQL host was cut off, by kind: "
          + (served.isEmpty() ? "none" : served));
    }
    verdicts.put("the Raft store's history is linearizable, nothing acknowledged lost after healing",
        LinearizabilityChecker.forRegisters().check(history));
    System.out.println();
    System.out.println("findings:");
    findings.forEach(f -> System.out.println("  - " + f));
    System.out.println("verdicts:");
    boolean pass = true;
    for (Map.Entry<String, Verdict> v : verdicts.entrySet()) {
      System.out.println("  " + (v.getValue().valid() ? "PASS " : "FAIL ") + v.getKey() + ": " + v.getValue().report());
      pass &= v.getValue().valid();
    }
    System.out.printf("VERDICT: %s (%d checks, %.0f s)%n", pass ? "PASS" : "FAIL", verdicts.size(), seconds(started));
    return pass ? 0 : 1;
  }

  /** The node whose Raft replica says it leads, if one answers so. */
  private java.util.Optional<String> leader() {
    for (int attempt = 0; attempt < 50; attempt++) {
      for (Map.Entry<String, String> n : nodes.entrySet()) {
        JsonNode live = live(n.getKey());
        JsonNode role = live == null ? null : live.findValue("role");
        if (role != null && role.asText().equalsIgnoreCase("leader")) {
          return java.util.Optional.of(n.getKey());
        }
      }
      ClusterDriver.pause(Duration.ofMillis(200));
    }
    return java.util.Optional.empty();
  }

  private long commitIndex(String node) {
    JsonNode live = live(node);
    JsonNode index = live == null ? null : live.findValue("commitIndex");
    return index == null ? -1 : index.asLong();
  }

  private JsonNode live(String node) {
    try {
      NodeClient.Response r = new NodeClient(nodes.get(node)).get("/protocols/" + store, PROBE);
      return r.ok() ? r.body() : null;
    } catch (IllegalStateException down) {
      return null;
    }
  }

  /** The members {@code node} lists as up (empty if it does not answer). */
  private Set<String> members(String node) {
    Set<String> out = new TreeSet<>();
    try {
      NodeClient.Response r = new NodeClient(nodes.get(node)).get("/status", PROBE);
      if (r.ok() && r.body() != null && r.body().has("members")) {
        for (JsonNode m : r.body().get("members")) {
          if ("Up".equals(m.path("status").asText())) {
            out.add(m.path("node").asText());
          }
        }
      }
    } catch (IllegalStateException down) {
      return out;
    }
    return out;
  }

  /**
   * A write sent straight to {@code node}, neither forwarded by it nor following a redirect: its status
   * and error, or why none came.
   */
  private String probe(String node, String value) {
    try {
      NodeClient.Response r = new NodeClient(nodes.get(node)).put("/kv/" + store + "/minority-probe?redirect=true&timeout="
          + PROBE.toMillis(), value);
      String error = r.body() != null && r.body().has("error") ? " " + r.body().get("error").asText() : "";
      int clause = error.indexOf(';');
      return r.status() + (clause < 0 ? error : error.substring(0, clause)).replaceAll("\\d+ ms", "N ms");
    } catch (IllegalStateException e) {
      String why = String.valueOf(e.getMessage());
      return why.contains("no node answers") || why.contains("refused") ? "connection refused" : "no answer";
    }
  }

  private boolean alive(String node) {
    try {
      String pid = Files.readString(pids.resolve(node)).strip();
      Path cmdline = Path.of("/proc", pid, "cmdline");
      return Files.exists(cmdline) && Files.readString(cmdline).replace('\0', ' ').contains("ParleyNode --node " + node + " ");
    } catch (IOException e) {
      return false;
    }
  }

  /** Runs {@code bin/hosts args...} (null args left out), showing its output; a failure is reported, not thrown. */
  private void hosts(String... args) {
    List<String> command = new ArrayList<>(List.of(hosts));
    for (String a : args) {
      if (a != null) {
        command.add(a);
      }
    }
    System.out.println("    $ bin/hosts " + String.join(" ", command.subList(1, command.size())));
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = out.readLine()) != null) {
          System.out.println("      " + line);
        }
      }
      if (p.waitFor() != 0) {
        findings.add("bin/hosts " + String.join(" ", command.subList(1, command.size())) + " failed");
      }
    } catch (IOException e) {
      findings.add("cannot run " + hosts + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  private static void say(String line) {
    System.out.println("  " + line);
  }
}
