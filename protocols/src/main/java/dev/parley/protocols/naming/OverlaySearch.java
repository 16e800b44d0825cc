package dev.parley.protocols.naming;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Search in an unstructured overlay (Gnutella style): flooding with a TTL, random walks with k
 * walkers, and super-peers that index the items of the peers attached to them (KaZaA style).
 *
 * <p>Model: a static overlay graph, usually random ({@link #randomGraph}); each node knows only its
 * neighbours and its own items (more are added with {@link Share}). Links may delay, reorder and
 * duplicate (a lost query is simply not found); crash-stop nodes. No timers: a search ends when no
 * message is left.
 *
 * <p>Algorithms. <b>Flooding</b>: the origin sends the query to every neighbour; a node that sees it
 * for the first time (duplicate suppression by query id) answers the origin directly if it holds the
 * item and passes the query on to every neighbour but the sender while its hop count is below the
 * TTL. A copy that arrives by a shorter path than the first one is passed on again, so delays cannot
 * hide a node within reach. <b>Random walks</b>: the origin sends k walkers, each to a random
 * neighbour; a node holding the item answers and ends that walker, else the walker moves on to a
 * random neighbour until it has taken TTL steps. <b>Super-peers</b>: a leaf peer publishes its items
 * to its super-peer when it starts and sends its searches there; the super-peer answers from its
 * index and floods the query among the super-peers (their own overlay) with the TTL, each answering
 * from its index.
 *
 * <p>Guarantees. Flooding finds an item exactly when a holder lies within TTL hops of the origin
 * (no loss); random walks find it with a probability that grows with k and the TTL, never certain.
 * Cost: a flood that reaches everything sends Σ(deg(v) − 1) + 1 over the reached nodes, about 2·E
 * for E edges, O(E) whatever the item's distance; k random walks send at most k·TTL; a super-peer
 * search floods only the super-peer overlay (plus one message to the super-peer): O(E_super). Each hit
 * costs one message to the origin; the origin reports only the first.
 */
public final class OverlaySearch extends AbstractBehavior<OverlaySearch.Command> {

  /** Downcalls, wire messages and the status query. */
  public sealed interface Command extends WireMessage
      permits Search, Share, Flood, Walk, Ask, Publish, Hit, GetStatus {}

  /** How a search travels. */
  public enum Mode { FLOOD, WALK }

  /**
   * Downcall: search {@code item} with {@code mode}; {@code ttl} the most hops a copy may take,
   * {@code walkers} the number of random walkers (WALK only). A leaf hands its searches to its
   * super-peer, which floods them.
   */
  public record Search(long query, String item, Mode mode, int ttl, int walkers) implements Command {
    public Search {
      Objects.requireNonNull(item, "item");
      Objects.requireNonNull(mode, "mode");
      if (ttl < 0) {
        throw new IllegalArgumentException("the TTL must not be negative, got " + ttl);
      }
      if (mode == Mode.WALK && walkers < 1) {
        throw new IllegalArgumentException("a random walk needs at least one walker, got " + walkers);
      }
    }
  }

  /** Downcall: this node holds {@code item} from now on (a leaf tells its super-peer's index). */
  public record Share(String item) implements Command {
    public Share {
      Objects.requireNonNull(item, "item");
    }
  }

  /** Wire: a flooded query, {@code hops} taken so far, last sent by {@code from}. */
  public record Flood(NodeId origin, long query, String item, int ttl, int hops, NodeId from) implements Command {}

  /** Wire: random walker {@code walker} of a query, {@code hops} steps taken. */
  public record Walk(NodeId origin, long query, String item, int ttl, int hops, int walker) implements Command {}

  /** Wire: a leaf asks its super-peer to search for it. */
  public record Ask(NodeId origin, long query, String item, int ttl) implements Command {}

  /** Wire: a leaf's items, for its super-peer's index. */
  public record Publish(NodeId leaf, Set<String> items) implements Command {
    public Publish {
      items = Set.copyOf(items);
    }
  }

  /**
   * Wire: {@code holder} has {@code item}, {@code hops} from the origin (in a super-peer search: the
   * hops of the super-peer that indexes it).
   */
  public record Hit(long query, String item, NodeId holder, int hops) implements Command {}

  /** Asks for this node's {@link Status}. */
  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  /** Upcall at the origin: the first hit of search {@code query}. */
  public record Found(NodeId node, long query, String item, NodeId holder, int hops) implements WireMessage {}

  /** A node's role, neighbours, items and counts. */
  public record Status(NodeId node, Role role, Set<NodeId> neighbours, Set<String> items, int indexed,
      long queriesSeen, long hitsSent) implements WireMessage {
    public Status {
      neighbours = Set.copyOf(neighbours);
      items = Set.copyOf(items);
    }
  }

  /** A node's place in the overlay. */
  public enum Role {
    /** A peer of a flat overlay. */
    PEER,
    /** A super-peer: indexes its leaves, floods among super-peers. */
    SUPER,
    /** A leaf attached to a super-peer. */
    LEAF
  }

  /**
   * A node's configuration.
   *
   * @param role its place
   * @param neighbours its overlay neighbours (for a leaf: its super-peer only)
   * @param items what it holds
   */
  public record Config(Role role, Set<NodeId> neighbours, Set<String> items) {
    public Config {
      Objects.requireNonNull(role, "role");
      neighbours = Collections.unmodifiableSet(new TreeSet<>(neighbours));
      items = Set.copyOf(items);
      if (role == Role.LEAF && neighbours.size() != 1) {
        throw new IllegalArgumentException("a leaf has exactly one neighbour, its super-peer; got " + neighbours);
      }
    }

    public static Config peer(Set<NodeId> neighbours, Set<String> items) {
      return new Config(Role.PEER, neighbours, items);
    }

    public static Config superPeer(Set<NodeId> otherSuperPeers, Set<String> items) {
      return new Config(Role.SUPER, otherSuperPeers, items);
    }

    public static Config leaf(NodeId superPeer, Set<String> items) {
      return new Config(Role.LEAF, Set.of(superPeer), items);
    }
  }

  /** The node {@code peers.self()} configured by {@code config}; first hits go to {@code listener}. */
  public static Behavior<Command> create(Config config, Peers<Command> peers, NodeEnv env,
      ActorRef<Found> listener) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(listener, "listener");
    for (NodeId n : config.neighbours()) {
      if (!peers.contains(n) || n.equals(peers.self())) {
        throw new IllegalArgumentException(peers.self() + " cannot have " + n + " as a neighbour");
      }
    }
    return Behaviors.setup(ctx -> new OverlaySearch(ctx, config, peers, env, listener));
  }

  /**
   * A connected random graph on {@code nodes} with about {@code degree} edges per node on average: a
   * random spanning tree (each node linked to a random earlier one), then random extra edges.
   */
  public static Map<NodeId, Set<NodeId>> randomGraph(List<NodeId> nodes, double degree, long seed) {
    Random random = new Random(seed);
    Map<NodeId, Set<NodeId>> g = new TreeMap<>();
    nodes.forEach(n -> g.put(n, new TreeSet<>()));
    for (int i = 1; i < nodes.size(); i++) {
      link(g, nodes.get(i), nodes.get(random.nextInt(i)));
    }
    long edges = nodes.size() - 1L;
    long wanted = Math.min((long) (degree * nodes.size() / 2), (long) nodes.size() * (nodes.size() - 1) / 2);
    while (edges < wanted) {
      NodeId a = nodes.get(random.nextInt(nodes.size()));
      NodeId b = nodes.get(random.nextInt(nodes.size()));
      if (!a.equals(b) && g.get(a).add(b)) {
        g.get(b).add(a);
        edges++;
      }
    }
    Map<NodeId, Set<NodeId>> out = new TreeMap<>();
    g.forEach((k, v) -> out.put(k, Collections.unmodifiableSet(v)));
    return Collections.unmodifiableMap(out);
  }

  private static void link(Map<NodeId, Set<NodeId>> g, NodeId a, NodeId b) {
    g.get(a).add(b);
    g.get(b).add(a);
  }

  /** Hop distances from {@code from} in {@code graph} (breadth-first); unreachable nodes are absent. */
  public static Map<NodeId, Integer> distances(Map<NodeId, Set<NodeId>> graph, NodeId from) {
    Map<NodeId, Integer> d = new HashMap<>();
    ArrayDeque<NodeId> queue = new ArrayDeque<>();
    d.put(from, 0);
    queue.add(from);
    while (!queue.isEmpty()) {
      NodeId n = queue.poll();
      for (NodeId m : graph.getOrDefault(n, Set.of())) {
        if (!d.containsKey(m)) {
          d.put(m, d.get(n) + 1);
          queue.add(m);
        }
      }
    }
    return d;
  }

  /** A query, named by its origin and the origin's number for it. */
  private record Key(NodeId origin, long query) {}

  private final Config config;
  private final Set<String> items;
  private final Peers<Command> peers;
  private final NodeEnv env;
  private final ActorRef<Found> listener;
  private final List<NodeId> neighbours;
  private final Map<String, Set<NodeId>> index = new HashMap<>();
  private final Map<Key, Integer> fewestHops = new HashMap<>();
  private final Set<Key> answered = new HashSet<>();
  private final Set<Long> reported = new HashSet<>();
  private long queriesSeen;
  private long hitsSent;

  private OverlaySearch(ActorContext<Command> context, Config config, Peers<Command> peers, NodeEnv env,
      ActorRef<Found> listener) {
    super(context);
    this.config = config;
    this.items = new TreeSet<>(config.items());
    this.peers = peers;
    this.env = env;
    this.listener = listener;
    this.neighbours = new ArrayList<>(config.neighbours());
    if (config.role() == Role.LEAF && !config.items().isEmpty()) {
      peers.tell(neighbours.get(0), new Publish(peers.self(), config.items()));
    }
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Search.class, this::onSearch)
        .onMessage(Share.class, this::onShare)
        .onMessage(Flood.class, this::onFlood)
        .onMessage(Walk.class, this::onWalk)
        .onMessage(Ask.class, this::onAsk)
        .onMessage(Publish.class, this::onPublish)
        .onMessage(Hit.class, this::onHit)
        .onMessage(GetStatus.class, this::onGetStatus)
        .build();
  }

  private Behavior<Command> onSearch(Search s) {
    NodeId self = peers.self();
    long query = s.query();
    if (items.contains(s.item())) {
      onHit(new Hit(query, s.item(), self, 0));
    }
    if (config.role() == Role.LEAF) {
      peers.tell(neighbours.get(0), new Ask(self, query, s.item(), s.ttl()));
      return this;
    }
    if (s.mode() == Mode.WALK && config.role() == Role.PEER) {
      for (int w = 0; w < s.walkers() && !neighbours.isEmpty() && s.ttl() > 0; w++) {
        peers.tell(randomNeighbour(), new Walk(self, query, s.item(), s.ttl(), 1, w));
      }
      return this;
    }
    startFlood(self, query, s.item(), s.ttl());
    return this;
  }

  private Behavior<Command> onShare(Share s) {
    if (items.add(s.item()) && config.role() == Role.LEAF) {
      peers.tell(neighbours.get(0), new Publish(peers.self(), items));
    }
    return this;
  }

  /** This node starts a flood (as origin, or as a leaf's super-peer): its own answer, then hop 1. */
  private void startFlood(NodeId origin, long query, String item, int ttl) {
    fewestHops.put(new Key(origin, query), 0);
    answerFrom(origin, query, item, 0);
    if (ttl > 0) {
      for (NodeId n : neighbours) {
        peers.tell(n, new Flood(origin, query, item, ttl, 1, peers.self()));
      }
    }
  }

  private Behavior<Command> onFlood(Flood f) {
    Key key = new Key(f.origin(), f.query());
    Integer best = fewestHops.get(key);
    if (best != null && best <= f.hops()) {
      return this;
    }
    if (best == null) {
      queriesSeen++;
    }
    fewestHops.put(key, f.hops());
    answerFrom(f.origin(), f.query(), f.item(), f.hops());
    if (f.hops() < f.ttl()) {
      for (NodeId n : neighbours) {
        if (!n.equals(f.from())) {
          peers.tell(n, new Flood(f.origin(), f.query(), f.item(), f.ttl(), f.hops() + 1, peers.self()));
        }
      }
    }
    return this;
  }

  private Behavior<Command> onWalk(Walk w) {
    queriesSeen++;
    if (items.contains(w.item())) {
      hit(w.origin(), w.query(), w.item(), peers.self(), w.hops());
    } else if (w.hops() < w.ttl() && !neighbours.isEmpty()) {
      peers.tell(randomNeighbour(), new Walk(w.origin(), w.query(), w.item(), w.ttl(), w.hops() + 1, w.walker()));
    }
    return this;
  }

  private Behavior<Command> onAsk(Ask a) {
    queriesSeen++;
    startFlood(a.origin(), a.query(), a.item(), a.ttl());
    return this;
  }

  private Behavior<Command> onPublish(Publish p) {
    index.values().forEach(holders -> holders.remove(p.leaf()));
    for (String item : p.items()) {
      index.computeIfAbsent(item, k -> new TreeSet<>()).add(p.leaf());
    }
    return this;
  }

  /** Answers the origin once per query: for its own item and, at a super-peer, for its leaves'. */
  private void answerFrom(NodeId origin, long query, String item, int hops) {
    if (!answered.add(new Key(origin, query))) {
      return;
    }
    if (items.contains(item) && !origin.equals(peers.self())) {
      hit(origin, query, item, peers.self(), hops);
    }
    for (NodeId holder : index.getOrDefault(item, Set.of())) {
      if (!holder.equals(origin)) {
        hit(origin, query, item, holder, hops);
      }
    }
  }

  private void hit(NodeId origin, long query, String item, NodeId holder, int hops) {
    hitsSent++;
    Hit h = new Hit(query, item, holder, hops);
    if (origin.equals(peers.self())) {
      onHit(h);
    } else {
      peers.tell(origin, h);
    }
  }

  private Behavior<Command> onHit(Hit h) {
    if (reported.add(h.query())) {
      listener.tell(new Found(peers.self(), h.query(), h.item(), h.holder(), h.hops()));
    }
    return this;
  }

  private NodeId randomNeighbour() {
    return neighbours.get(env.random().nextInt(neighbours.size()));
  }

  private Behavior<Command> onGetStatus(GetStatus g) {
    int indexed = index.values().stream().mapToInt(Set::size).sum();
    g.replyTo().tell(new Status(peers.self(), config.role(), config.neighbours(), items, indexed,
        queriesSeen, hitsSent));
    return this;
  }
}
