package dev.parley.testkit.replication;

import static dev.parley.testkit.replication.KvRuns.LOSSY;
import static dev.parley.testkit.replication.KvRuns.ms;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.history.History;
import dev.parley.protocols.history.HistoryRecorder;
import dev.parley.protocols.history.Op;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.protocols.replication.Get;
import dev.parley.protocols.replication.GossipStore;
import dev.parley.protocols.replication.KvReply;
import dev.parley.protocols.replication.KvRequest;
import dev.parley.protocols.replication.PrimaryBackup;
import dev.parley.protocols.replication.QuorumReplication;
import dev.parley.protocols.replication.RaftKv;
import dev.parley.protocols.replication.RequestId;
import dev.parley.protocols.replication.TwoPhaseCommit;
import dev.parley.protocols.replication.VersionedStore;
import dev.parley.testkit.checker.CausalConsistencyChecker;
import dev.parley.testkit.checker.EventualConsistencyChecker;
import dev.parley.testkit.checker.LinearizabilityChecker;
import dev.parley.testkit.checker.SequentialConsistencyChecker;
import dev.parley.testkit.checker.Verdict;
import dev.parley.testkit.kv.KvWorkload;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.LongFunction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Which consistency model each key-value store gives, as measured: the same clients run against
 * Raft, primary-backup, two-phase commit (single keys), quorums with R+W>N and with R+W<=N, and the
 * gossip store, three nodes each, over lossy links (1-10 ms, 5% lost, 5% duplicated, 10% reordered)
 * with n3 cut off from the others from 200 to 700 ms. Each of four clients does 12 puts and gets on
 * two keys, each at a node drawn at random (no sticky sessions); then the store is left alone for 2 s
 * and every key is read at every node. Each run is judged by every checker, from linearizability
 * down to eventual consistency; the table printed is the one in docs/consistency.md.
 *
 * <p>The stores that are linearizable give every weaker model on every seed; the gossip store and
 * quorums that need not meet break sequential consistency and session guarantees on some seed, and
 * still converge. On every run the checkers agree with the models' order: linearizable implies
 * sequential implies causal implies each session guarantee.
 */
class ConsistencyModelsSpec {

  static final int SEEDS = 5;
  static final List<String> KEYS = List.of("k1", "k2");

  /** The models of the table, weakest last, each with its checker. */
  enum Model {
    LINEARIZABLE("linearizable"),
    SEQUENTIAL("sequential"),
    CAUSAL("causal"),
    READ_YOUR_WRITES("RYW"),
    MONOTONIC_READS("MR"),
    MONOTONIC_WRITES("MW"),
    WRITES_FOLLOW_READS("WFR"),
    EVENTUAL("eventual");

    final String column;

    Model(String column) {
      this.column = column;
    }
  }

  /** A store under test: its simulation for a seed, how a request reaches it, what its replicas hold. */
  record Store<C>(String name, LongFunction<Simulation<C>> simulation, Function<KvRequest, C> downcall,
      Function<Simulation<C>, Map<String, Map<String, String>>> replicas) {}

  /** One run's verdicts. */
  record Run(long seed, Map<Model, Verdict> verdicts) {

    boolean valid(Model model) {
      return verdicts.get(model).valid();
    }
  }

  static final Store<RaftKv.Command> RAFT = new Store<>("Raft", seed -> Simulation.<RaftKv.Command>builder(3,
          (peers, env, upcalls) -> RaftKv.create("kv", peers, env, RaftKv.Settings.DEFAULT, upcalls.narrow()))
      .seed(seed).faults(LOSSY).build(), RaftKv.Request::new, sim -> Map.of());

  static final Store<PrimaryBackup.Command> PRIMARY_BACKUP = new Store<>("primary-backup",
      seed -> PrimaryBackupSpec.sim(seed, 3, LOSSY, PrimaryBackupSpec.CORRECT), PrimaryBackup.Request::new,
      sim -> {
        Map<String, Map<String, String>> replicas = new TreeMap<>();
        sim.nodes().forEach(n -> replicas.put(n.name(), PrimaryBackupSpec.status(sim, n).values()));
        return replicas;
      });

  static final Store<TwoPhaseCommit.Command> TWO_PHASE_COMMIT = new Store<>("2PC (single keys)",
      seed -> TwoPhaseCommitSpec.sim(3, seed, LOSSY, TwoPhaseCommit.Settings.DEFAULT), TwoPhaseCommit.Request::new,
      sim -> Map.of());

  static final Store<QuorumReplication.Command> MAJORITY_QUORUMS = quorums("quorums R=W=2",
      QuorumReplicationSpec.MAJORITIES);

  static final Store<QuorumReplication.Command> QUORUMS_OF_ONE = quorums("quorums R=W=1",
      QuorumReplicationSpec.ONE_AND_ONE);

