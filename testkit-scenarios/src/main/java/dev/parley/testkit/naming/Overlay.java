package dev.parley.testkit.naming;

import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.naming.OverlaySearch;
import dev.parley.protocols.naming.OverlaySearch.Config;
import dev.parley.protocols.naming.OverlaySearch.Found;
import dev.parley.protocols.naming.OverlaySearch.Mode;
import dev.parley.protocols.naming.OverlaySearch.Search;
import dev.parley.testkit.sim.Simulation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * An unstructured overlay in the deterministic simulation, searched one query at a time so each
 * search's messages can be counted. Every peer (every leaf, with super-peers) holds one item, {@code
 * item-<node>}.
 */
public final class Overlay {

  /** Links of the overlay: each message delayed 1 to 5 ms (so copies race), nothing lost. */
  public static final FaultPlan LINKS =
      FaultPlan.none().withDelay(Delay.uniform(Duration.ofMillis(1), Duration.ofMillis(5)));

  private final Simulation<OverlaySearch.Command> sim;
  private final Map<NodeId, Set<NodeId>> graph;
  private final List<NodeId> searchers;
  private final long seed;
  private long nextQuery = 1;

  private Overlay(Map<NodeId, Config> configs, Map<NodeId, Set<NodeId>> graph, List<NodeId> searchers,
      long seed, FaultPlan links) {
    this.sim = Simulation.<OverlaySearch.Command>builder(configs.keySet(),
            (peers, env, upcalls) -> OverlaySearch.create(configs.get(peers.self()), peers, env, upcalls.narrow()))
        .seed(seed).faults(links).build();
    this.sim.runUntilQuiescent();
    this.graph = graph;
    this.searchers = List.copyOf(searchers);
    this.seed = seed;
  }

  /** A flat overlay: a random graph of {@code n} peers with mean degree {@code degree}. */
  public static Overlay flat(int n, double degree, long seed, FaultPlan links) {
    List<NodeId> ids = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      ids.add(NodeId.n(i));
    }
    Map<NodeId, Set<NodeId>> graph = OverlaySearch.randomGraph(ids, degree, seed);
    Map<NodeId, Config> configs = new TreeMap<>();
    ids.forEach(id -> configs.put(id, Config.peer(graph.get(id), Set.of(item(id)))));
    return new Overlay(configs, graph, ids, seed, links);
  }

  /**
   * {@code supers} super-peers {@code s1..} on a random graph of mean degree {@code degree}, each with
   * {@code leaves} leaves; the graph is that of the super-peers.
   */
  public static Overlay superPeers(int supers, int leaves, double degree, long seed, FaultPlan links) {
    List<NodeId> superIds = new ArrayList<>();
    for (int i = 1; i <= supers; i++) {
      superIds.add(NodeId.of("s" + i));
    }
    Map<NodeId, Set<NodeId>> graph = OverlaySearch.randomGraph(superIds, degree, seed);
    Map<NodeId, Config> configs = new TreeMap<>();
    List<NodeId> leafIds = new ArrayList<>();
    superIds.forEach(s -> configs.put(s, Config.superPeer(graph.get(s), Set.of())));
    int n = 1;
    for (NodeId s : superIds) {
      for (int j = 0; j < leaves; j++) {
        NodeId leaf = NodeId.n(n++);
        leafIds.add(leaf);
        configs.put(leaf, Config.leaf(s, Set.of(item(leaf))));
      }
    }
    return new Overlay(configs, graph, leafIds, seed, links);
  }

  /** The item {@code node} holds. */
  public static String item(NodeId node) {
    return "item-" + node.name();
  }

  public Simulation<OverlaySearch.Command> sim() {
    return sim;
  }

  /** The overlay graph (of the super-peers, with super-peers). */
  public Map<NodeId, Set<NodeId>> graph() {
    return graph;
  }

  /** The nodes that search and hold items: every peer, or every leaf. */
  public List<NodeId> searchers() {
    return searchers;
  }

  /** How one search went: found or not, the messages it caused, the hops of the first hit. */
  public record Outcome(boolean found, long messages, int hops) {}

  /** {@code origin} searches {@code item}; runs until no message is left. */
  public Outcome search(NodeId origin, String item, Mode mode, int ttl, int walkers) {
    long query = nextQuery++;
    long before = sim.stats().sent();
    sim.tell(origin, new Search(query, item, mode, ttl, walkers));
    sim.runUntilQuiescent();
    long messages = sim.stats().sent() - before;
    return sim.upcalls(origin, Found.class).stream()
        .filter(f -> f.query() == query)
        .findFirst()
        .map(f -> new Outcome(true, messages, f.hops()))
        .orElse(new Outcome(false, messages, -1));
  }

  /** Success rate and mean messages of a batch of searches. */
  public record Rate(int searches, double success, double meanMessages) {}

  /**
   * {@code count} searches, each by a random searcher for the item of another random searcher: the
   * same pairs, in the same order, in every call (so settings are compared on the same searches).
   */
  public Rate rate(int count, Mode mode, int ttl, int walkers) {
    Random random = new Random(NodeEnv.mix(seed, "searches"));
    int found = 0;
    long messages = 0;
    for (int i = 0; i < count; i++) {
      NodeId origin = searchers.get(random.nextInt(searchers.size()));
      NodeId holder;
      do {
        holder = searchers.get(random.nextInt(searchers.size()));
      } while (holder.equals(origin));
      Outcome o = search(origin, item(holder), mode, ttl, walkers);
      found += o.found() ? 1 : 0;
      messages += o.messages();
    }
    return new Rate(count, (double) found / count, (double) messages / count);
  }
}
