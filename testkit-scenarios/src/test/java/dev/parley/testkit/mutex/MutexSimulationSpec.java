package dev.parley.testkit.mutex;

import static dev.parley.testkit.mutex.Algorithms.ms;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.mutex.DecentralizedMutex;
import dev.parley.protocols.mutex.LamportMutex;
import dev.parley.protocols.mutex.LockClient;
import dev.parley.protocols.mutex.Maekawa;
import dev.parley.protocols.mutex.MutexProtocol;
import dev.parley.protocols.mutex.RicartAgrawala;
import dev.parley.protocols.mutex.TokenRing;
import dev.parley.testkit.checker.MutualExclusionChecker;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.SimulationFailure;
import dev.parley.testkit.sim.Simulations;
import dev.parley.testkit.sim.StorageFaults;
import dev.parley.testkit.sim.Swarm;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Every mutual-exclusion algorithm in the deterministic simulation, over many seeds, with contention
 * from every node and the faults its model allows; safety, liveness, fairness (where the algorithm
 * promises an order) and fencing are checked on the log of every run.
 */
class MutexSimulationSpec {

  /** Delays up to 5 ms, a fifth of messages held back to be overtaken, a tenth duplicated. */
  static final FaultPlan UNRULY =
      FaultPlan.NONE
          .withDelay(Delay.uniform(Duration.ZERO, ms(5)))
          .withReorder(0.2, ms(5))
          .withDuplicate(0.1);

  /** Delays only (links of the FIFO models keep order on top of them). */
  static final FaultPlan SLOW = FaultPlan.NONE.withDelay(Delay.uniform(Duration.ZERO, ms(5)));

  static final int SEEDS = 200;
  static final int ROUNDS = 4;
  static final Duration DEADLINE = Duration.ofSeconds(60);

  private static SimContention.Result contend(
      Simulation<Object> sim, List<NodeId> contenders, MutexProtocol<?> mutex) {
    return SimContention.of(sim, contenders, mutex).rounds(ROUNDS)
        .hold(ms(1), ms(5)).think(ms(0), ms(8)).run(DEADLINE);
  }

  private static void requireAllEntered(SimContention.Result r, int contenders) {
    assertThat(r.entries()).as("entries completed").isEqualTo(contenders * ROUNDS);
  }

  @Test
  void lockServerOverLossyLinksThroughServerCrashes() {
    Simulations.forSeeds(1, SEEDS, seed -> {
      int n = 3 + (int) (seed % 3);
      Simulation<Object> sim = Algorithms.lockServer(n).freshInvariant(MutexInvariants::new).seed(seed).faults(UNRULY.withDrop(0.1)).build();
      Random random = new Random(seed);
      long crashAt = 10 + random.nextInt(60);
      sim.crash(ms(crashAt), Algorithms.SERVER);
      sim.restart(ms(crashAt + 5 + random.nextInt(30)), Algorithms.SERVER);
      SimContention.Result r = contend(sim, Algorithms.clients(n), LockClient.MUTEX);
      MutualExclusionChecker.create().withLiveness(0, Duration.ofSeconds(5).toNanos())
          .withFairness(MutualExclusionChecker.BY_PRIORITY).check(r.events()).requireValid();
      requireAllEntered(r, n);
      assertThat(sim.persistedEvents(Algorithms.SERVER)).isNotEmpty();
    });
  }

  /** Writes take up to 4 ms; one in 20 fails, and the server restarts 20 ms later. */
  static final StorageFaults SLOW_FAILING_JOURNAL = StorageFaults.NONE
      .withWriteDelay(Delay.uniform(Duration.ZERO, ms(4))).withFailRate(0.05).withRestartAfter(ms(20));

