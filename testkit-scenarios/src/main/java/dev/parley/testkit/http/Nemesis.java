package dev.parley.testkit.http;

import dev.parley.cluster.NodeProcesses;
import dev.parley.protocols.core.NodeId;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Faults for a {@link ClientHarness} run on a cluster of node processes: a network partition made
 * by the nodes themselves ({@code POST /nemesis} on every node: each cuts its own outbound links to
 * the other side), healing it, and SIGKILL of a node's JVM followed by a restart on the same ports
 * and data. Each action is kept with its time (from the nemesis's creation) for the report.
 *
 * <p>Bounded: a partition or heal is sent to each node up to three times, 2 s each; a restart waits
 * for the cluster at most the time given. A node that does not take a partition (it is down) is
 * noted in the timeline, not fatal.
 */
public final class Nemesis {

  private final NodeProcesses cluster;
  private final long origin = System.nanoTime();
  private final List<String> timeline = new ArrayList<>();

  public Nemesis(NodeProcesses cluster) {
    this.cluster = cluster;
  }

  /** Cuts {@code victim} off from every other node, both ways. */
  public Nemesis isolate(NodeId victim) {
    Set<NodeId> others = new TreeSet<>(cluster.nodes());
    others.remove(victim);
    String sides = "[[\"" + victim.name() + "\"],[" + others.stream().map(n -> "\"" + n.name() + "\"")
        .collect(Collectors.joining(",")) + "]]";
    return command("isolate " + victim, "{\"type\":\"partition\",\"sides\":" + sides + "}");
  }

  /** Heals every network fault. */
  public Nemesis heal() {
    return command("heal", "{\"type\":\"heal\"}");
  }

  /** SIGKILL of {@code victim}'s JVM. */
  public Nemesis kill(NodeId victim) {
    cluster.kill(victim);
    note("kill -9 " + victim);
    return this;
  }

  /** Starts {@code victim} again and waits at most {@code max} until every node sees every member Up. */
  public Nemesis restart(NodeId victim, Duration max) {
    note("restart " + victim);
    cluster.start(victim);
    cluster.awaitUp(cluster.nodes().size(), max);
    note(victim + " up again, " + cluster.nodes().size() + " members Up");
    return this;
  }

  /** What was done, with times in seconds from this nemesis's creation. */
  public synchronized List<String> timeline() {
    return List.copyOf(timeline);
  }

  /** Notes something done outside this nemesis, with its time. */
  public synchronized void note(String what) {
    timeline.add(String.format("t=%.1f s %s", (System.nanoTime() - origin) / 1e9, what));
  }

  private Nemesis command(String what, String json) {
    List<String> missed = new ArrayList<>();
    try (HttpNodes nodes = new HttpNodes(cluster.nodes().stream().map(cluster::http).toList())) {
      send(nodes, json, missed);
    }
    note(what + (missed.isEmpty() ? "" : " (not taken by " + missed + ")"));
    return this;
  }

  private void send(HttpNodes nodes, String json, List<String> missed) {
    for (int i = 0; i < nodes.size(); i++) {
      boolean taken = false;
      for (int attempt = 0; attempt < 3 && !taken; attempt++) {
        Answer a = nodes.send(nodes.request(i, "/nemesis", Duration.ofSeconds(2))
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build());
        taken = a.success();
        if (!taken && a.failure() == Answer.Failure.REFUSED) {
          break;
        }
      }
      if (!taken) {
        missed.add(cluster.nodes().get(i).name());
      }
    }
  }
}