  static final Store<GossipStore.Command> GOSSIP = new Store<>("gossip",
      seed -> GossipStoreSpec.store(3, seed, LOSSY), GossipStore.Request::new, GossipStoreSpec::replicas);

  static Store<QuorumReplication.Command> quorums(String name, QuorumReplication.Settings settings) {
    return new Store<>(name, seed -> QuorumReplicationSpec.store(settings, seed, LOSSY),
        QuorumReplication.Request::new, sim -> {
          Map<String, Map<String, String>> replicas = new TreeMap<>();
          sim.nodes().forEach(n -> replicas.put(n.name(),
              new VersionedStore(QuorumReplicationSpec.status(sim, n).entries()).values()));
          return replicas;
        });
  }

  static final Map<String, List<Run>> MEASURED = new LinkedHashMap<>();

  @BeforeAll
  static void measureEveryStore() {
    long start = System.nanoTime();
    for (Store<?> store : List.of(RAFT, PRIMARY_BACKUP, TWO_PHASE_COMMIT, MAJORITY_QUORUMS, QUORUMS_OF_ONE, GOSSIP)) {
      long begin = System.nanoTime();
      MEASURED.put(store.name(), measure(store));
      System.out.printf("%s: %d ms%n", store.name(), (System.nanoTime() - begin) / 1_000_000);
    }
    System.out.printf("consistency models of %d stores, %d seeds each, measured in %d ms%n", MEASURED.size(), SEEDS,
        (System.nanoTime() - start) / 1_000_000);
    table().forEach(System.out::println);
    firstViolation(GOSSIP.name(), Model.READ_YOUR_WRITES);
    firstViolation(QUORUMS_OF_ONE.name(), Model.MONOTONIC_WRITES);
  }

  /** Prints the first seed's counterexample to {@code model} on {@code store}, if any. */
  static void firstViolation(String store, Model model) {
    MEASURED.get(store).stream().filter(run -> run.verdicts().get(model).outcome() == Verdict.Outcome.INVALID)
        .findFirst().ifPresent(run -> System.out.printf("%s, seed %d: %s%n", store, run.seed(),
            run.verdicts().get(model).report()));
  }

  static <C> List<Run> measure(Store<C> store) {
    List<Run> runs = new ArrayList<>();
    Simulations.forSeeds(1, SEEDS, seed -> runs.add(run(store, seed)));
    return runs;
  }

  static <C> Run run(Store<C> store, long seed) {
    Simulation<C> sim = store.simulation().apply(seed);
    sim.nemesis(ms(200), NemesisCommand.Partition.parse("n3/n1,n2"));
    sim.nemesis(ms(700), new NemesisCommand.Heal());
    KvWorkload.Result r = KvWorkload.of(sim, store.downcall()).roaming().clients(4).keys(KEYS.size())
        .operations(12).mix(0.5, 0).think(ms(40)).timeout(Duration.ofSeconds(1)).run(Duration.ofSeconds(30));
    sim.runFor(Duration.ofSeconds(2));
    long quietFrom = sim.elapsed().toNanos();
    History all = concat(r.history(), finalReads(sim, store));
    History h = r.history();
    Map<Model, Verdict> verdicts = new EnumMap<>(Model.class);
    verdicts.put(Model.LINEARIZABLE, LinearizabilityChecker.forRegisters().check(h));
    verdicts.put(Model.SEQUENTIAL, SequentialConsistencyChecker.forRegisters().check(h));
    verdicts.put(Model.CAUSAL, CausalConsistencyChecker.causal().check(h));
    verdicts.put(Model.READ_YOUR_WRITES, CausalConsistencyChecker.readYourWrites().check(h));
    verdicts.put(Model.MONOTONIC_READS, CausalConsistencyChecker.monotonicReads().check(h));
    verdicts.put(Model.MONOTONIC_WRITES, CausalConsistencyChecker.monotonicWrites().check(h));
    verdicts.put(Model.WRITES_FOLLOW_READS, CausalConsistencyChecker.writesFollowReads().check(h));
    verdicts.put(Model.EVENTUAL, new EventualConsistencyChecker().check(
        new EventualConsistencyChecker.Quiesced(all, quietFrom, store.replicas().apply(sim))));
    return new Run(seed, verdicts);
  }

  /** Every key read at every node, a node that names the leader being asked again at the leader. */
  static <C> History finalReads(Simulation<C> sim, Store<C> store) {
    HistoryRecorder reads = new HistoryRecorder(() -> sim.elapsed().toNanos());
    long seq = 0;
    for (NodeId node : sim.nodes()) {
      String process = "final@" + node.name();
      for (String key : KEYS) {
        Get get = new Get(new RequestId(process, ++seq), key);
        HistoryRecorder.Handle h = reads.invoke(process, "get", key, null);
        KvReply reply = ask(sim, store, node, get);
        if (reply instanceof KvReply.NotLeader redirect && redirect.leader() != null) {
          reply = ask(sim, store, redirect.leader(), get);
        }
        if (reply instanceof KvReply.Ok ok) {
          reads.ok(h, ok.value());
        } else {
          reads.info(h, String.valueOf(reply));
        }
      }
    }
    return reads.history();
  }

