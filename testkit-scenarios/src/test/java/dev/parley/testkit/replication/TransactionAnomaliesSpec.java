package dev.parley.testkit.replication;

import static dev.parley.testkit.replication.TwoPhaseCommitSpec.LAN;
import static dev.parley.testkit.replication.TwoPhaseCommitSpec.LOSSY;
import static dev.parley.testkit.replication.TwoPhaseCommitSpec.N1;
import static dev.parley.testkit.replication.TwoPhaseCommitSpec.N2;
import static dev.parley.testkit.replication.TwoPhaseCommitSpec.N3;
import static dev.parley.testkit.replication.TwoPhaseCommitSpec.keyOn;
import static dev.parley.testkit.replication.TwoPhaseCommitSpec.ms;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.history.History;
import dev.parley.protocols.history.HistoryRecorder;
import dev.parley.protocols.replication.BrokenReplicas;
import dev.parley.protocols.replication.Get;
import dev.parley.protocols.replication.KvReply;
import dev.parley.protocols.replication.RequestId;
import dev.parley.protocols.replication.TwoPhaseCommit;
import dev.parley.protocols.replication.TwoPhaseCommit.Settings;
import dev.parley.protocols.replication.TwoPhaseCommit.Transact;
import dev.parley.protocols.replication.TwoPhaseCommit.TxOutcome;
import dev.parley.testkit.checker.AtomicCommitChecker;
import dev.parley.testkit.checker.CommitRecord;
import dev.parley.testkit.checker.TransactionAnomalyChecker;
import dev.parley.testkit.checker.TransactionAnomalyChecker.Anomaly;
import dev.parley.testkit.checker.TxnOp;
import dev.parley.testkit.checker.Verdict;
import dev.parley.testkit.sim.SimProtocol;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Transactional anomalies over the two-phase commit store, measured with the {@link
 * TransactionAnomalyChecker}. The store's multi-key transactions write several keys if each key of
 * their {@code expected} map holds its value; its answers say only whether a transaction committed,
 * not what it read. So the clients are optimistic, as a client of such a store is: each reads its keys
 * one by one (single-key gets), then asks for a transaction that expects the values it read and writes
 * its own unique value to some of them. A committed transaction read what it expected, so its history
 * entry records those reads; and since every value written is unique and every write follows a read of
 * the same key, each read names its writer and the order of each key's versions is known (Elle's
 * approach). Under crashes of coordinators and participants and lossy links, the correct store's
 * histories are serializable; without the coordinator's decision log a transaction can commit at one
 * participant and abort at another, and a later transaction reads half of it (G-single).
 */
class TransactionAnomaliesSpec {

  static final SimProtocol<TwoPhaseCommit.Command> CORRECT = (peers, env, upcalls) ->
      TwoPhaseCommit.create("tpc", peers, env, Settings.DEFAULT, upcalls.narrow(), upcalls.narrow());

  static final SimProtocol<TwoPhaseCommit.Command> UNLOGGED_DECISIONS = (peers, env, upcalls) ->
      BrokenReplicas.coordinatorNotLoggingDecisions("tpc", peers, env, Settings.DEFAULT, upcalls.narrow(),
          upcalls.narrow());

  static final TransactionAnomalyChecker SERIALIZABLE = TransactionAnomalyChecker.serializable();

  static final int SEEDS = 12;

  /**
   * Three clients, ten transactions each over six keys, while every 100 ms a node drawn at random
   * crashes for 50 to 100 ms (coordinators and participants alike), over lossy links; then, the store
   * left alone for 3 s, an audit of every key.
   */
  static Run crashingRun(long seed, SimProtocol<TwoPhaseCommit.Command> protocol) {
    Simulation<TwoPhaseCommit.Command> sim = TwoPhaseCommitSpec.sim(3, seed, LOSSY, protocol);
    Random random = new Random(seed);
    for (long at = 100; at < 4_000; at += 100) {
      NodeId node = sim.nodes().get(random.nextInt(3));
      sim.crash(ms(at), node);
      sim.restart(ms(at + 50 + random.nextInt(50)), node);
    }
    OptimisticClients clients = new OptimisticClients(sim, 3, 10, List.of("k1", "k2", "k3", "k4", "k5", "k6"));
    clients.run(Duration.ofSeconds(20));
    sim.runFor(Duration.ofSeconds(3));
    History history = clients.audit();
    sim.runFor(Duration.ofSeconds(1));
    return new Run(sim, history);
  }

