package dev.parley.demo;

import dev.parley.cluster.NodeClient;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.history.History;
import dev.parley.testkit.checker.LinearizabilityChecker;
import dev.parley.testkit.checker.Verdict;
import dev.parley.testkit.cluster.ClusterDriver;
import dev.parley.testkit.kv.HttpKvClients;
import dev.parley.testkit.report.LatencySamples;
import dev.parley.testkit.report.LatencySvg;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The demo's replication step: clients put, get and cas keys of the Raft store over HTTP while the
 * leader's JVM is killed with {@code kill -9} and restarted; their history is checked linearizable,
 * and their latencies are drawn over time (the kill and the restart marked) and as percentiles.
 */
final class KvTour {

  private static final Duration WAIT = Duration.ofSeconds(60);

  private KvTour() {}

  /**
   * While n1 is cut off from n2 and n3: the same write on the majority side of a quorum store and a
   * gossip store, then a read at n1. The quorum store refuses to answer (no majority: consistency
   * over availability), the gossip store answers with the old value (availability over consistency).
   */
  static void duringPartition(ClusterDriver cluster, String quorum, String gossip, Map<String, Verdict> verdicts,
      List<String> findings) {
    NodeClient n1 = cluster.node(NodeId.n(1));
    NodeClient n2 = cluster.node(NodeId.n(2));
    n2.put("/kv/" + quorum + "/x?timeout=3000", "after");
    n2.put("/kv/" + gossip + "/x?timeout=3000", "after");
    NodeClient.Response q = n1.get("/kv/" + quorum + "/x?timeout=3000");
    NodeClient.Response g = n1.get("/kv/" + gossip + "/x");
    String gossipRead = g.body() == null ? g.text() : g.body().path("value").asText("(none)");
    System.out.println("    x := after at n2, in a quorum store and a gossip store; read at n1: quorum answers "
        + q.status() + (q.ok() ? "" : " (" + q.body().path("error").asText() + ")") + ", gossip answers "
        + g.status() + " '" + gossipRead + "'");
    boolean asCapSays = q.status() == 503 && g.ok() && "before".equals(gossipRead);
    findings.add("in the partition the quorum store refused n1's read (" + q.status()
        + ") and the gossip store served it stale ('" + gossipRead + "')");
    verdicts.put("quorum store: no stale read on the minority side; gossip: available but stale", asCapSays
        ? Verdict.valid("CAP", "quorum chose consistency (503 at n1), gossip availability ('before' at n1)")
        : Verdict.invalid("CAP", "the stores did not behave as their models say",
            List.of("quorum at n1: " + q.status() + " " + q.text(), "gossip at n1: " + g.status() + " " + g.text())));
  }

  /**
   * The same interface on every other store: a put at n1 (following a redirect, as {@code curl -L}
   * does) and a get at n3, printed; a store that does not read back what it was given is reported.
   */
  static void everyStore(ClusterDriver cluster, List<String> stores, Map<String, Verdict> verdicts) {
    NodeClient n1 = cluster.node(NodeId.n(1));
    NodeClient n3 = cluster.node(NodeId.n(3));
    List<String> wrong = new ArrayList<>();
    for (String store : stores) {
      String value = "hello-" + store;
      boolean readBack = cluster.await(WAIT, () -> {
        NodeClient.Response put = n1.putFollowing("/kv/" + store + "/greeting?timeout=3000", value);
        NodeClient.Response get = put.ok() ? n3.getFollowing("/kv/" + store + "/greeting?timeout=3000") : put;
        return get.ok() && get.body() != null && value.equals(get.body().path("value").asText());
      });
      System.out.println("    " + store + ": put at n1, get at n3: " + (readBack ? "'" + value + "'" : "not read back"));
      if (!readBack) {
        wrong.add(store);
      }
    }
    verdicts.put("every store reads back what it was given", wrong.isEmpty()
        ? Verdict.valid("stores", stores + " each read back a put made at another node")
        : Verdict.invalid("stores", "not read back", wrong));
  }

  /** Before the partition: x := before in both stores, everywhere. */
  static void beforePartition(ClusterDriver cluster, String quorum, String gossip) {
    NodeClient n1 = cluster.node(NodeId.n(1));
    n1.put("/kv/" + quorum + "/x?timeout=3000", "before");
    n1.put("/kv/" + gossip + "/x", "before");
    cluster.await(WAIT, () -> cluster.nodes().stream().allMatch(n ->
        "before".equals(cluster.node(n).get("/kv/" + gossip + "/x").body().path("value").asText())));
  }

  /**
   * Runs the step on {@code store} (a raft-kv instance), adding what it found to the demo's report
   * and its latency charts, written to {@code figures}, to {@code written}.
   */
  static void run(ClusterDriver cluster, String store, Map<String, Verdict> verdicts, List<String> findings,
      Path figures, List<Path> written) {
    List<String> https = cluster.https();
    long started = System.nanoTime();
    List<LatencySvg.Marker> markers = new ArrayList<>();
    System.out.println("    try it: curl -L -X PUT --data-raw blue http://" + https.get(0) + "/kv/" + store
        + "/colour; curl -L http://" + https.get(1) + "/kv/" + store + "/colour");
    HttpKvClients clients = new HttpKvClients(store, https).timeout(Duration.ofSeconds(2)).start(4, 3, 7);
    History history;
    try {
      cluster.await(WAIT, () -> clients.ok() >= 30);
      int at = Math.max(0, https.indexOf(clients.lastServedBy()));
      NodeId leader = cluster.nodes().get(at);
      long before = clients.ok();
      System.out.println("    4 clients, 3 keys: " + before + " operations done; the leader is " + leader
          + "; kill -9 of its JVM");
      long killedAt = System.nanoTime();
      cluster.parley("kill", leader.name());
      markers.add(new LatencySvg.Marker("kill -9 " + leader, killedAt - started));
      boolean goesOn = cluster.await(WAIT, () -> clients.ok() >= before + 10);
      double gap = (System.nanoTime() - killedAt) / 1e6;
      System.out.printf("    %s: %d more operations done %.0f ms after the kill%n",
          goesOn ? "the survivors elect a leader and go on" : "no progress without it", clients.ok() - before, gap);
      cluster.parley("restart", leader.name());
      markers.add(new LatencySvg.Marker(leader + " back", System.nanoTime() - started));
      long back = clients.ok();
      cluster.await(WAIT, () -> clients.ok() >= back + 20);
      findings.add(String.format("the Raft store %s after kill -9 of its leader %s (%d operations in all)",
          goesOn ? "went on" : "did NOT go on", leader, clients.ok()));
    } finally {
      history = clients.stop();
    }
    long ok = history.operations().stream().filter(o -> o.isOk()).count();
    System.out.println("    " + history.operations().size() + " operations, " + ok + " ok; checking linearizability");
    verdicts.put("Raft key-value store, linearizable across kill -9 of its leader",
        LinearizabilityChecker.forRegisters().check(history));
    List<LatencySvg.Series> series = LatencySamples.perOperation(history, started).entrySet().stream()
        .map(e -> new LatencySvg.Series(e.getKey(), e.getValue())).toList();
    if (series.isEmpty()) {
      System.out.println("    no operation completed: no latency chart");
      return;
    }
    written.addAll(LatencySvg.write(figures, "demo-kv-latency", "Raft store over HTTP, 4 clients,"
        + " kill -9 of the leader", series, markers));
  }
}
