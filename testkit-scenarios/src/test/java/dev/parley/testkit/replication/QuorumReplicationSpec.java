package dev.parley.testkit.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import akka.actor.testkit.typed.javadsl.TestInbox;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.protocols.replication.Cas;
import dev.parley.protocols.replication.Get;
import dev.parley.protocols.replication.KvReply;
import dev.parley.protocols.replication.KvRequest;
import dev.parley.protocols.replication.Put;
import dev.parley.protocols.replication.QuorumReplication;
import dev.parley.protocols.replication.RequestId;
import dev.parley.protocols.replication.Versioned;
import dev.parley.testkit.checker.LinearizabilityChecker;
import dev.parley.testkit.checker.Verdict;
import dev.parley.testkit.kv.KvWorkload;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import dev.parley.testkit.sim.StorageFaults;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Quorum replication: with R + W > N puts and gets are linearizable under loss, partitions, crashes,
 * restarts and slow, failing journals, a minority side answers Unavailable rather than stale data,
 * and a get repairs a stale replica; with R + W <= N the linearizability checker catches stale
 * reads (the negative control).
 */
class QuorumReplicationSpec {

  static final NodeId N1 = NodeId.n(1);
  static final NodeId N2 = NodeId.n(2);
  static final NodeId N3 = NodeId.n(3);
  static final FaultPlan LAN = FaultPlan.none().withDelay(Delay.uniform(ms(1), ms(10)));
  static final FaultPlan LOSSY_LAN = LAN.withDrop(0.05).withDuplicate(0.05).withReorder(0.1);
  static final QuorumReplication.Settings MAJORITIES = QuorumReplication.Settings.majorities(3);
  static final QuorumReplication.Settings ONE_AND_ONE = new QuorumReplication.Settings(1, 1, ms(50), ms(1000));