  /** A seeded run of {@code group}: lossy links, a slow and failing journal, a server crash. */
  private static SimContention.Result withStorageFaults(Simulation.Builder<Object> group, int n, long seed) {
    Simulation<Object> sim = group.seed(seed).faults(UNRULY.withDrop(0.1)).storage(SLOW_FAILING_JOURNAL).build();
    Random random = new Random(seed);
    long crashAt = 10 + random.nextInt(60);
    sim.crash(ms(crashAt), Algorithms.SERVER);
    sim.restart(ms(crashAt + 5 + random.nextInt(30)), Algorithms.SERVER);
    return contend(sim, Algorithms.clients(n), LockClient.MUTEX);
  }

  @Test
  void lockServerWithASlowAndFailingJournal() {
    Simulations.forSeeds(1, SEEDS / 2, seed -> {
      int n = 3 + (int) (seed % 3);
      SimContention.Result r = withStorageFaults(Algorithms.lockServer(n).freshInvariant(MutexInvariants::new), n, seed);
      MutualExclusionChecker.create().withLiveness(0, Duration.ofSeconds(5).toNanos())
          .withFairness(MutualExclusionChecker.BY_PRIORITY).check(r.events()).requireValid();
      requireAllEntered(r, n);
    });
  }

  @Test
  void aServerThatGrantsBeforeItsWriteCompletesIsCaughtByTheJournalFaults() {
    List<Long> caught = new ArrayList<>();
    for (long seed = 1; seed <= 40; seed++) {
      int n = 3 + (int) (seed % 3);
      SimContention.Result r = withStorageFaults(Algorithms.lockServerGrantingEarly(n), n, seed);
      if (!MutualExclusionChecker.create().check(r.events()).valid()) {
        caught.add(seed);
      }
    }
    assertThat(caught).as("seeds whose history shows two holders at once").hasSizeGreaterThan(1);
  }

  /**
   * A seeded run of {@code group} under the seed's own swarm of faults (the server may crash). With
   * up to 30% loss a grant can be lost until its lease ends, and the client asks again behind later
   * requests: FIFO order and a bound per request are not what the swarm checks, safety, fencing and
   * every client's entries are.
   */
  private static SimContention.Result inASwarm(Simulation.Builder<Object> group, int n, long seed) {
    Swarm swarm = Swarm.draw(seed);
    Simulation<Object> sim = swarm.apply(group.seed(seed)).build();
    swarm.nemesis(sim, ms(150), List.of(Algorithms.SERVER));
    return contend(sim, Algorithms.clients(n), LockClient.MUTEX);
  }

  @Test
  void lockServerUnderEachSeedsOwnSwarmOfFaults() {
    Simulations.forSeeds(1, 40, seed -> {
      int n = 3 + (int) (seed % 3);
      SimContention.Result r = inASwarm(Algorithms.lockServer(n).freshInvariant(MutexInvariants::new), n, seed);
      MutualExclusionChecker checker = MutualExclusionChecker.create();
      checker.safety(r.events()).requireValid();
      checker.fencing(r.events()).requireValid();
      requireAllEntered(r, n);
    });
  }

  @Test
  void theInvariantsStopTheEarlyGrantAtTheStepThatGivesTheLockToASecondHolder() {
    List<String> caught = new ArrayList<>();
    for (long seed = 1; seed <= 20; seed++) {
      int n = 3 + (int) (seed % 3);
      try {
        withStorageFaults(Algorithms.lockServerGrantingEarly(n).freshInvariant(MutexInvariants::new), n, seed);
      } catch (SimulationFailure f) {
        caught.add(f.getMessage().lines().findFirst().orElse(""));
      }
    }
    assertThat(caught).as("runs stopped by a per-step invariant").hasSizeGreaterThan(1)
        .allMatch(m -> m.contains("at step") && (m.contains("mutual exclusion violated")
            || m.contains("fencing tokens must increase")));
  }

  @Test
  void theSwarmCatchesAServerThatGrantsBeforeItsWriteCompletes() {
    List<Long> caught = new ArrayList<>();
    for (long seed = 1; seed <= 40; seed++) {
      int n = 3 + (int) (seed % 3);
      if (!MutualExclusionChecker.create().check(inASwarm(Algorithms.lockServerGrantingEarly(n), n, seed).events())
          .valid()) {
        caught.add(seed);
      }
    }
    assertThat(caught).as("seeds whose history shows two holders at once").hasSizeGreaterThan(1);
  }

