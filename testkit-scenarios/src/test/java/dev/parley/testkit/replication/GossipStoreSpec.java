package dev.parley.testkit.replication;

import static dev.parley.testkit.replication.QuorumReplicationSpec.LOSSY_LAN;
import static dev.parley.testkit.replication.QuorumReplicationSpec.ms;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import akka.actor.testkit.typed.javadsl.TestInbox;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.protocols.replication.Cas;
import dev.parley.protocols.replication.Get;
import dev.parley.protocols.replication.GossipStore;
import dev.parley.protocols.replication.KvReply;
import dev.parley.protocols.replication.Put;
import dev.parley.protocols.replication.QuorumReplication;
import dev.parley.protocols.replication.RequestId;
import dev.parley.testkit.checker.ConvergenceChecker;
import dev.parley.testkit.checker.LinearizabilityChecker;
import dev.parley.testkit.checker.Verdict;
import dev.parley.testkit.kv.KvWorkload;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import dev.parley.testkit.sim.StorageFaults;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The gossip store: replicas converge once partitions heal (whatever loss, crashes, restarts and
 * journal faults happened), an update reaches everyone in a few rounds of a few messages each, and, the price of
 * answering at once everywhere, reads during a partition are stale where majority quorums' are not.
 */
class GossipStoreSpec {

  static final NodeId N1 = NodeId.n(1);
  static final NodeId N2 = NodeId.n(2);
  static final GossipStore.Settings EVERY_100_MS = GossipStore.Settings.DEFAULT;

  static Simulation<GossipStore.Command> store(int nodes, long seed, FaultPlan faults) {
    return store(nodes, seed, faults, StorageFaults.NONE);
  }

  /** {@code nodes} replicas, links with {@code faults}, journals with {@code storage}. */
  static Simulation<GossipStore.Command> store(int nodes, long seed, FaultPlan faults, StorageFaults storage) {
    return Simulation.<GossipStore.Command>builder(nodes,
            (peers, env, upcalls) -> GossipStore.create("kv", peers, env, EVERY_100_MS, upcalls.narrow()))
        .seed(seed).faults(faults).storage(storage).build();
  }

  static KvWorkload.Result putsAndGets(Simulation<GossipStore.Command> sim, int clients) {
    return KvWorkload.of(sim, GossipStore.Request::new).clients(clients).keys(3).operations(15)
        .mix(0.5, 0).think(ms(60)).run(Duration.ofSeconds(30));
  }

  /** Each live replica's values, by node name. */
  static Map<String, Map<String, String>> replicas(Simulation<GossipStore.Command> sim) {
    Map<String, Map<String, String>> replicas = new TreeMap<>();
    for (NodeId node : sim.liveNodes()) {
      TestInbox<GossipStore.Status> inbox = TestInbox.create();
      sim.tell(node, new GossipStore.GetStatus(inbox.getRef()));
      sim.runFor(Duration.ZERO);
      replicas.put(node.name(), inbox.receiveMessage().values());
    }
    return replicas;
  }

  /** How many gossip intervals pass until every replica holds the same map (at most {@code bound}). */
  static int intervalsUntilConverged(Simulation<GossipStore.Command> sim, int bound) {
    int intervals = 0;
    while (!new ConvergenceChecker().check(replicas(sim)).valid() && intervals < bound) {
      sim.runFor(EVERY_100_MS.interval());
      intervals++;
    }
    return intervals;
  }

  /**
   * Two random nodes cut off from 100 to 700 ms, a third crashed from 300 to 600 ms, while clients
   * put and get; then two quiet seconds.
   */
  private static KvWorkload.Result partitionAndCrash(Simulation<GossipStore.Command> sim, long seed) {
    Random random = new Random(seed);
    List<NodeId> nodes = new ArrayList<>(sim.nodes());
    Collections.shuffle(nodes, random);
    sim.nemesis(ms(100), new NemesisCommand.Partition(List.of(Set.of(nodes.get(0), nodes.get(1)))));
    sim.crash(ms(300), nodes.get(2));
    sim.restart(ms(600), nodes.get(2));
    sim.nemesis(ms(700), new NemesisCommand.Heal());
    KvWorkload.Result r = putsAndGets(sim, 5);
    sim.runFor(Duration.ofSeconds(2));
    return r;
  }

