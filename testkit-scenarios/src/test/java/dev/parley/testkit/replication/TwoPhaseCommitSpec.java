package dev.parley.testkit.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import akka.actor.testkit.typed.javadsl.TestInbox;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.replication.BrokenReplicas;
import dev.parley.protocols.replication.Cas;
import dev.parley.protocols.replication.Get;
import dev.parley.protocols.replication.KvReply;
import dev.parley.protocols.replication.KvRequest;
import dev.parley.protocols.replication.Put;
import dev.parley.protocols.replication.RequestId;
import dev.parley.protocols.replication.TwoPhaseCommit;
import dev.parley.protocols.replication.TwoPhaseCommit.CoordinatorState;
import dev.parley.protocols.replication.TwoPhaseCommit.Participation;
import dev.parley.protocols.replication.TwoPhaseCommit.ParticipantDecided;
import dev.parley.protocols.replication.TwoPhaseCommit.ParticipantReady;
import dev.parley.protocols.replication.TwoPhaseCommit.ParticipantState;
import dev.parley.protocols.replication.TwoPhaseCommit.Settings;
import dev.parley.protocols.replication.TwoPhaseCommit.Transact;
import dev.parley.protocols.replication.TwoPhaseCommit.TxOutcome;
import dev.parley.protocols.replication.TwoPhaseCommit.Vote;
import dev.parley.testkit.checker.AtomicCommitChecker;
import dev.parley.testkit.commit.AtomicCommitInvariants;
import dev.parley.testkit.checker.CommitRecord;
import dev.parley.testkit.checker.LinearizabilityChecker;
import dev.parley.testkit.checker.Verdict;
import dev.parley.testkit.kv.KvWorkload;
import dev.parley.testkit.sim.SimProtocol;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.SimulationFailure;
import dev.parley.testkit.sim.Simulations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Two-phase commit of multi-key transactions over partitioned keys, in the deterministic simulation:
 * atomic commitment under crashes, restarts, lossy links and a slow, failing journal; clients told
 * what the participants decided; committed writes (and only they) in the partitions; single-key
 * requests linearizable; recovery of both sides from their logs; participants in INIT aborting on
 * their own; cooperative termination; the blocking case while the coordinator is down; and a
 * coordinator that does not log its decision, or sends it before its write completes, caught
 * breaking agreement. A failing seed replays with {@code -Dparley.seed=N}.
 */
class TwoPhaseCommitSpec {

  static final NodeId N1 = NodeId.n(1);
  static final NodeId N2 = NodeId.n(2);
  static final NodeId N3 = NodeId.n(3);
  static final AtomicCommitChecker CHECKER = AtomicCommitChecker.create();
  static final FaultPlan LAN = FaultPlan.NONE.withDelay(Delay.uniform(ms(1), ms(5)));
  static final FaultPlan LOSSY = LAN.withDrop(0.05).withDuplicate(0.05).withReorder(0.1);
  static final SimProtocol<TwoPhaseCommit.Command> CORRECT = (peers, env, up) ->
      TwoPhaseCommit.create("tpc", peers, env, Settings.DEFAULT, up.narrow(), up.narrow());

