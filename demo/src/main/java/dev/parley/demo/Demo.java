package dev.parley.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.cluster.NodeClient;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.multicast.MessageId;
import dev.parley.testkit.checker.DeliveryOrderChecker;
import dev.parley.testkit.checker.ElectionChecker;
import dev.parley.testkit.checker.LeaderAnnouncement;
import dev.parley.testkit.checker.LockEvent;
import dev.parley.testkit.checker.MutualExclusionChecker;
import dev.parley.testkit.checker.Verdict;
import dev.parley.testkit.cluster.ClusterDriver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code bin/parley demo}: a guided tour of a 3-JVM cluster. Causal multicast under injected
 * reordering (beside basic multicast, caught breaking causal order); a Raft election and its
 * failover after {@code kill -9} of the leader; the lock server surviving {@code kill -9} with its
 * holder and queue; a replicated key-value store (Raft) whose clients' history stays linearizable
 * across {@code kill -9} of its leader; a partition where the minority stops and the majority goes on; then heal;
 * a durable subscriber of the topic broker that gets every message across {@code kill -9} of the broker. It
 * prints what happened and the checkers' verdicts, and stops every node it started.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, description = "A guided tour of a local cluster.")
public final class Demo implements Callable<Integer> {

  @Option(names = "--bin", required = true, description = "path of bin/parley")
  Path bin;

  static final NodeId N1 = NodeId.n(1);
  static final NodeId N2 = NodeId.n(2);
  static final NodeId N3 = NodeId.n(3);
  static final Duration WAIT = Duration.ofSeconds(30);
  static final int ROUNDS = 10;
  static final String BASIC_CAUSAL = "basic multicast, causal order";