  /**
   * Five nodes, lossy links; during the workload a random pair is cut off for 600 ms and a random node
   * crashes for 300 ms. After healing and a quiet period every replica holds the same map, and each
   * key's value is one some client put.
   */
  @Test
  void replicasConvergeOnceThePartitionHeals() {
    Simulations.forSeeds(1, 30, seed -> {
      Simulation<GossipStore.Command> sim = store(5, seed, LOSSY_LAN);
      KvWorkload.Result r = partitionAndCrash(sim, seed);

      Map<String, Map<String, String>> replicas = replicas(sim);
      new ConvergenceChecker().check(replicas).requireValid();
      Set<String> put = r.history().operations().stream().filter(o -> o.f().equals("put"))
          .map(o -> (String) o.argument()).collect(Collectors.toSet());
      assertThat(replicas.get("n1").values()).as("values on n1").isNotEmpty().allMatch(put::contains);
    });
  }

  /**
   * The same partition, crash and lossy links, with every replica's journal slow (what a replica
   * does after a write waits for it, and so does everything that arrives meanwhile) and failing (it
   * stops and restarts from its journal): every replica converges, on values clients put.
   */
  @Test
  void replicasConvergeWithASlowAndFailingJournal() {
    long[] failedWrites = new long[1];
    Simulations.forSeeds(1, 12, seed -> {
      Simulation<GossipStore.Command> sim = store(5, seed, LOSSY_LAN, KvRuns.SLOW_FAILING_JOURNAL);
      KvWorkload.Result r = partitionAndCrash(sim, seed);

      Map<String, Map<String, String>> replicas = replicas(sim);
      assertThat(replicas).as("seed %d: every replica up", seed).hasSize(5);
      new ConvergenceChecker().check(replicas).requireValid();
      Set<String> put = r.history().operations().stream().filter(o -> o.f().equals("put"))
          .map(o -> (String) o.argument()).collect(Collectors.toSet());
      assertThat(replicas.get("n1").values()).as("values on n1").isNotEmpty().allMatch(put::contains);
      failedWrites[0] += KvRuns.restartsAfterFailedWrites(sim, 1);
    });
    assertThat(failedWrites[0]).as("restarts after a failed write").isGreaterThan(20);
  }

  /**
   * One put at n1 among eight nodes: every replica holds it within a few rounds (an epidemic spreads
   * in O(log N) rounds), each round costing between one and three messages.
   */
  @Test
  void anUpdateReachesEveryoneInAFewRoundsOfAFewMessages() {
    List<Integer> intervals = new ArrayList<>();
    List<String> messagesPerRound = new ArrayList<>();
    Simulations.forSeeds(1, 20, seed -> {
      Simulation<GossipStore.Command> sim = store(8, seed, FaultPlan.none());
      sim.tell(N1, new GossipStore.Request(new Put(new RequestId("c1", 1), "x", "rumour")));
      sim.runUntil(v -> !v.upcalls(N1).isEmpty());
      int taken = intervalsUntilConverged(sim, 30);

      assertThat(taken).as("gossip intervals until all 8 replicas agree").isLessThan(15);
      intervals.add(taken);
      double perRound = (double) sim.stats().sent() / sim.stats().timersFired();
      assertThat(perRound).as("messages per gossip round").isBetween(1.0, 3.0);
      messagesPerRound.add(String.format("%.2f", perRound));
    });
    System.out.printf("gossip, 8 nodes, one update: intervals until everyone held it %s, messages per round %s%n",
        intervals, messagesPerRound);
  }