  @Test
  void ricartAgrawalaOverReliableLinksThatDelayReorderAndDuplicate() {
    Simulations.forSeeds(1, SEEDS, seed -> {
      int n = 3 + (int) (seed % 5);
      Simulation<Object> sim = Algorithms.ricartAgrawala(n).freshInvariant(MutexInvariants::new).seed(seed).faults(UNRULY).build();
      SimContention.Result r = contend(sim, sim.nodes(), RicartAgrawala.MUTEX);
      MutualExclusionChecker.create().withLiveness(0, Duration.ofSeconds(1).toNanos())
          .withFairness(MutualExclusionChecker.BY_PRIORITY).check(r.events()).requireValid();
      requireAllEntered(r, n);
    });
  }

  @Test
  void lamportOverFifoLinks() {
    Simulations.forSeeds(1, SEEDS, seed -> {
      int n = 3 + (int) (seed % 5);
      Simulation<Object> sim = Algorithms.lamport(n).freshInvariant(MutexInvariants::new).seed(seed).faults(SLOW).fifoLinks(true).build();
      SimContention.Result r = contend(sim, sim.nodes(), LamportMutex.MUTEX);
      MutualExclusionChecker.create().withLiveness(0, Duration.ofSeconds(1).toNanos())
          .withFairness(MutualExclusionChecker.BY_PRIORITY).check(r.events()).requireValid();
      requireAllEntered(r, n);
    });
  }

  @Test
  void maekawaOverFifoLinks() {
    Simulations.forSeeds(1, SEEDS, seed -> {
      int n = 3 + (int) (seed % 7);
      Simulation<Object> sim = Algorithms.maekawa(n).freshInvariant(MutexInvariants::new).seed(seed).faults(SLOW).fifoLinks(true).build();
      SimContention.Result r = contend(sim, sim.nodes(), Maekawa.MUTEX);
      MutualExclusionChecker.create().withLiveness(0, Duration.ofSeconds(1).toNanos())
          .withoutFairness().check(r.events()).requireValid();
      requireAllEntered(r, n);
    });
  }

  @Test
  void tokenRingOverLinksThatLoseTheToken() {
    Simulations.forSeeds(1, SEEDS, seed -> {
      int n = 3 + (int) (seed % 5);
      Simulation<Object> sim = Algorithms.tokenRing(n).freshInvariant(MutexInvariants::new).seed(seed).faults(UNRULY.withDrop(0.05)).build();
      SimContention.Result r = contend(sim, sim.nodes(), TokenRing.MUTEX);
      MutualExclusionChecker.create().withLiveness(0, Duration.ofSeconds(5).toNanos())
          .withoutFairness().check(r.events()).requireValid();
      requireAllEntered(r, n);
    });
  }

  @Test
  void decentralizedVotingOverLossyLinksWithCoordinatorsRestarting() {
    Simulations.forSeeds(1, SEEDS, seed -> {
      int n = 5;
      Simulation<Object> sim =
          Algorithms.decentralized(n, Algorithms.VOTING_SETTINGS).seed(seed).faults(UNRULY.withDrop(0.05)).build();
      Random random = new Random(seed);
      for (int i = 0; i < 3; i++) {
        NodeId coordinator = NodeId.n(4 + random.nextInt(2));
        long at = 50 + random.nextInt(400);
        sim.restart(ms(at), coordinator);
      }
      SimContention.Result r = contend(sim, Algorithms.clients(3), DecentralizedMutex.MUTEX);
      MutualExclusionChecker.create().withLiveness(0, Duration.ofSeconds(10).toNanos())
          .withoutFairness().check(r.events()).requireValid();
      requireAllEntered(r, 3);
    });
  }
}