  private ClusterDriver cluster;
  private final Map<String, Verdict> verdicts = new LinkedHashMap<>();
  private final List<String> findings = new ArrayList<>();
  private final List<Path> charts = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    long start = System.nanoTime();
    cluster = new ClusterDriver(bin.toString(), 3);
    Path root = bin.toAbsolutePath().getParent().getParent();
    try {
      step(1, "a fresh cluster of 3 JVMs (data/n1..n3 cleared)");
      cluster.parley("down");
      for (NodeId n : cluster.nodes()) {
        deleteTree(root.resolve("data").resolve(n.name()));
      }
      cluster.parley("up", "3", "--protocol", "causal=causal-multicast", "--protocol", "basic=basic-multicast",
          "--protocol", "locks=lock-server", "--protocol", "leader=raft-election",
          "--protocol", "quorum=quorum-detector", "--protocol", "raft=raft-kv",
          "--protocol", "majority=quorum", "--protocol", "gossip=gossip",
          "--protocol", "primary-backup=primary-backup", "--protocol", "chain=chain",
          "--protocol", "tx=two-phase-commit", "--protocol", "pubsub=topic-broker");
      causalUnderReordering();
      electionAndFailover();
      lockServerSurvivesKill();
      step(5, "a replicated key-value store (Raft) under clients, then kill -9 of its leader");
      KvTour.run(cluster, "raft", verdicts, findings, root.resolve(".parley"), charts);
      KvTour.everyStore(cluster, List.of("primary-backup", "chain", "tx", "majority", "gossip"), verdicts);
      partitionAndHeal();
      step(7, "a durable subscriber of the topic broker (on n1) across kill -9 of the broker's JVM");
      PubSubTour.run(cluster, "pubsub", verdicts, findings);
      step(8, "the run's trace, then stopping the cluster");
      cluster.parley("trace");
    } finally {
      cluster.parley("down");
    }
    System.out.println();
    System.out.println("What happened:");
    findings.forEach(f -> System.out.println("  - " + f));
    System.out.println("Verdicts:");
    boolean expected = true;
    for (var e : verdicts.entrySet()) {
      boolean invalidWanted = e.getKey().equals(BASIC_CAUSAL);
      boolean asExpected = invalidWanted ? !e.getValue().valid() : e.getValue().valid();
      expected &= asExpected;
      System.out.println("  " + e.getKey() + ": " + e.getValue().outcome() + " - " + e.getValue().summary()
          + (invalidWanted ? " (basic multicast promises no order: "
              + (asExpected ? "caught, as it should be)" : "not caught this time; run again)") : ""));
    }
    if (!charts.isEmpty()) {
      System.out.println("Latency charts (SVG, open in a browser):");
      charts.forEach(c -> System.out.println("  " + c));
    }
    System.out.printf("The tour took %.0f s.%n", (System.nanoTime() - start) / 1e9);
    return expected ? 0 : 1;
  }

  private static void step(int n, String what) {
    System.out.println();
    System.out.println("[" + n + "/8] " + what);
  }

  // --- 2: causal multicast under reordering ---------------------------------------------------

  private void causalUnderReordering() {
    step(2, "causal multicast under injected delay and reordering: n1's links take 0.2 to 1.5 s,"
        + " n2's and n3's up to 50 ms and hold back half the messages");
    cluster.nemesis(List.of(N1), faults("PT0.2S", "PT1.5S", 0));
    cluster.nemesis(List.of(N2, N3), faults("PT0S", "PT0.05S", 0.5));
    for (String protocol : List.of("causal", "basic")) {
      for (int round = 1; round <= ROUNDS; round++) {
        String question = "question-" + round;
        multicast(N1, protocol, question);
        cluster.await(WAIT, () -> delivered(N2, protocol).contains(question));
        multicast(N2, protocol, "answer-" + round); // happened after the question, at n2
        multicast(N3, protocol, "aside-" + round); // concurrent with both
      }
      cluster.await(WAIT, () -> cluster.nodes().stream().allMatch(n -> delivered(n, protocol).size() == 3 * ROUNDS));
      Map<NodeId, List<MessageId>> logs = new TreeMap<>();
      Set<MessageId> sent = new HashSet<>();
      for (NodeId n : cluster.nodes()) {
        List<MessageId> ids = cluster.upcalls(n, protocol, "Delivered").stream()
            .map(u -> new MessageId(NodeId.of(u.body().get("id").get("origin").asText()),
                u.body().get("id").get("seq").asLong()))
            .toList();
        logs.put(n, ids);
        sent.addAll(ids);
      }
      String name = protocol.equals("causal") ? "causal multicast" : "basic multicast";
      verdicts.put(name + ", exactly once", DeliveryOrderChecker.exactlyOnce(logs, sent));
      Verdict causal = DeliveryOrderChecker.causal(logs);
      verdicts.put(name + ", causal order", causal);
      System.out.println("    " + name + ": every node delivered " + logs.get(N3).size() + " messages; "
          + causal.report().lines().findFirst().orElse(""));
      causal.counterexample().forEach(l -> System.out.println("        " + l));
    }
    cluster.nemesis(cluster.nodes(), "{\"type\":\"heal\"}");
    findings.add("causal multicast kept causal order under reordering; basic multicast under the same links "
        + (verdicts.get(BASIC_CAUSAL).valid() ? "happened to keep it" : "delivered answers before their questions"));
  }

  private static String faults(String minDelay, String maxDelay, double reorder) {
    return "{\"type\":\"faults\",\"plan\":{\"drop\":0,\"duplicate\":0,\"reorder\":" + reorder
        + ",\"corrupt\":0,\"delay\":{\"type\":\"uniform\",\"min\":\"" + minDelay + "\",\"max\":\""
        + maxDelay + "\"},\"reorderWindow\":\"PT0.05S\",\"cut\":false}}";
  }

  private void multicast(NodeId node, String protocol, String payload) {
    cluster.node(node).post("/protocols/" + protocol + "/multicast", "{\"payload\":\"" + payload + "\"}");
  }

  private List<String> delivered(NodeId node, String protocol) {
    return cluster.upcalls(node, protocol, "Delivered").stream()
        .map(u -> u.body().get("payload").asText()).toList();
  }

  // --- 3: election and failover -----------------------------------------------------------------

  private NodeId agreedLeader(List<NodeId> nodes) {
    NodeId leader = null;
    for (NodeId n : nodes) {
      JsonNode live = cluster.live(n, "leader");
      if (live == null || live.get("leader") == null || live.get("leader").isNull()) {
        return null;
      }
      NodeId seen = NodeId.of(live.get("leader").asText());
      if (leader != null && !leader.equals(seen)) {
        return null;
      }
      leader = seen;
    }
    return leader != null && nodes.contains(leader) ? leader : null;
  }

  private void electionAndFailover() {
    step(3, "Raft election, then kill -9 of the leader's JVM");
    cluster.await(WAIT, () -> agreedLeader(cluster.nodes()) != null);
    NodeId leader = agreedLeader(cluster.nodes());
    if (leader == null) {
      throw new IllegalStateException("the nodes did not agree on a leader within " + WAIT.toSeconds() + " s");
    }
    long term = cluster.live(leader, "leader").get("epoch").asLong();
    System.out.println("    all three follow " + leader + " (term " + term + ")");
    List<NodeId> survivors = cluster.nodes().stream().filter(n -> !n.equals(leader)).toList();
    long killedAt = System.nanoTime();
    cluster.parley("kill", leader.name());
    cluster.await(WAIT, () -> {
      NodeId next = agreedLeader(survivors);
      return next != null && !next.equals(leader);
    });
    double failover = (System.nanoTime() - killedAt) / 1e6;
    NodeId next = agreedLeader(survivors);
    System.out.printf("    %s and %s agree on %s (term %d) %.0f ms after the kill%n", survivors.get(0),
        survivors.get(1), next, cluster.live(next, "leader").get("epoch").asLong(), failover);
    findings.add(String.format("Raft failed over from %s to %s in %.0f ms after kill -9", leader, next, failover));
    cluster.parley("restart", leader.name());
    cluster.await(WAIT, () -> next.equals(agreedLeader(cluster.nodes())));
    NodeId after = agreedLeader(cluster.nodes());
    System.out.println("    " + leader + " is back; all three follow " + after
        + (leader.equals(after) ? " (its first election timeout started a new term: Raft without pre-vote)" : ""));

    List<LeaderAnnouncement> announcements = new ArrayList<>();
    for (NodeId n : cluster.nodes()) {
      cluster.upcalls(n, "leader", "LeaderElected").forEach(u -> announcements.add(LeaderAnnouncement.of(
          NodeId.of(u.body().get("node").asText()), u.timeMillis() * 1_000_000,
          NodeId.of(u.body().get("leader").asText()), u.body().get("epoch").asLong())));
    }
    announcements.sort(Comparator.comparingLong(LeaderAnnouncement::timeNanos));
    verdicts.put("Raft election, one leader per term", ElectionChecker.create().check(announcements));
  }

  // --- 4: the lock server survives kill -9 ------------------------------------------------------

  private void lockServerSurvivesKill() {
    step(4, "the lock server (on n1) survives kill -9 with its holder and queue");
    JsonNode granted = cluster.node(N2).post("/protocols/locks/acquire?client=n2", "").body();
    System.out.println("    n2 acquires: granted with fencing token " + granted.get("fencingToken"));
    CompletableFuture<NodeClient.Response> waiting = CompletableFuture.supplyAsync(() ->
        cluster.node(N3).post("/protocols/locks/acquire?client=n3&timeout=240000", "", Duration.ofSeconds(250)));
    cluster.await(WAIT, () -> queue(cluster.live(N1, "locks")).equals(List.of("n3")));
    System.out.println("    n3 acquires: its request waits, queued; the server says " + lockState(cluster.live(N1, "locks")));
    cluster.parley("kill", "n1");
    cluster.parley("restart", "n1");
    cluster.await(WAIT, () -> cluster.live(N1, "locks") != null);
    JsonNode recovered = cluster.live(N1, "locks");
    System.out.println("    after the restart the server says " + lockState(recovered));
    boolean kept = recovered != null && "n2".equals(recovered.get("holder").asText())
        && queue(recovered).equals(List.of("n3"));
    findings.add("the lock server " + (kept ? "came back from its journal with holder n2 and queue [n3]"
        : "did NOT come back with its holder and queue: " + lockState(recovered)));
    NodeClient.Response released = cluster.node(N2).post("/protocols/locks/release?client=n2", "");
    System.out.println("    n2 releases: " + (released.ok() ? "released" : released.body().get("error").asText()));
    NodeClient.Response granted3 = waiting.orTimeout(WAIT.toMillis(), TimeUnit.MILLISECONDS)
        .exceptionally(e -> null).join();
    System.out.println("    n3's acquire, waiting all along, answers: " + (granted3 != null && granted3.ok()
        ? "granted with fencing token " + granted3.body().get("fencingToken") : "nothing in time"));
    System.out.println("    the server says " + lockState(cluster.live(N1, "locks")));
    cluster.node(N3).post("/protocols/locks/release?client=n3", "");

    List<LockEvent> events = new ArrayList<>();
    for (NodeId n : List.of(N2, N3)) {
      for (ClusterDriver.Upcall u : cluster.upcalls(n, "locks", "Requested", "Granted", "Released")) {
        NodeId who = NodeId.of(u.body().get("node").asText());
        long t = u.timeMillis() * 1_000_000;
        events.add(switch (u.type()) {
          case "Requested" -> LockEvent.request(who, t);
          case "Granted" -> LockEvent.grant(who, t, u.body().get("fencingToken").asLong());
          default -> LockEvent.release(who, t);
        });
      }
    }
    events.sort(Comparator.comparingLong(LockEvent::timeNanos));
    Verdict safety = MutualExclusionChecker.create().withoutFairness().check(events);
    verdicts.put("lock server, never two holders, tokens increase", kept ? safety
        : Verdict.invalid("lock server", "holder or queue lost in the crash", List.of(lockState(recovered))));
  }

  private static List<String> queue(JsonNode live) {
    List<String> out = new ArrayList<>();
    if (live != null) {
      live.get("queue").forEach(n -> out.add(n.asText()));
    }
    return out;
  }

  private static String lockState(JsonNode live) {
    return live == null ? "(no answer)"
        : "holder " + live.get("holder").asText() + " (token " + live.get("holderToken") + "), queue " + queue(live);
  }

  // --- 6: partition -------------------------------------------------------------------------------

  private void partitionAndHeal() {
    step(6, "partition n1 | n2,n3: the minority stops, the majority goes on; then heal");
    KvTour.beforePartition(cluster, "majority", "gossip");
    cluster.parley("partition", "n1/n2,n3");
    boolean lost = cluster.await(WAIT, () -> !cluster.upcalls(N1, "quorum", "MajorityLost").isEmpty());
    System.out.println("    n1's quorum detector: " + (lost ? "majority lost, n1 stops serving writes" : "no report"));
    boolean majorityLeads = cluster.await(WAIT, () -> {
      NodeId leader = agreedLeader(List.of(N2, N3));
      return leader != null && !leader.equals(N1);
    });
    NodeId majorityLeader = agreedLeader(List.of(N2, N3));
    System.out.println("    n2 and n3 follow " + majorityLeader);
    KvTour.duringPartition(cluster, "majority", "gossip", verdicts, findings);
    multicast(N2, "basic", "majority-only");
    cluster.await(WAIT, () -> delivered(N3, "basic").contains("majority-only"));
    boolean minorityHeard = delivered(N1, "basic").contains("majority-only");
    System.out.println("    a multicast from n2 reaches n3" + (minorityHeard ? " and n1 (!)" : ", not n1"));
    findings.add("during the partition n1 " + (lost ? "reported its majority lost" : "did not report")
        + " and the majority " + (majorityLeads ? "kept a leader (" + majorityLeader + ")" : "had no leader"));
    cluster.parley("heal");
    boolean regained = cluster.await(WAIT, () -> !cluster.upcalls(N1, "quorum", "MajorityRegained").isEmpty());
    cluster.await(WAIT, () -> agreedLeader(cluster.nodes()) != null);
    System.out.println("    healed: n1 " + (regained ? "regained its majority" : "did not report")
        + "; all three follow " + agreedLeader(cluster.nodes()));
    verdicts.put("partition, minority stops and majority goes on", lost && majorityLeads && !minorityHeard
        ? Verdict.valid("partition", "n1 lost its majority; n2,n3 kept a leader and delivered among themselves")
        : Verdict.invalid("partition", "the sides did not behave as expected",
            List.of("majority lost at n1: " + lost, "majority has a leader: " + majorityLeads,
                "n1 heard the majority: " + minorityHeard)));
  }

  private static void deleteTree(Path dir) throws java.io.IOException {
    if (Files.exists(dir)) {
      try (Stream<Path> paths = Files.walk(dir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new Demo()).execute(args));
  }
}