  static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }

  /** The correct protocol, its atomicity checked after every step as well ({@link AtomicCommitInvariants}). */
  static Simulation<TwoPhaseCommit.Command> sim(int nodes, long seed, FaultPlan faults, Settings settings) {
    return Simulation.<TwoPhaseCommit.Command>builder(nodes, (peers, env, up) ->
            TwoPhaseCommit.create("tpc", peers, env, settings, up.narrow(), up.narrow()))
        .freshInvariant(AtomicCommitInvariants::new).seed(seed).faults(faults).build();
  }

  static Simulation<TwoPhaseCommit.Command> sim(int nodes, long seed, FaultPlan faults,
      SimProtocol<TwoPhaseCommit.Command> protocol) {
    return Simulation.<TwoPhaseCommit.Command>builder(nodes, protocol).seed(seed).faults(faults).build();
  }

  /** The first key k1, k2, ... that lives on {@code node}'s partition. */
  static String keyOn(NodeId node, List<NodeId> members, int skip) {
    int found = 0;
    for (int i = 1; ; i++) {
      String key = "k" + i;
      if (TwoPhaseCommit.partitionOf(key, members).equals(node) && found++ == skip) {
        return key;
      }
    }
  }

  /**
   * The final record of every participant: its last {@link Participation}, across its incarnations;
   * a participant of {@code expected} that never reported anything never voted and never decided.
   */
  static List<CommitRecord> records(Simulation<TwoPhaseCommit.Command> sim, Map<String, Set<NodeId>> expected) {
    Map<String, Map<NodeId, CommitRecord>> last = new LinkedHashMap<>();
    expected.forEach((tx, nodes) -> nodes.forEach(n -> last.computeIfAbsent(tx, t -> new TreeMap<>())
        .put(n, CommitRecord.of(tx, n, CommitRecord.Vote.NONE, CommitRecord.Decision.UNDECIDED))));
    for (NodeId node : sim.nodes()) {
      for (Participation p : sim.upcalls(node, Participation.class)) {
        CommitRecord.Vote vote = CommitRecord.Vote.valueOf(p.vote().name());
        CommitRecord.Decision decision = switch (p.state()) {
          case COMMIT -> CommitRecord.Decision.COMMIT;
          case ABORT -> CommitRecord.Decision.ABORT;
          case INIT, READY -> CommitRecord.Decision.UNDECIDED;
        };
        last.computeIfAbsent(p.txId(), t -> new TreeMap<>())
            .put(node, CommitRecord.of(p.txId(), node, vote, decision));
      }
    }
    return last.values().stream().flatMap(m -> m.values().stream()).toList();
  }

  static TwoPhaseCommit.Status status(Simulation<TwoPhaseCommit.Command> sim, NodeId node) {
    TestInbox<TwoPhaseCommit.Status> inbox = TestInbox.create();
    sim.tell(node, new TwoPhaseCommit.GetStatus(inbox.getRef()));
    sim.runFor(Duration.ZERO);
    return inbox.receiveMessage();
  }

  /** Transactions a script gives the nodes, remembered for the checks. */
  static final class Script {
    final Map<String, Transact> transactions = new LinkedHashMap<>();
    final Map<String, NodeId> coordinators = new HashMap<>();
    final Map<String, Set<NodeId>> participants = new LinkedHashMap<>();

    void give(Simulation<TwoPhaseCommit.Command> sim, Duration at, NodeId coordinator, Transact t) {
      transactions.put(t.txId(), t);
      coordinators.put(t.txId(), coordinator);
      Set<NodeId> nodes = new TreeSet<>();
      t.writes().keySet().forEach(k -> nodes.add(TwoPhaseCommit.partitionOf(k, sim.nodes())));
      t.expected().keySet().forEach(k -> nodes.add(TwoPhaseCommit.partitionOf(k, sim.nodes())));
      participants.put(t.txId(), nodes);
      sim.tell(at, coordinator, t);
    }

    /** Transactions whose participants decided {@code decision} (all alike: the checker asserts it). */
    Set<String> decided(List<CommitRecord> records, CommitRecord.Decision decision) {
      Set<String> ids = new TreeSet<>();
      records.stream().filter(r -> r.decision() == decision).forEach(r -> ids.add(r.transaction()));
      return ids;
    }
  }

  /**
   * Each node's committed values as its participant's COMMITs in order make them (each checked
   * against its preconditions when it commits) equal what its status shows.
   */
  static void assertPartitionsHoldTheCommittedWrites(Simulation<TwoPhaseCommit.Command> sim, Script script) {
    for (NodeId node : sim.nodes()) {
      Map<String, String> replayed = new TreeMap<>();
      for (Participation p : sim.upcalls(node, Participation.class)) {
        if (p.state() != ParticipantState.COMMIT) {
          continue;
        }
        Transact t = script.transactions.get(p.txId());
        t.expected().forEach((k, v) -> {
          if (TwoPhaseCommit.partitionOf(k, sim.nodes()).equals(node)) {
            assertThat(replayed.get(k)).as("%s commits %s only if %s held %s", node, p.txId(), k, v).isEqualTo(v);
          }
        });
        t.writes().forEach((k, v) -> {
          if (TwoPhaseCommit.partitionOf(k, sim.nodes()).equals(node)) {
            replayed.put(k, v);
          }
        });
      }
      assertThat(status(sim, node).values()).as("%s's partition", node).isEqualTo(replayed);
    }
  }

  /** How many crashes and restarts {@link #transactThroughCrashes} schedules. */
  static final int CRASHES = 4;

  /**
   * Gives four nodes 30 transactions of 1-3 keys out of 8, half with cas-like preconditions, from
   * random coordinators over 1.5 s, while nodes (coordinators and participants alike) crash and
   * restart four times; runs until 5 s.
   */
  static Script transactThroughCrashes(Simulation<TwoPhaseCommit.Command> sim, long seed) {
    Random random = new Random(seed);
    Script script = new Script();
    for (int i = 1; i <= 30; i++) {
      Map<String, String> writes = new TreeMap<>();
      Map<String, String> expected = new HashMap<>();
      int keys = 1 + random.nextInt(3);
      for (int k = 0; k < keys; k++) {
        String key = "k" + (1 + random.nextInt(8));
        writes.put(key, "t" + i);
        if (random.nextBoolean()) {
          expected.put(key, random.nextBoolean() ? null : "t" + (1 + random.nextInt(i)));
        }
      }
      script.give(sim, ms(random.nextInt(1500)), sim.nodes().get(random.nextInt(4)),
          new Transact("t" + i, writes, expected));
    }
    crashAndRestartThroughout(sim, random);
    sim.runUntil(Duration.ofSeconds(5));
    return script;
  }

  /**
   * Gives four nodes 30 transactions over 1.5 s, each writing a key of its coordinator's own
   * partition and one of another node's, without preconditions, while nodes crash and restart four
   * times; runs until 5 s. Each transaction the coordinator decides reaches a participant through
   * the network and one (its own) through its mailbox.
   */
  static Script spanningTransactionsThroughCrashes(Simulation<TwoPhaseCommit.Command> sim, long seed) {
    Random random = new Random(seed);
    Script script = new Script();
    for (int i = 1; i <= 30; i++) {
      int c = random.nextInt(4);
      NodeId coordinator = sim.nodes().get(c);
      NodeId other = sim.nodes().get((c + 1 + random.nextInt(3)) % 4);
      Map<String, String> writes = Map.of(keyOn(coordinator, sim.nodes(), random.nextInt(2)), "t" + i,
          keyOn(other, sim.nodes(), random.nextInt(2)), "t" + i);
      script.give(sim, ms(random.nextInt(1500)), coordinator, new Transact("t" + i, writes, Map.of()));
    }
    crashAndRestartThroughout(sim, random);
    sim.runUntil(Duration.ofSeconds(5));
    return script;
  }

  /** Crashes a random node {@link #CRASHES} times, 400 ms apart, each back 50 to 300 ms later. */
  static void crashAndRestartThroughout(Simulation<TwoPhaseCommit.Command> sim, Random random) {
    for (int c = 0; c < CRASHES; c++) {
      NodeId node = sim.nodes().get(random.nextInt(4));
      long at = 100 + 400L * c + random.nextInt(100);
      sim.crash(ms(at), node);
      sim.restart(ms(at + 50 + random.nextInt(250)), node);
    }
  }

  /**
   * Atomic commitment of every transaction of {@code script}; clients told what the participants
   * decided; nothing left blocked, locked or waiting; the partitions hold the committed writes.
   * Returns the participants' final records.
   */
  static List<CommitRecord> assertAtomic(Simulation<TwoPhaseCommit.Command> sim, Script script) {
    List<CommitRecord> records = records(sim, script.participants);
    CHECKER.check(records).requireValid();
    Set<String> committed = script.decided(records, CommitRecord.Decision.COMMIT);
    for (NodeId node : sim.nodes()) {
      for (TxOutcome o : sim.upcalls(node, TxOutcome.class)) {
        assertThat(script.coordinators.get(o.txId())).isEqualTo(node);
        if (o.committed()) {
          assertThat(committed).as("the client's outcome %s", o).contains(o.txId());
        } else {
          assertThat(committed).as("the client's outcome %s", o).doesNotContain(o.txId());
        }
      }
      TwoPhaseCommit.Status s = status(sim, node);
      assertThat(s.blocked()).isEmpty();
      assertThat(s.locks()).isEmpty();
      assertThat(s.coordinator().getOrDefault(CoordinatorState.WAIT, List.of())).isEmpty();
    }
    assertPartitionsHoldTheCommittedWrites(sim, script);
    return records;
  }

  /**
   * Four nodes; 30 transactions of 1-3 keys out of 8, half with cas-like preconditions, from random
   * coordinators over 1.5 s, while links lose, duplicate and reorder and nodes (coordinators and
   * participants alike) crash and restart.
   */
  @Test
  void transactionsAreAtomicAcrossCrashesRestartsAndLossyLinks() {
    int[] commits = new int[1];
    int[] aborts = new int[1];
    Simulations.forSeeds(1, 50, seed -> {
      Simulation<TwoPhaseCommit.Command> sim = sim(4, seed, LOSSY, Settings.DEFAULT);
      Script script = transactThroughCrashes(sim, seed);
      List<CommitRecord> records = assertAtomic(sim, script);
      commits[0] += script.decided(records, CommitRecord.Decision.COMMIT).size();
      aborts[0] += script.decided(records, CommitRecord.Decision.ABORT).size();
    });
    assertThat(commits[0]).as("transactions committed").isGreaterThan(200);
    assertThat(aborts[0]).as("transactions aborted").isGreaterThan(200);
  }

  /**
   * The same transactions, crashes and lossy links, with every node's journal slow (what a node does
   * after a write waits for it, and so does everything that arrives meanwhile) and failing (the node
   * stops and restarts from its journal): still atomic, with the same checks.
   */
  @Test
  void transactionsAreAtomicWithASlowAndFailingJournal() {
    int[] commits = new int[1];
    int[] aborts = new int[1];
    long[] failedWrites = new long[1];
    Simulations.forSeeds(1, 15, seed -> {
      Simulation<TwoPhaseCommit.Command> sim = Simulation.builder(4, CORRECT)
          .freshInvariant(AtomicCommitInvariants::new).seed(seed).faults(LOSSY)
          .storage(KvRuns.SLOW_FAILING_JOURNAL).build();
      Script script = transactThroughCrashes(sim, seed);
      List<CommitRecord> records = assertAtomic(sim, script);
      commits[0] += script.decided(records, CommitRecord.Decision.COMMIT).size();
      aborts[0] += script.decided(records, CommitRecord.Decision.ABORT).size();
      failedWrites[0] += KvRuns.restartsAfterFailedWrites(sim, CRASHES);
    });
    assertThat(commits[0]).as("transactions committed").isGreaterThan(60);
    assertThat(aborts[0]).as("transactions aborted").isGreaterThan(60);
    assertThat(failedWrites[0]).as("restarts after a failed write").isGreaterThan(30);
  }

  /**
   * A coordinator that sends its decision before the write that logs it has completed: a crash or a
   * failed write in between makes it restart in WAIT and abort a transaction a participant has
   * committed. On transactions that span the coordinator's own partition and another, the journal
   * faults catch it on some seeds.
   */
  @Test
  void aCoordinatorSendingItsDecisionBeforeItsWriteCompletesIsCaughtByTheJournalFaults() {
    SimProtocol<TwoPhaseCommit.Command> early = (peers, env, up) -> BrokenReplicas.coordinatorDecidingBeforeLogging(
        "tpc", peers, env, Settings.DEFAULT, up.narrow(), up.narrow());
    List<Long> caught = new ArrayList<>();
    for (long seed = 1; seed <= 20; seed++) {
      Simulation<TwoPhaseCommit.Command> sim = Simulation.builder(4, early).seed(seed).faults(LOSSY)
          .storage(KvRuns.SLOW_FAILING_JOURNAL).build();
      Script script = spanningTransactionsThroughCrashes(sim, seed);
      if (!CHECKER.check(records(sim, script.participants)).valid()) {
        caught.add(seed);
      }
    }
    assertThat(caught).as("seeds whose participants disagree").hasSizeGreaterThan(1);

    List<String> stopped = new ArrayList<>();
    for (long seed : caught) {
      Simulation<TwoPhaseCommit.Command> sim = Simulation.builder(4, early).freshInvariant(AtomicCommitInvariants::new)
          .seed(seed).faults(LOSSY).storage(KvRuns.SLOW_FAILING_JOURNAL).build();
      try {
        spanningTransactionsThroughCrashes(sim, seed);
      } catch (SimulationFailure f) {
        stopped.add(f.getMessage().lines().findFirst().orElse(""));
      }
    }
    assertThat(stopped).as("the same seeds, stopped at the step that decides a transaction both ways")
        .hasSameSizeAs(caught).allMatch(m -> m.contains("at step") && m.contains("atomic commit violated"));
  }

  @Test
  void singleKeyRequestsAreLinearizableAcrossCrashesAndLossyLinks() {
    Simulations.forSeeds(1, 30, seed -> {
      Simulation<TwoPhaseCommit.Command> sim = sim(3, seed, LOSSY, Settings.DEFAULT);
      Random random = new Random(seed);
      for (int c = 0; c < 3; c++) {
        NodeId node = sim.nodes().get(random.nextInt(3));
        long at = 200 + 500L * c + random.nextInt(200);
        sim.crash(ms(at), node);
        sim.restart(ms(at + 50 + random.nextInt(200)), node);
      }
      KvWorkload.Result r = KvWorkload.of(sim, TwoPhaseCommit.Request::new).clients(3).keys(3).operations(15)
          .run(Duration.ofSeconds(20));
      sim.runFor(Duration.ofSeconds(3));

      assertThat(r.ok()).isGreaterThan(10);
      LinearizabilityChecker.forRegisters().check(r.history()).requireValid();
      CHECKER.check(records(sim, Map.of())).requireValid();
    });
  }

  /** A put, a cas that fails, one that succeeds and a get, given to n1 for a key on n2. */
  @Test
  void singleKeyRequestsAreAnsweredWithTheSharedReplies() {
    Simulation<TwoPhaseCommit.Command> sim = sim(3, Simulations.seed(1), LAN, Settings.DEFAULT);
    String k = keyOn(N2, sim.nodes(), 0);
    List<KvRequest> requests = List.of(new Put(new RequestId("c", 1), k, "a"),
        new Cas(new RequestId("c", 2), k, null, "b"), new Cas(new RequestId("c", 3), k, "a", "b"),
        new Get(new RequestId("c", 4), k));
    for (KvRequest r : requests) {
      sim.tell(N1, new TwoPhaseCommit.Request(r));
      sim.runUntilQuiescent();
    }

    assertThat(sim.upcalls(N1, KvReply.class)).containsExactly(new KvReply.Ok(new RequestId("c", 1), null),
        new KvReply.CasFailed(new RequestId("c", 2), "a"), new KvReply.Ok(new RequestId("c", 3), null),
        new KvReply.Ok(new RequestId("c", 4), "b"));
    assertThat(status(sim, N2).values()).isEqualTo(Map.of(k, "b"));
    assertThat(status(sim, N2).participant()).isEqualTo(Map.of(ParticipantState.ABORT, List.of("kv:c:2"),
        ParticipantState.COMMIT, List.of("kv:c:1", "kv:c:3", "kv:c:4")));
  }

  @Test
  void aParticipantCrashedInReadyLearnsTheDecisionFromItsLog() {
    Simulations.forSeeds(1, 10, seed -> {
      Simulation<TwoPhaseCommit.Command> sim = sim(3, seed, LAN, Settings.DEFAULT);
      String a = keyOn(N2, sim.nodes(), 0);
      String b = keyOn(N3, sim.nodes(), 0);
      sim.tell(N1, new Transact("tx", Map.of(a, "x", b, "y"), Map.of()));
      sim.runUntil(v -> v.upcalls(N2).contains(new Participation("tx", N2, Vote.YES, ParticipantState.READY)));
      sim.crash(sim.elapsed(), N2);
      sim.restart(sim.elapsed().plus(ms(300)), N2);
      sim.runFor(Duration.ofSeconds(1));

      assertThat(sim.incarnation(N2)).isEqualTo(2);
      assertThat(sim.upcalls(N1, TxOutcome.class)).containsExactly(new TxOutcome("tx", true, null));
      assertThat(sim.persistedEvents(N2)).hasSize(3).first().isInstanceOf(ParticipantReady.class);
      assertThat(sim.persistedEvents(N2).get(1)).isEqualTo(new ParticipantDecided("tx", N1, Vote.YES, true));
      assertThat(sim.persistedEvents(N2).get(2)).isEqualTo(new TwoPhaseCommit.ParticipantEnded("tx"));
      assertThat(status(sim, N2).values()).isEqualTo(Map.of(a, "x"));
      assertThat(status(sim, N3).values()).isEqualTo(Map.of(b, "y"));
      CHECKER.check(records(sim, Map.of())).requireValid();
    });
  }

  /**
   * The coordinator n1 crashes once both participants are READY (their votes in flight): n2 and n3
   * may neither commit nor abort, ask n1 and each other in vain, and keep their keys locked. When n1
   * comes back it finds the transaction in WAIT with no decision logged, aborts it and tells them.
   */
  @Test
  void participantsStayBlockedWhileTheCoordinatorIsDownAndFinishWhenItRecovers() {
    Simulations.forSeeds(1, 10, seed -> {
      Simulation<TwoPhaseCommit.Command> sim = sim(3, seed, LAN, Settings.DEFAULT);
      String a = keyOn(N2, sim.nodes(), 0);
      String b = keyOn(N3, sim.nodes(), 0);
      sim.tell(N1, new Transact("tx-7", Map.of(a, "x", b, "y"), Map.of()));
      sim.runUntil(v -> v.upcalls(N2, Participation.class).size() == 1
          && v.upcalls(N3, Participation.class).size() == 1);
      sim.crash(sim.elapsed(), N1);
      sim.runFor(Duration.ofSeconds(2));

      List<CommitRecord> records = records(sim, Map.of());
      assertThat(CHECKER.check(records).valid()).isFalse();
      Verdict allowing = CHECKER.allowingBlocked().check(records);
      assertThat(allowing.valid()).isTrue();
      assertThat(allowing.summary()).contains("1 blocked").contains("tx-7");
      assertThat(CHECKER.blockedTransactions(records)).containsExactly("tx-7");
      for (NodeId participant : List.of(N2, N3)) {
        TwoPhaseCommit.Status s = status(sim, participant);
        assertThat(s.blocked()).singleElement().asString()
            .startsWith("tx-7 READY since").contains("coordinator n1 unreachable");
        assertThat(s.participant().get(ParticipantState.READY)).containsExactly("tx-7");
        assertThat(s.locks()).containsValue("tx-7");
      }

      sim.restart(sim.elapsed(), N1);
      sim.runFor(Duration.ofSeconds(1));
      records = records(sim, Map.of());
      CHECKER.check(records).requireValid();
      assertThat(records).allMatch(r -> r.decision() == CommitRecord.Decision.ABORT);
      assertThat(sim.upcalls(N1, TxOutcome.class))
          .containsExactly(new TxOutcome("tx-7", false, "coordinator restarted in WAIT"));
      for (NodeId participant : List.of(N2, N3)) {
        TwoPhaseCommit.Status s = status(sim, participant);
        assertThat(s.blocked()).isEmpty();
        assertThat(s.locks()).isEmpty();
        assertThat(s.values()).isEmpty();
      }
      assertThat(status(sim, N1).coordinator()).isEqualTo(Map.of(CoordinatorState.ABORT, List.of("tx-7")));
    });
  }

  /**
   * The coordinator n1 crashes as soon as it has handed out the work, before logging anything: n2
   * and n3 hold the work in INIT (keys locked) and, never asked to vote, abort on their own after
   * {@code initTimeout}, which frees the keys.
   */
  @Test
  void participantsInInitAbortOnTheirOwnWhenTheCoordinatorDiesBeforeAskingForVotes() {
    Simulations.forSeeds(1, 10, seed -> {
      Simulation<TwoPhaseCommit.Command> sim = sim(3, seed, LAN, Settings.DEFAULT);
      String a = keyOn(N2, sim.nodes(), 0);
      String b = keyOn(N3, sim.nodes(), 0);
      sim.tell(N1, new Transact("tx", Map.of(a, "x", b, "y"), Map.of()));
      sim.runFor(Duration.ZERO);
      sim.crash(sim.elapsed(), N1);
      sim.runFor(ms(500));
      for (NodeId participant : List.of(N2, N3)) {
        TwoPhaseCommit.Status s = status(sim, participant);
        assertThat(s.participant()).isEqualTo(Map.of(ParticipantState.INIT, List.of("tx")));
        assertThat(s.locks()).containsValue("tx");
        assertThat(s.blocked()).isEmpty();
      }

      sim.runFor(Settings.DEFAULT.initTimeout());
      for (NodeId participant : List.of(N2, N3)) {
        assertThat(sim.upcalls(participant, Participation.class))
            .containsExactly(new Participation("tx", participant, Vote.NONE, ParticipantState.ABORT));
        assertThat(status(sim, participant).locks()).isEmpty();
      }
      CHECKER.check(records(sim, Map.of())).requireValid();
    });
  }

  /**
   * n1 decides COMMIT and crashes with n3, so only n2 learns it. n3 restarts READY, asks n1 in vain,
   * and once READY for {@code blockedAfter} asks n2 too, which tells it COMMIT: cooperative
   * termination ends the transaction with the coordinator still down.
   */
  @Test
  void aReadyParticipantLearnsTheOutcomeFromAnotherWhileTheCoordinatorIsDown() {
    Simulations.forSeeds(1, 10, seed -> {
      Simulation<TwoPhaseCommit.Command> sim = sim(3, seed, LAN, Settings.DEFAULT);
      String a = keyOn(N2, sim.nodes(), 0);
      String b = keyOn(N3, sim.nodes(), 0);
      sim.tell(N1, new Transact("tx", Map.of(a, "x", b, "y"), Map.of()));
      sim.runUntil(v -> !v.upcalls(N1, TxOutcome.class).isEmpty());
      sim.crash(sim.elapsed(), N1);
      sim.crash(sim.elapsed(), N3);
      sim.restart(sim.elapsed().plus(ms(50)), N3);
      sim.runFor(ms(50).plus(Settings.DEFAULT.blockedAfter()).plus(ms(200)));

      assertThat(sim.isUp(N1)).isFalse();
      assertThat(sim.upcalls(N3, Participation.class)).last()
          .isEqualTo(new Participation("tx", N3, Vote.YES, ParticipantState.COMMIT));
      assertThat(status(sim, N3).values()).isEqualTo(Map.of(b, "y"));
      CHECKER.check(records(sim, Map.of())).requireValid();
    });
  }

  /**
   * n1 decides COMMIT and crashes at once with n3, so only n2 gets the decision. With the decision in
   * its log, the restarted n1 tells n3 COMMIT; without it (the broken variant, which logs it only once
   * every participant acknowledged) n1 restarts in WAIT and aborts, and the checker catches n2 and n3
   * disagreeing.
   */
  @Test
  void aCoordinatorThatDoesNotLogItsDecisionBreaksAgreement() {
    for (boolean logged : List.of(true, false)) {
      SimProtocol<TwoPhaseCommit.Command> protocol = logged
          ? (peers, env, up) -> TwoPhaseCommit.create("tpc", peers, env, Settings.DEFAULT, up.narrow(), up.narrow())
          : (peers, env, up) -> BrokenReplicas.coordinatorNotLoggingDecisions("tpc", peers, env, Settings.DEFAULT,
              up.narrow(), up.narrow());
      Simulation<TwoPhaseCommit.Command> sim = sim(3, Simulations.seed(1), LAN, protocol);
      String a = keyOn(N2, sim.nodes(), 0);
      String b = keyOn(N3, sim.nodes(), 0);
      sim.tell(N1, new Transact("tx", Map.of(a, "x", b, "y"), Map.of()));
      sim.runUntil(v -> !v.upcalls(N1, TxOutcome.class).isEmpty());
      sim.crash(sim.elapsed(), N1);
      sim.crash(sim.elapsed(), N3);
      sim.restart(sim.elapsed().plus(ms(50)), N3);
      sim.restart(sim.elapsed().plus(ms(100)), N1);
      sim.runFor(Duration.ofSeconds(1));

      Verdict v = CHECKER.check(records(sim, Map.of()));
      if (logged) {
        v.requireValid();
        assertThat(status(sim, N3).values()).isEqualTo(Map.of(b, "y"));
      } else {
        assertThat(v.valid()).isFalse();
        assertThat(v.summary()).contains("participants disagree: [tx]");
        assertThat(status(sim, N2).values()).isEqualTo(Map.of(a, "x"));
        assertThat(status(sim, N3).values()).isEmpty();
      }
    }
  }

  @Test
  void aConflictingTransactionVotesNoAndAFailedPreconditionAborts() {
    Simulation<TwoPhaseCommit.Command> sim = sim(3, Simulations.seed(1), LAN, Settings.DEFAULT);
    String a = keyOn(N2, sim.nodes(), 0);
    String b = keyOn(N3, sim.nodes(), 0);
    sim.tell(N1, new Transact("first", Map.of(a, "1", b, "1"), Map.of()));
    sim.runUntil(v -> !v.upcalls(N2, Participation.class).isEmpty());
    sim.tell(N2, new Transact("second", Map.of(a, "2"), Map.of())); // n2 coordinates: its own work at once
    sim.runUntilQuiescent();
    Map<String, String> expected = new HashMap<>();
    expected.put(a, "1");
    expected.put(b, null);
    sim.tell(N2, new Transact("third", Map.of(a, "3", b, "3"), expected));
    sim.runUntilQuiescent();

    assertThat(sim.upcalls(N1, TxOutcome.class)).containsExactly(new TxOutcome("first", true, null));
    assertThat(sim.upcalls(N2, TxOutcome.class)).extracting(TxOutcome::txId, TxOutcome::committed)
        .containsExactly(tuple("second", false), tuple("third", false));
    assertThat(sim.upcalls(N2, TxOutcome.class).get(0).reason())
        .isEqualTo("n2 refused the work: key " + a + " is locked by first");
    assertThat(sim.upcalls(N2, TxOutcome.class).get(1).reason()).startsWith("n3 voted NO: precondition failed");
    assertThat(status(sim, N2).values()).isEqualTo(Map.of(a, "1"));
    assertThat(status(sim, N3).values()).isEqualTo(Map.of(b, "1"));
    CHECKER.check(records(sim, Map.of())).requireValid();
  }

  /**
   * A transaction over all five partitions, coordinated by n1: 6 messages per remote participant
   * (the work and its answer, then textbook 2PC's vote request, vote, decision and acknowledgement);
   * n1's own partition costs no message. Journal writes: WAIT, decision and end at the coordinator,
   * READY and the decision at each participant.
   */
  @Test
  void aTransactionCostsSevenMessagesPerRemoteParticipant() {
    Simulations.forSeeds(1, 10, seed -> {
      Simulation<TwoPhaseCommit.Command> sim = sim(5, seed, LAN, Settings.DEFAULT);
      Map<String, String> writes = new TreeMap<>();
      sim.nodes().forEach(n -> writes.put(keyOn(n, sim.nodes(), 0), "v"));
      sim.tell(N1, new Transact("tx", writes, Map.of()));
      sim.runUntilQuiescent();

      assertThat(sim.upcalls(N1, TxOutcome.class)).containsExactly(new TxOutcome("tx", true, null));
      assertThat(sim.stats().sentByType()).isEqualTo(Map.of("Begin", 4L, "Joined", 4L, "VoteRequest", 4L,
          "Voted", 4L, "GlobalDecision", 4L, "Ack", 4L, "Ended", 4L));
      assertThat(sim.persistedEvents(N1)).extracting(e -> e.getClass().getSimpleName())
          .containsExactlyInAnyOrder("CoordinatorWaiting", "ParticipantReady", "ParticipantDecided",
              "CoordinatorDecided", "CoordinatorEnded", "ParticipantEnded");
      sim.nodes().stream().filter(n -> !n.equals(N1)).forEach(n ->
          assertThat(sim.persistedEvents(n)).extracting(e -> e.getClass().getSimpleName())
              .containsExactly("ParticipantReady", "ParticipantDecided", "ParticipantEnded"));
    });
  }

  @Test
  void badSettingsAreRejectedWithTheReason() {
    assertThatThrownBy(() -> new Settings(Duration.ZERO, ms(100), ms(100), ms(100)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("retry must be positive");
    assertThatThrownBy(() -> new Settings(ms(100), ms(50), ms(500), ms(500)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("voteTimeout and initTimeout longer");
    assertThatThrownBy(() -> new Settings(ms(100), ms(500), ms(500), null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("blockedAfter must be positive");
  }
}