  /** A run's simulation (for the participants' records) and its clients' history. */
  record Run(Simulation<TwoPhaseCommit.Command> sim, History history) {}

  @Test
  void theStoresTransactionsAreSerializableAcrossCrashesAndLossyLinks() {
    int[] committed = new int[1];
    Simulations.forSeeds(1, SEEDS, seed -> {
      Run run = crashingRun(seed, CORRECT);

      SERIALIZABLE.check(run.history()).requireValid();
      assertThat(run.history().operations()).as("seed %d: the audit committed", seed)
          .anyMatch(o -> o.process().equals("audit") && o.f().equals("txn") && o.isOk());
      AtomicCommitChecker.create().check(TwoPhaseCommitSpec.records(run.sim(), Map.of())).requireValid();
      committed[0] += (int) run.history().operations().stream().filter(o -> o.f().equals("txn") && o.isOk())
          .count();
    });
    System.out.printf("two-phase commit, %d seeds: %d transactions committed, every history serializable%n", SEEDS,
        committed[0]);
    assertThat(committed[0]).as("transactions committed over %d seeds", SEEDS).isGreaterThan(8 * SEEDS);
  }

  /**
   * Without the decision log, a coordinator that crashes after deciding COMMIT aborts on restart,
   * while the participants it had told have committed: on some seeds the clients see it as an
   * anomaly, and on each of those the participants disagreed (or all aborted a transaction whose
   * client was told it committed).
   */
  @Test
  void aCoordinatorNotLoggingItsDecisionsIsCaughtByTheTransactionsItsClientsSee() {
    List<Long> caught = new ArrayList<>();
    Simulations.forSeeds(1, SEEDS, seed -> {
      Run run = crashingRun(seed, UNLOGGED_DECISIONS);

      Verdict v = SERIALIZABLE.check(run.history());
      if (!v.valid()) {
        caught.add(seed);
        List<CommitRecord> records = TwoPhaseCommitSpec.records(run.sim(), Map.of());
        boolean disagreed = !AtomicCommitChecker.create().allowingBlocked().check(records).valid();
        assertThat(disagreed || !toldCommittedYetAborted(run.sim(), records).isEmpty())
            .as("seed %d: the anomaly comes from the unlogged decisions: %s", seed, v.report()).isTrue();
        if (caught.size() == 1) {
          System.out.println("seed " + seed + ": " + v.report());
        }
      }
    });
    System.out.println("seeds on which the clients' transactions show the unlogged decisions: " + caught);
    assertThat(caught).isNotEmpty();
  }

  /** Transactions whose client was first told COMMIT, and whose every participant aborted. */
  static List<String> toldCommittedYetAborted(Simulation<TwoPhaseCommit.Command> sim, List<CommitRecord> records) {
    Map<String, Boolean> told = new HashMap<>();
    sim.nodes().forEach(n -> sim.upcalls(n, TxOutcome.class)
        .forEach(o -> told.putIfAbsent(o.txId(), o.committed())));
    Map<String, Boolean> allAborted = new HashMap<>();
    records.forEach(r -> allAborted.merge(r.transaction(), r.decision() == CommitRecord.Decision.ABORT,
        Boolean::logicalAnd));
    return told.entrySet().stream().filter(e -> e.getValue() && allAborted.getOrDefault(e.getKey(), false))
        .map(Map.Entry::getKey).toList();
  }