  /**
   * The comparison of consistency levels: with n1 cut off from n2 and n3 during the whole workload,
   * the gossip store answers everyone and the checker finds stale reads on some seeds; majority
   * quorums facing the same partition and seeds stay linearizable: n1 answers only Unavailable.
   */
  @Test
  void duringAPartitionGossipReadsAreStaleWhereMajorityQuorumsAreNot() {
    List<Long> stale = new ArrayList<>();
    Simulations.forSeeds(1, 10, seed -> {
      Simulation<GossipStore.Command> gossip = store(3, seed, FaultPlan.none());
      gossip.nemesis(Duration.ZERO, NemesisCommand.Partition.parse("n1/n2,n3"));
      Verdict v = LinearizabilityChecker.forRegisters().check(putsAndGets(gossip, 3).history());
      if (v.outcome() == Verdict.Outcome.INVALID) {
        stale.add(seed);
      }

      Simulation<QuorumReplication.Command> quorums = QuorumReplicationSpec.store(
          QuorumReplicationSpec.MAJORITIES, seed, FaultPlan.none());
      quorums.nemesis(Duration.ZERO, NemesisCommand.Partition.parse("n1/n2,n3"));
      KvWorkload.Result q = KvWorkload.of(quorums, QuorumReplication.Request::new).clients(3).keys(3)
          .operations(15).mix(0.5, 0).think(ms(60)).run(Duration.ofSeconds(30));
      LinearizabilityChecker.forRegisters().check(q.history()).requireValid();
      assertThat(quorums.upcalls(N1, KvReply.class)).isNotEmpty().allMatch(KvReply.Unavailable.class::isInstance);
    });
    assertThat(stale).as("seeds on which gossip reads were found stale").isNotEmpty();
  }

  /** A restarted node still holds its own acknowledged writes (journal) and catches up on the rest. */
  @Test
  void aRestartedNodeKeepsItsWritesAndCatchesUp() {
    Simulation<GossipStore.Command> sim = store(3, Simulations.seed(4), FaultPlan.none());
    sim.nemesis(Duration.ZERO, NemesisCommand.Partition.parse("n1/n2,n3"));
    sim.tell(ms(10), N1, new GossipStore.Request(new Put(new RequestId("c1", 1), "mine", "n1's")));
    sim.tell(ms(10), N2, new GossipStore.Request(new Put(new RequestId("c2", 1), "theirs", "n2's")));
    sim.crash(ms(50), N1);
    sim.nemesis(ms(60), new NemesisCommand.Heal());
    sim.restart(ms(70), N1);
    sim.runUntil(ms(70));
    assertThat(replicas(sim).get("n1")).isEqualTo(Map.of("mine", "n1's"));
    assertThat(sim.upcalls(N1, KvReply.class)).containsExactly(new KvReply.Ok(new RequestId("c1", 1), null));

    assertThat(intervalsUntilConverged(sim, 30)).isLessThan(30);
    assertThat(replicas(sim).get("n1")).isEqualTo(Map.of("mine", "n1's", "theirs", "n2's"));
  }

  /** Two sides of a partition write the same key: after healing the later write wins everywhere. */
  @Test
  void theLastWriterWins() {
    Simulation<GossipStore.Command> sim = store(3, Simulations.seed(6), FaultPlan.none());
    sim.nemesis(Duration.ZERO, NemesisCommand.Partition.parse("n1/n2,n3"));
    sim.tell(ms(10), N2, new GossipStore.Request(new Put(new RequestId("c2", 1), "x", "earlier")));
    sim.tell(ms(20), N1, new GossipStore.Request(new Put(new RequestId("c1", 1), "x", "later")));
    sim.nemesis(ms(30), new NemesisCommand.Heal());
    sim.runUntil(ms(30));
    intervalsUntilConverged(sim, 30);

    assertThat(replicas(sim).values()).allMatch(values -> values.equals(Map.of("x", "later")));
  }

  /** Cas compares with the local replica only; the reason it is not atomic is in the head comment. */
  @Test
  void casComparesWithTheLocalReplica() {
    Simulation<GossipStore.Command> sim = store(3, Simulations.seed(8), FaultPlan.none());
    sim.tell(ms(0), N1, new GossipStore.Request(new Cas(new RequestId("c1", 1), "x", null, "a")));
    sim.tell(ms(1), N1, new GossipStore.Request(new Cas(new RequestId("c1", 2), "x", "b", "c")));
    sim.tell(ms(2), N1, new GossipStore.Request(new Get(new RequestId("c1", 3), "x")));
    sim.runUntil(ms(5));

    assertThat(sim.upcalls(N1, KvReply.class)).containsExactly(new KvReply.Ok(new RequestId("c1", 1), null),
        new KvReply.CasFailed(new RequestId("c1", 2), "a"), new KvReply.Ok(new RequestId("c1", 3), "a"));
  }

  @Test
  void aNonPositiveIntervalIsRefused() {
    assertThatThrownBy(() -> new GossipStore.Settings(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("the gossip interval must be positive, got PT0S");
  }
}