  /** The reply {@code node} gives to {@code request} within 2 s, or null. */
  static <C> KvReply ask(Simulation<C> sim, Store<C> store, NodeId node, KvRequest request) {
    sim.tell(node, store.downcall().apply(request));
    long deadline = sim.elapsed().plus(Duration.ofSeconds(2)).toNanos();
    while (sim.elapsed().toNanos() < deadline) {
      for (KvReply reply : sim.upcalls(node, KvReply.class)) {
        if (reply.id().equals(request.id())) {
          return reply;
        }
      }
      if (!sim.step()) {
        break;
      }
    }
    return null;
  }

  /** The ops of {@code first}, then those of {@code second} renumbered to follow them. */
  static History concat(History first, History second) {
    History.Builder all = History.builder();
    first.forEach(all::add);
    long offset = first.isEmpty() ? 0 : first.ops().get(first.size() - 1).index() + 1;
    second.forEach(op -> all.add(new Op(op.index() + offset, op.process(), op.type(), op.f(), op.key(),
        op.value(), op.timeNanos(), op.error())));
    return all.build();
  }

  /** Store by model: on how many of the seeds the store's history had the model. */
  static List<String> table() {
    List<String> lines = new ArrayList<>();
    StringBuilder header = new StringBuilder(String.format("| %-17s |", "store"));
    StringBuilder rule = new StringBuilder("|-------------------|");
    for (Model m : Model.values()) {
      header.append(String.format(" %-12s |", m.column));
      rule.append("--------------|");
    }
    lines.add(header.toString());
    lines.add(rule.toString());
    MEASURED.forEach((store, runs) -> {
      StringBuilder row = new StringBuilder(String.format("| %-17s |", store));
      for (Model m : Model.values()) {
        long valid = runs.stream().filter(run -> run.valid(m)).count();
        long unknown = runs.stream().filter(run -> run.verdicts().get(m).outcome() == Verdict.Outcome.UNKNOWN).count();
        row.append(String.format(" %-12s |", (valid == runs.size() ? "yes " : "no ") + valid + "/" + runs.size()
            + (unknown == 0 ? "" : ", " + unknown + " ?")));
      }
      lines.add(row.toString());
    });
    return lines;
  }

  // ---------------------------------------------------------------- what the table must show

  @Test
  void linearizableStoresGiveEveryWeakerModelOnEverySeed() {
    for (String store : List.of(RAFT.name(), PRIMARY_BACKUP.name(), TWO_PHASE_COMMIT.name(), MAJORITY_QUORUMS.name())) {
      for (Run run : MEASURED.get(store)) {
        run.verdicts().forEach((model, verdict) ->
            assertThat(verdict.valid()).as("%s, seed %d, %s: %s", store, run.seed(), model, verdict.report())
                .isTrue());
      }
    }
  }

  @Test
  void theCheckersAgreeWithTheOrderOfTheModelsOnEveryRun() {
    MEASURED.forEach((store, runs) -> runs.forEach(run -> {
      String where = store + ", seed " + run.seed();
      if (run.valid(Model.LINEARIZABLE)) {
        assertThat(run.valid(Model.SEQUENTIAL)).as("%s: linearizable, so sequential", where).isTrue();
      }
      if (run.valid(Model.SEQUENTIAL)) {
        assertThat(run.valid(Model.CAUSAL)).as("%s: sequential, so causal", where).isTrue();
      }
      if (run.valid(Model.CAUSAL)) {
        for (Model guarantee : List.of(Model.READ_YOUR_WRITES, Model.MONOTONIC_READS, Model.MONOTONIC_WRITES,
            Model.WRITES_FOLLOW_READS)) {
          assertThat(run.valid(guarantee)).as("%s: causal, so %s", where, guarantee).isTrue();
        }
      }
    }));
  }

  @Test
  void gossipAndQuorumsThatNeedNotMeetBreakSessionGuaranteesForRoamingClientsYetConverge() {
    for (String store : List.of(GOSSIP.name(), QUORUMS_OF_ONE.name())) {
      List<Run> runs = MEASURED.get(store);
      assertThat(runs).as("%s: seeds not sequentially consistent", store)
          .anyMatch(run -> !run.valid(Model.SEQUENTIAL));
      assertThat(runs).as("%s: seeds breaking read-your-writes or monotonic reads", store)
          .anyMatch(run -> !run.valid(Model.READ_YOUR_WRITES) || !run.valid(Model.MONOTONIC_READS));
      for (Run run : runs) {
        Verdict eventual = run.verdicts().get(Model.EVENTUAL);
        assertThat(eventual.valid()).as("%s, seed %d: %s", store, run.seed(), eventual.report()).isTrue();
      }
    }
  }
}