  /**
   * T1 writes a (on n2) and b (on n3); its coordinator n1 answers COMMIT and crashes with n3 before n3
   * hears it. Restarted without the decision in its log, n1 aborts T1 at n3. T2 then reads a as T1
   * wrote it and b as never written, and commits: a fractured read, G-single. With the decision log,
   * T1 commits at n3 too and T2, expecting b never written, aborts.
   */
  @Test
  void aFracturedReadOfAHalfCommittedTransactionIsGSingle() {
    for (SimProtocol<TwoPhaseCommit.Command> protocol : List.of(CORRECT, UNLOGGED_DECISIONS)) {
      Simulation<TwoPhaseCommit.Command> sim = TwoPhaseCommitSpec.sim(3, Simulations.seed(1), LAN, protocol);
      HistoryRecorder history = new HistoryRecorder(() -> sim.elapsed().toNanos());
      String a = keyOn(N2, sim.nodes(), 0);
      String b = keyOn(N3, sim.nodes(), 0);
      Map<String, String> nothing = new HashMap<>();
      nothing.put(a, null);
      nothing.put(b, null);
      transact(sim, history, N1, "c1", "t1", nothing, List.of(a, b));
      sim.crash(sim.elapsed(), N1);
      sim.crash(sim.elapsed(), N3);
      sim.restart(sim.elapsed().plus(ms(50)), N3);
      sim.restart(sim.elapsed().plus(ms(100)), N1);
      sim.runFor(Duration.ofSeconds(1));
      Map<String, String> halfOfT1 = new HashMap<>();
      halfOfT1.put(a, "t1");
      halfOfT1.put(b, null);
      boolean t2Committed = transact(sim, history, N2, "c2", "t2", halfOfT1, List.of(a, b));

      Verdict v = SERIALIZABLE.check(history.history());
      if (protocol == CORRECT) {
        assertThat(t2Committed).isFalse();
        v.requireValid();
      } else {
        assertThat(t2Committed).isTrue();
        assertThat(SERIALIZABLE.anomalies(history.history())).containsOnlyKeys(Anomaly.G_SINGLE);
        String t1 = "T0 (c1: r " + a + " nothing, r " + b + " nothing, w " + a + " t1, w " + b + " t1)";
        String t2 = "T2 (c2: r " + a + " t1, r " + b + " nothing, w " + a + " t2, w " + b + " t2)";
        assertThat(v.counterexample()).containsExactly("G-single (one anti-dependency):",
            "  T2 -rw-> T0 -wr-> T2",
            "  rw: " + t2 + " read " + b + " = nothing, which " + t1 + " overwrote with t1 (every version of " + b
                + " comes after its initial state)",
            "  wr: " + t2 + " read " + a + " = t1, which " + t1 + " wrote");
        System.out.println(v.report());
      }
    }
  }

  /**
   * Gives {@code coordinator} a transaction of {@code client} expecting {@code expected} and writing
   * {@code txId} to {@code writes}, recorded as the client's reads of the expected values and its
   * writes; runs until its outcome and returns whether it committed.
   */
  static boolean transact(Simulation<TwoPhaseCommit.Command> sim, HistoryRecorder history, NodeId coordinator,
      String client, String txId, Map<String, String> expected, List<String> writes) {
    Map<String, String> values = new TreeMap<>();
    writes.forEach(k -> values.put(k, txId));
    HistoryRecorder.Handle h = history.invoke(client, "txn", null, steps(expected, values, false));
    sim.tell(coordinator, new Transact(txId, values, expected));
    sim.runUntil(v -> v.upcalls(coordinator, TxOutcome.class).stream().anyMatch(o -> o.txId().equals(txId)));
    TxOutcome outcome = sim.upcalls(coordinator, TxOutcome.class).stream().filter(o -> o.txId().equals(txId))
        .findFirst().orElseThrow();
    if (outcome.committed()) {
      history.ok(h, steps(expected, values, true));
    } else {
      history.fail(h, outcome.reason());
    }
    return outcome.committed();
  }

  /** A transaction's steps: a read of each expected key (with its value once known), then the writes. */
  static List<Object> steps(Map<String, String> expected, Map<String, String> writes, boolean known) {
    List<TxnOp> steps = new ArrayList<>();
    new TreeMap<>(expected).forEach((k, v) -> steps.add(TxnOp.read(k, known ? v : null)));
    writes.forEach((k, v) -> steps.add(TxnOp.write(k, v)));
    return TxnOp.toValue(steps);
  }

