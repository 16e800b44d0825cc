package dev.parley.testkit.naming;

import akka.actor.testkit.typed.javadsl.TestInbox;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.naming.Chord;
import dev.parley.testkit.sim.Simulation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Map.Entry;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * A Chord ring in the deterministic simulation, and the oracle its lookups are checked against: the
 * true successor of a key among the nodes that joined and are up, from the identifiers sorted.
 *
 * <p>The ring is made by the protocol only: {@link #create} and {@link #join} give nodes the {@code
 * Create} and {@code Join} downcalls, and time passes ({@link #settle}) for stabilise and fix_fingers
 * to run. {@link #grow} joins nodes in waves that double the ring, each joining through a random
 * member, with a settling pause between waves; the harness builds rings of 1024 nodes this way.
 */
public final class ChordRing {

  /** Links of the ring: each message delayed 1 to 5 ms, nothing lost. */
  public static final FaultPlan LINKS =
      FaultPlan.none().withDelay(Delay.uniform(Duration.ofMillis(1), Duration.ofMillis(5)));

  private final Simulation<Chord.Command> sim;
  private final Chord.Settings settings;
  private final Random random;
  private final Set<NodeId> left = new HashSet<>();
  private long nextRequest = 1;

  private ChordRing(Simulation<Chord.Command> sim, Chord.Settings settings, long seed) {
    this.sim = sim;
    this.settings = settings;
    this.random = new Random(NodeEnv.mix(seed, "ring"));
  }

  /** How a node is made: {@code Chord::create}, or a variant's factory of the same shape. */
  @FunctionalInterface
  public interface Node {
    Behavior<Chord.Command> create(Peers<Chord.Command> peers, NodeEnv env, Chord.Settings settings,
        ActorRef<Chord.Upcall> listener);
  }

  /** Nodes n1..n{@code count} running Chord with {@code settings}, none in a ring yet. */
  public static ChordRing of(int count, Chord.Settings settings, long seed, FaultPlan links) {
    return of(count, settings, seed, links, Chord::create);
  }

  /** Nodes n1..n{@code count} made by {@code node} with {@code settings}, none in a ring yet. */
  public static ChordRing of(int count, Chord.Settings settings, long seed, FaultPlan links, Node node) {
    Simulation<Chord.Command> sim =
        Simulation.<Chord.Command>builder(count,
                (peers, env, upcalls) -> node.create(peers, env, settings, upcalls.narrow()))
            .seed(seed)
            .faults(links)
            .build();
    return new ChordRing(sim, settings, seed);
  }

  public Simulation<Chord.Command> sim() {
    return sim;
  }

  public Chord.Settings settings() {
    return settings;
  }

  /** {@code node} starts a ring alone. */
  public ChordRing create(NodeId node) {
    sim.tell(node, new Chord.Create());
    return this;
  }

  /** {@code node} joins through {@code via}. */
  public ChordRing join(NodeId node, NodeId via) {
    sim.tell(node, new Chord.Join(via));
    return this;
  }

  /** {@code node} leaves politely. */
  public ChordRing leave(NodeId node) {
    sim.tell(node, new Chord.Leave());
    left.add(node);
    return this;
  }

  /** {@code node} restarts: a fresh instance, out of the ring until it joins again. */
  public ChordRing restart(NodeId node) {
    sim.restart(sim.elapsed(), node);
    sim.runFor(Duration.ZERO);
    return this;
  }

  /** {@code node} crashes (crash-stop). */
  public ChordRing crash(NodeId node) {
    sim.crash(sim.elapsed(), node);
    sim.runFor(Duration.ZERO);
    return this;
  }

  /** Lets {@code span} of virtual time pass. */
  public ChordRing settle(Duration span) {
    sim.runFor(span);
    return this;
  }

  /**
   * Builds the ring of every node: the first creates it, the others join in waves that double the
   * ring (each through a random member), {@code pause} of stabilisation after each wave.
   */
  public ChordRing grow(Duration pause) {
    List<NodeId> all = sim.nodes();
    create(all.get(0));
    settle(pause);
    int in = 1;
    while (in < all.size()) {
      int wave = Math.min(in, all.size() - in);
      List<NodeId> members = List.copyOf(members().values());
      for (int i = 0; i < wave; i++) {
        join(all.get(in + i), members.get(random.nextInt(members.size())));
      }
      in += wave;
      settle(pause);
    }
    return this;
  }

  /**
   * The nodes in the ring now, by identifier: up, not gone, and joined in their current incarnation
   * (a restarted node is back in the ring once it joined again).
   */
  public TreeMap<Long, NodeId> members() {
    TreeMap<Long, NodeId> ring = new TreeMap<>();
    for (NodeId node : sim.nodes()) {
      boolean joinedThisIncarnation =
          sim.upcalls(node, Chord.Joined.class).size() >= sim.incarnation(node);
      if (joinedThisIncarnation && sim.isUp(node) && !left.contains(node)) {
        NodeId other = ring.put(Chord.identifier(node.name(), settings.bits()), node);
        if (other != null) {
          throw new IllegalStateException(node + " and " + other + " have the same identifier with m = "
              + settings.bits() + ": use more bits");
        }
      }
    }
    return ring;
  }

  /** The node responsible for identifier {@code keyId}: the first member at or after it, clockwise. */
  public static NodeId trueSuccessor(TreeMap<Long, NodeId> ring, long keyId) {
    Entry<Long, NodeId> e = ring.ceilingEntry(keyId);
    return (e != null ? e : ring.firstEntry()).getValue();
  }

  /** What one lookup found: the answer, the true successor at the time, and the hops. */
  public record Result(String key, NodeId from, NodeId owner, NodeId expected, int hops, boolean failed) {
    public boolean correct() {
      return !failed && owner.equals(expected);
    }
  }

  /**
   * {@code count} lookups of random keys, each from a random member, all at once; runs until every
   * one is answered (found or failed) and returns the results in order.
   */
  public List<Result> lookups(int count) {
    TreeMap<Long, NodeId> ring = members();
    List<NodeId> from = List.copyOf(ring.values());
    Map<Long, NodeId> askedAt = new HashMap<>();
    long first = nextRequest;
    for (int i = 0; i < count; i++) {
      long id = nextRequest++;
      String key = "key-" + random.nextInt(Integer.MAX_VALUE);
      NodeId node = from.get(random.nextInt(from.size()));
      askedAt.put(id, node);
      sim.tell(node, new Chord.Lookup(id, key));
    }
    Map<Long, Result> results = new TreeMap<>();
    Duration limit = sim.elapsed()
        .plus(settings.lookupTimeout().multipliedBy(settings.lookupAttempts() + 1L));
    while (results.size() < count) {
      if (sim.elapsed().compareTo(limit) > 0) {
        throw new AssertionError((count - results.size()) + " of " + count
            + " lookups neither answered nor failed by " + limit);
      }
      sim.runFor(Duration.ofMillis(10));
      for (NodeId node : new HashSet<>(askedAt.values())) {
        for (Object u : sim.upcalls(node)) {
          if (u instanceof Chord.Found f && f.requestId() >= first && f.requestId() < nextRequest
              && !results.containsKey(f.requestId())) {
            results.put(f.requestId(), new Result(f.key(), node, f.owner(),
                trueSuccessor(ring, f.keyId()), f.hops(), false));
          } else if (u instanceof Chord.LookupFailed l && l.requestId() >= first
              && l.requestId() < nextRequest && !results.containsKey(l.requestId())) {
            results.put(l.requestId(), new Result(l.key(), node, null,
                trueSuccessor(ring, Chord.identifier(l.key(), settings.bits())), 0, true));
          }
        }
      }
    }
    return new ArrayList<>(results.values());
  }

  /** Hop counts of a batch of lookups: mean, 99th percentile, how many answers were wrong or failed. */
  public record Hops(int lookups, double mean, int p99, int max, int wrong) {

    public static Hops of(List<Result> results) {
      int[] hops = results.stream().filter(r -> !r.failed()).mapToInt(Result::hops).sorted().toArray();
      double mean = Arrays.stream(hops).average().orElse(Double.NaN);
      int p99 = hops.length == 0 ? 0 : hops[Math.max(0, (int) Math.ceil(0.99 * hops.length) - 1)];
      int max = hops.length == 0 ? 0 : hops[hops.length - 1];
      int wrong = (int) results.stream().filter(r -> !r.correct()).count();
      return new Hops(results.size(), mean, p99, max, wrong);
    }

    /** The Chord paper's expected mean path length, ½·log2 N. */
    public static double expected(int nodes) {
      return 0.5 * Math.log(nodes) / Math.log(2);
    }
  }

  /** {@code node}'s view of the ring. */
  public Chord.Status status(NodeId node) {
    TestInbox<Chord.Status> inbox = TestInbox.create();
    sim.tell(node, new Chord.GetStatus(inbox.getRef()));
    sim.runFor(Duration.ZERO);
    return inbox.receiveMessage();
  }

  /** The members whose first successor is not the next member in identifier order. */
  public List<NodeId> wrongSuccessors() {
    TreeMap<Long, NodeId> ring = members();
    List<NodeId> wrong = new ArrayList<>();
    for (Entry<Long, NodeId> e : ring.entrySet()) {
      Entry<Long, NodeId> next = ring.higherEntry(e.getKey());
      NodeId expected = (next != null ? next : ring.firstEntry()).getValue();
      List<Chord.Member> successors = status(e.getValue()).successors();
      if (successors.isEmpty() ? !expected.equals(e.getValue()) : !successors.get(0).node().equals(expected)) {
        wrong.add(e.getValue());
      }
    }
    return wrong;
  }
}