  static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }

  static Simulation<QuorumReplication.Command> store(QuorumReplication.Settings settings, long seed, FaultPlan faults) {
    return store(settings, seed, faults, StorageFaults.NONE);
  }

  /** Three replicas with {@code settings}, links with {@code faults}, journals with {@code storage}. */
  static Simulation<QuorumReplication.Command> store(QuorumReplication.Settings settings, long seed, FaultPlan faults,
      StorageFaults storage) {
    return Simulation.<QuorumReplication.Command>builder(3,
            (peers, env, upcalls) -> QuorumReplication.create("kv", peers, env, settings, upcalls.narrow()))
        .seed(seed).faults(faults).storage(storage).build();
  }

  static KvWorkload.Result putsAndGets(Simulation<QuorumReplication.Command> sim, int operations) {
    return KvWorkload.of(sim, QuorumReplication.Request::new).clients(4).keys(2).operations(operations)
        .mix(0.5, 0).think(ms(60)).run(Duration.ofSeconds(30));
  }

  static QuorumReplication.Status status(Simulation<QuorumReplication.Command> sim, NodeId node) {
    TestInbox<QuorumReplication.Status> inbox = TestInbox.create();
    sim.tell(node, new QuorumReplication.GetStatus(inbox.getRef()));
    sim.runFor(Duration.ZERO);
    return inbox.receiveMessage();
  }

  /** The reply to {@code request} given to {@code node}, once the simulation has produced it. */
  static KvReply ask(Simulation<QuorumReplication.Command> sim, NodeId node, KvRequest request) {
    sim.tell(node, new QuorumReplication.Request(request));
    sim.runUntil(v -> v.upcalls(node, KvReply.class).stream().anyMatch(r -> r.id().equals(request.id())));
    return sim.upcalls(node, KvReply.class).stream().filter(r -> r.id().equals(request.id())).findFirst().orElseThrow();
  }

  /** A random node cut off from 100 to 500 ms, one crashed from 600 to 900 ms: puts and gets stay linearizable. */
  private static void cutThenCrashLinearizably(Simulation<QuorumReplication.Command> sim, long seed) {
    Random random = new Random(seed);
    NodeId cut = sim.nodes().get(random.nextInt(3));
    NodeId crashed = sim.nodes().get(random.nextInt(3));
    sim.nemesis(ms(100), new NemesisCommand.Partition(List.of(Set.of(cut))));
    sim.nemesis(ms(500), new NemesisCommand.Heal());
    sim.crash(ms(600), crashed);
    sim.restart(ms(900), crashed);
    KvWorkload.Result r = putsAndGets(sim, 20);

    LinearizabilityChecker.forRegisters().check(r.history()).requireValid();
    assertThat(r.ok()).as("operations completed of 80").isGreaterThan(40);
  }

  /**
   * N=3, R=W=2, links losing, duplicating and reordering; a random node is cut off for 400 ms, then a
   * random node crashes for 300 ms (its memory lost, its journal kept). Every history is linearizable
   * and most operations succeed.
   */
  @Test
  void majorityQuorumsGiveLinearizablePutsAndGetsUnderLossPartitionsAndCrashes() {
    Simulations.forSeeds(1, 50, seed -> {
      Simulation<QuorumReplication.Command> sim = store(MAJORITIES, seed, LOSSY_LAN);
      cutThenCrashLinearizably(sim, seed);
    });
  }

  /**
   * The same partition, crash and lossy links, with every replica's journal slow (what a replica
   * does after a write waits for it, and so does everything that arrives meanwhile) and failing (it
   * stops and restarts from its journal): still linearizable, most operations succeed.
   */
  @Test
  void majorityQuorumsStayLinearizableWithASlowAndFailingJournal() {
    long[] failedWrites = new long[1];
    Simulations.forSeeds(1, 8, seed -> {
      Simulation<QuorumReplication.Command> sim = store(MAJORITIES, seed, LOSSY_LAN, KvRuns.SLOW_FAILING_JOURNAL);
      cutThenCrashLinearizably(sim, seed);
      failedWrites[0] += KvRuns.restartsAfterFailedWrites(sim, 1);
    });
    assertThat(failedWrites[0]).as("restarts after a failed write").isGreaterThan(15);
  }

  /**
   * The negative control: with R=W=1 among three replicas a get may be answered by a replica the last
   * put has not reached, and the checker finds such stale reads on some seeds.
   */
  @Test
  void quorumsThatNeedNotMeetAreCaughtReadingStaleValues() {
    List<Long> stale = new ArrayList<>();
    Simulations.forSeeds(1, 10, seed -> {
      Simulation<QuorumReplication.Command> sim = store(ONE_AND_ONE, seed, LOSSY_LAN);
      Verdict v = LinearizabilityChecker.forRegisters().check(putsAndGets(sim, 15).history());
      if (v.outcome() == Verdict.Outcome.INVALID) {
        stale.add(seed);
      }
    });
    assertThat(ONE_AND_ONE.overlapping(3)).isFalse();
    assertThat(stale).as("seeds whose history the checker found not linearizable").isNotEmpty();
  }

  /**
   * n1 is cut off from n2 and n3: a put through the majority succeeds, a get through n1 answers
   * Unavailable (never the old value); once healed, n1 reads the new value.
   */
  @Test
  void aMinorityAnswersUnavailableRatherThanStaleData() {
    Simulation<QuorumReplication.Command> sim = store(MAJORITIES, Simulations.seed(7), FaultPlan.none());
    assertThat(ask(sim, N1, new Put(new RequestId("c1", 1), "x", "old"))).isInstanceOf(KvReply.Ok.class);
    sim.nemesis(sim.elapsed(), NemesisCommand.Partition.parse("n1/n2,n3"));
    assertThat(ask(sim, N2, new Put(new RequestId("c2", 1), "x", "new"))).isInstanceOf(KvReply.Ok.class);

    KvReply cutOff = ask(sim, N1, new Get(new RequestId("c1", 2), "x"));
    assertThat(cutOff).isInstanceOf(KvReply.Unavailable.class);
    assertThat(((KvReply.Unavailable) cutOff).reason()).contains("no quorum: 1 of the 2 replicas needed to read");
    assertThat(ask(sim, N1, new Put(new RequestId("c1", 3), "x", "lost"))).isInstanceOf(KvReply.Unavailable.class);

    sim.nemesis(sim.elapsed(), new NemesisCommand.Heal());
    assertThat(ask(sim, N1, new Get(new RequestId("c1", 4), "x"))).isEqualTo(new KvReply.Ok(new RequestId("c1", 4), "new"));
  }

  /**
   * n3 misses a put while cut off; after healing, one get through n1 leaves n3 holding the newest
   * value (read repair), written to its journal.
   */
  @Test
  void aGetRepairsAStaleReplica() {
    Simulation<QuorumReplication.Command> sim = store(MAJORITIES, Simulations.seed(3), FaultPlan.none());
    ask(sim, N1, new Put(new RequestId("c1", 1), "x", "v1"));
    sim.runUntilQuiescent();
    sim.nemesis(sim.elapsed(), NemesisCommand.Partition.parse("n3/n1,n2"));
    ask(sim, N1, new Put(new RequestId("c1", 2), "x", "v2"));
    sim.nemesis(sim.elapsed(), new NemesisCommand.Heal());
    sim.runUntilQuiescent();
    assertThat(status(sim, N3).entries().get("x").value()).isEqualTo("v1");

    assertThat(ask(sim, N1, new Get(new RequestId("c1", 3), "x"))).isEqualTo(new KvReply.Ok(new RequestId("c1", 3), "v2"));
    sim.runUntilQuiescent();
    Versioned repaired = status(sim, N3).entries().get("x");
    assertThat(repaired.value()).isEqualTo("v2");
    assertThat(repaired.version()).isEqualTo(new Versioned.Version(2, N1));
    assertThat(sim.persistedEvents(N3)).contains(new QuorumReplication.Stored("x", repaired));
  }

  /**
   * ABD's write-back: a put that failed midway (n1 cut off from the others just after reading) left
   * its value on n1 alone; a get through n1 returns it, and by the time it answers a write quorum
   * holds it, so no later get can return the older value (a new-old inversion).
   */
  @Test
  void aGetWritesBackWhatItReadsToAWriteQuorumBeforeAnswering() {
    Simulation<QuorumReplication.Command> sim = store(MAJORITIES, Simulations.seed(9), LAN);
    ask(sim, N1, new Put(new RequestId("c1", 1), "x", "old"));
    sim.runUntilQuiescent();
    long answers = sim.stats().sentByType().get("ReadReply");
    sim.tell(N1, new QuorumReplication.Request(new Put(new RequestId("c1", 2), "x", "partial")));
    sim.runUntil(v -> v.stats().sentByType().get("ReadReply") > answers); // a peer's answer is on its way
    sim.nemesis(sim.elapsed(), new NemesisCommand.Cut(N1, Set.of(N2, N3)));
    sim.runUntil(v -> v.upcalls(N1).size() == 2);
    assertThat(sim.upcalls(N1).get(1)).isInstanceOf(KvReply.Unavailable.class);
    sim.nemesis(sim.elapsed(), new NemesisCommand.Heal());
    sim.runUntil(sim.elapsed().plus(ms(1)));
    assertThat(List.of(N1, N2, N3)).extracting(n -> status(sim, n).entries().get("x").value())
        .containsExactly("partial", "old", "old");

    assertThat(ask(sim, N1, new Get(new RequestId("c1", 3), "x"))).isEqualTo(new KvReply.Ok(new RequestId("c1", 3), "partial"));
    assertThat(List.of(N1, N2, N3)).extracting(n -> status(sim, n).entries().get("x").value())
        .filteredOn("partial"::equals).hasSizeGreaterThanOrEqualTo(MAJORITIES.writeQuorum());
  }

  /** A put retried with its request id is answered again and given no second version. */
  @Test
  void aRetriedPutTakesEffectOnce() {
    Simulation<QuorumReplication.Command> sim = store(MAJORITIES, Simulations.seed(5), FaultPlan.none());
    Put put = new Put(new RequestId("c1", 1), "x", "v");
    ask(sim, N1, put);
    sim.tell(N2, new QuorumReplication.Request(put));
    sim.runUntilQuiescent();

    assertThat(sim.upcalls(N2, KvReply.class)).containsExactly(new KvReply.Ok(put.id(), null));
    assertThat(sim.nodes()).allSatisfy(n ->
        assertThat(status(sim, n).entries().get("x").version()).isEqualTo(new Versioned.Version(1, N1)));
  }

  /** A replica restarted after a crash still holds what it acknowledged (its journal). */
  @Test
  void whatAReplicaAcknowledgedSurvivesItsCrash() {
    Simulation<QuorumReplication.Command> sim = store(MAJORITIES, Simulations.seed(11), FaultPlan.none());
    ask(sim, N1, new Put(new RequestId("c1", 1), "x", "kept"));
    sim.runUntilQuiescent();
    sim.nodes().forEach(n -> sim.crash(sim.elapsed(), n));
    sim.nodes().forEach(n -> sim.restart(sim.elapsed().plus(ms(10)), n));
    sim.runUntilQuiescent();

    assertThat(sim.nodes()).allSatisfy(n -> assertThat(status(sim, n).entries().get("x").value()).isEqualTo("kept"));
    assertThat(ask(sim, N3, new Get(new RequestId("c1", 2), "x"))).isEqualTo(new KvReply.Ok(new RequestId("c1", 2), "kept"));
  }

  /** Without faults among N=3: a put costs 4(N-1) = 8 messages, a get that finds the replicas agreeing 2(N-1) = 4. */
  @Test
  void aPutCostsFourTimesNMinusOneMessagesAndAnAgreedGetTwice() {
    Simulation<QuorumReplication.Command> sim = store(MAJORITIES, Simulations.seed(2), FaultPlan.none());
    ask(sim, N1, new Put(new RequestId("c1", 1), "x", "v"));
    sim.runUntilQuiescent();
    assertThat(sim.stats().sent()).isEqualTo(8);

    ask(sim, N2, new Get(new RequestId("c2", 1), "x"));
    sim.runUntilQuiescent();
    assertThat(sim.stats().sent()).isEqualTo(8 + 4);
  }

  @Test
  void casIsRefusedForWantOfConsensus() {
    Simulation<QuorumReplication.Command> sim = store(MAJORITIES, Simulations.seed(1), FaultPlan.none());
    KvReply reply = ask(sim, N1, new Cas(new RequestId("c1", 1), "x", null, "v"));

    assertThat(reply).isInstanceOf(KvReply.Unavailable.class);
    assertThat(((KvReply.Unavailable) reply).reason()).contains("cas needs consensus").contains("raft");
    assertThat(sim.stats().sent()).isZero();
  }

  @Test
  void badSettingsAreRefusedWithAClearMessage() {
    assertThatThrownBy(() -> new QuorumReplication.Settings(0, 2, ms(50), ms(1000)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("quorums must be at least 1, got R=0 W=2");
    assertThatThrownBy(() -> new QuorumReplication.Settings(2, 2, ms(1000), ms(1000)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs 0 < retransmit < timeout");
    assertThatThrownBy(() -> store(new QuorumReplication.Settings(4, 2, ms(50), ms(1000)), 1, FaultPlan.none()))
        .hasRootCauseInstanceOf(IllegalArgumentException.class)
        .hasStackTraceContaining("quorums must be at most the group size N=3, got R=4 W=2");
    assertThat(MAJORITIES.overlapping(3)).isTrue();
  }
}