  /**
   * Optimistic clients of the two-phase commit store in the simulation: each reads two keys with
   * single-key gets at its own node, then asks that node for a transaction expecting what it read and
   * writing its own unique value to both keys. A get or transaction refused because a key is
   * locked is tried again a little later (a transaction under a new id), up to {@value #ATTEMPTS}
   * times; one that aborts otherwise is recorded as failed, one unanswered within 500 ms as of unknown
   * outcome, and the client moves on to its next transaction.
   */
  static final class OptimisticClients {
    private static final int ATTEMPTS = 5;
    private static final Duration TIMEOUT = Duration.ofMillis(500);
    private static final Duration THINK = Duration.ofMillis(20);
    private static final Duration PAUSE = Duration.ofMillis(10);

    private final Simulation<TwoPhaseCommit.Command> sim;
    private final int perClient;
    private final List<String> keys;
    private final Random random;
    private final HistoryRecorder history;
    private final Map<String, Client> clients = new LinkedHashMap<>();
    private final Map<NodeId, Integer> seen = new HashMap<>();

    /** A client: its node, the transaction it is building, and what it does next. */
    private final class Client {
      final String name;
      final NodeId node;
      int done;
      int attempts;
      long seq;
      long nextAt;
      Runnable next = () -> begin(this);
      List<String> toRead = new ArrayList<>();
      Map<String, String> read = new TreeMap<>();
      HistoryRecorder.Handle pending;
      RequestId get;
      String txId;
      Map<String, String> writes;
      long deadline;

      Client(String name, NodeId node) {
        this.name = name;
        this.node = node;
      }
    }

    OptimisticClients(Simulation<TwoPhaseCommit.Command> sim, int clients, int perClient, List<String> keys) {
      this.sim = sim;
      this.perClient = perClient;
      this.keys = keys;
      this.random = new Random(NodeEnv.mix(sim.seed(), "optimistic-clients"));
      this.history = new HistoryRecorder(() -> sim.elapsed().toNanos());
      for (int i = 0; i < clients; i++) {
        String name = "c" + (i + 1);
        this.clients.put(name, new Client(name, sim.nodes().get(i % sim.nodes().size())));
      }
      sim.nodes().forEach(n -> seen.put(n, sim.upcalls(n).size()));
    }

    /** Runs the clients until each has done its transactions, or until {@code deadline}. */
    void run(Duration deadline) {
      while (clients.values().stream().anyMatch(c -> c.done < perClient) && sim.elapsed().compareTo(deadline) < 0) {
        long now = sim.elapsed().toNanos();
        for (Client c : clients.values()) {
          if (c.pending == null && c.done < perClient && c.nextAt <= now) {
            c.next.run();
          }
        }
        if (!sim.step()) {
          sim.runFor(Duration.ofMillis(1));
        }
        observe();
        expire();
      }
      clients.values().stream().filter(c -> c.pending != null).forEach(c -> history.info(c.pending, "run ended"));
    }

    /**
     * Once the store is quiet, one more client reads every key, then (the gets' locks released)
     * commits a transaction that writes nothing and expects what it read: a snapshot of the store
     * that every earlier transaction must fit. Returns the whole history.
     */
    History audit() {
      NodeId node = sim.nodes().get(0);
      Map<String, String> read = new TreeMap<>();
      long seq = 0;
      for (String key : keys) {
        RequestId id = new RequestId("audit", ++seq);
        HistoryRecorder.Handle h = history.invoke("audit", "get", key, null);
        sim.tell(node, new TwoPhaseCommit.Request(new Get(id, key)));
        sim.runUntil(v -> v.upcalls(node, KvReply.class).stream().anyMatch(r -> r.id().equals(id)));
        KvReply reply = sim.upcalls(node, KvReply.class).stream().filter(r -> r.id().equals(id)).findFirst()
            .orElseThrow();
        if (!(reply instanceof KvReply.Ok ok)) {
          history.fail(h, String.valueOf(reply));
          return history.history();
        }
        history.ok(h, ok.value());
        read.put(key, ok.value());
      }
      sim.runFor(ms(100));
      transact(sim, history, node, "audit", "audit-" + ++seq, read, List.of());
      return history.history();
    }

    private void begin(Client c) {
      List<String> shuffled = new ArrayList<>(keys);
      Collections.shuffle(shuffled, random);
      c.toRead = new ArrayList<>(shuffled.subList(0, 2));
      c.read = new TreeMap<>();
      readNext(c);
    }

    private void readNext(Client c) {
      String key = c.toRead.get(c.read.size());
      c.get = new RequestId(c.name, ++c.seq);
      c.txId = null;
      c.pending = history.invoke(c.name, "get", key, null);
      c.deadline = sim.elapsed().plus(TIMEOUT).toNanos();
      sim.tell(c.node, new TwoPhaseCommit.Request(new Get(c.get, key)));
    }

    private void commit(Client c) {
      c.txId = c.name + "-" + ++c.seq;
      c.get = null;
      c.writes = new TreeMap<>();
      c.toRead.forEach(key -> c.writes.put(key, c.txId));
      c.pending = history.invoke(c.name, "txn", null, steps(c.read, c.writes, false));
      c.deadline = sim.elapsed().plus(TIMEOUT).toNanos();
      sim.tell(c.node, new Transact(c.txId, c.writes, c.read));
    }

    private void observe() {
      for (NodeId node : sim.nodes()) {
        List<Object> upcalls = sim.upcalls(node);
        for (int i = seen.get(node); i < upcalls.size(); i++) {
          Object upcall = upcalls.get(i);
          for (Client c : clients.values()) {
            if (c.pending == null) {
              continue;
            }
            if (upcall instanceof KvReply reply && reply.id().equals(c.get)) {
              answered(c, reply);
            } else if (upcall instanceof TxOutcome outcome && outcome.txId().equals(c.txId)) {
              decided(c, outcome);
            }
          }
        }
        seen.put(node, upcalls.size());
      }
    }

    private void answered(Client c, KvReply reply) {
      String key = c.toRead.get(c.read.size());
      if (reply instanceof KvReply.Ok ok) {
        history.ok(c.pending, ok.value());
        c.pending = null;
        c.read.put(key, ok.value());
        if (c.read.size() < c.toRead.size()) {
          readNext(c);
        } else {
          commit(c);
        }
        return;
      }
      history.fail(c.pending, String.valueOf(reply));
      retryIfLocked(c, String.valueOf(reply), () -> readNext(c));
    }

    private void decided(Client c, TxOutcome outcome) {
      if (outcome.committed()) {
        history.ok(c.pending, steps(c.read, c.writes, true));
        finish(c);
        return;
      }
      history.fail(c.pending, outcome.reason());
      retryIfLocked(c, outcome.reason(), () -> commit(c));
    }

    /** Does {@code again} a little later if a lock refused the request and attempts remain; else moves on. */
    private void retryIfLocked(Client c, String why, Runnable again) {
      if (why.contains("is locked by") && ++c.attempts < ATTEMPTS) {
        c.pending = null;
        c.next = again;
        c.nextAt = sim.elapsed().toNanos() + (long) (random.nextDouble() * PAUSE.toNanos());
      } else {
        finish(c);
      }
    }

    private void expire() {
      long now = sim.elapsed().toNanos();
      for (Client c : clients.values()) {
        if (c.pending != null && c.deadline <= now) {
          history.info(c.pending, "no answer within " + TIMEOUT.toMillis() + " ms");
          finish(c);
        }
      }
    }

    private void finish(Client c) {
      c.pending = null;
      c.get = null;
      c.txId = null;
      c.done++;
      c.attempts = 0;
      c.next = () -> begin(c);
      c.nextAt = sim.elapsed().toNanos() + (long) (random.nextDouble() * THINK.toNanos());
    }
  }
}
