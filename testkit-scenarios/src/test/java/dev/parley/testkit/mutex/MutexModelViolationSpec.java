package dev.parley.testkit.mutex;

import static dev.parley.testkit.mutex.Algorithms.ms;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.mutex.DecentralizedMutex;
import dev.parley.protocols.mutex.LamportMutex;
import dev.parley.protocols.mutex.MutexProtocol;
import dev.parley.protocols.mutex.RicartAgrawala;
import dev.parley.testkit.checker.MutualExclusionChecker;
import dev.parley.testkit.checker.Verdict;
import dev.parley.testkit.sim.Simulation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Test;

/**
 * What breaks when an algorithm runs outside its model, and that the checker catches it: Ricart and
 * Agrawala over links that lose messages, Lamport's mutex over links that reorder, majority voting
 * whose restarted coordinators vote at once.
 */
class MutexModelViolationSpec {

  static final int SEEDS = 20;
  static final MutualExclusionChecker CHECKER =
      MutualExclusionChecker.create().withoutFairness().withLiveness(0, Duration.ofSeconds(5).toNanos());

  /** The verdicts of runs over seeds 1..SEEDS of what {@code run} builds, all nodes contending. */
  private static List<Verdict> verdicts(
      LongFunction<Simulation<Object>> run, List<NodeId> contenders, MutexProtocol<?> mutex) {
    List<Verdict> verdicts = new ArrayList<>();
    for (long seed = 1; seed <= SEEDS; seed++) {
      Simulation<Object> sim = run.apply(seed);
      SimContention.Result r = SimContention.of(sim, contenders == null ? sim.nodes() : contenders, mutex)
          .rounds(4).hold(ms(1), ms(5)).think(ms(0), ms(8)).run(Duration.ofSeconds(30));
      verdicts.add(CHECKER.check(r.events()));
    }
    return verdicts;
  }

  private static List<Verdict> invalid(List<Verdict> verdicts) {
    return verdicts.stream().filter(v -> !v.valid()).toList();
  }

  @Test
  void ricartAgrawalaWithoutAReliableLinkWaitsForEverForALostMessage() {
    FaultPlan lossy = FaultPlan.NONE.withDelay(Delay.uniform(Duration.ZERO, ms(5))).withDrop(0.02);
    List<Verdict> verdicts = verdicts(s -> Algorithms.ricartAgrawala(5).seed(s).faults(lossy).build(), null,
        RicartAgrawala.MUTEX);

    assertThat(invalid(verdicts)).hasSizeGreaterThan(SEEDS / 2).allSatisfy(v ->
        assertThat(v.summary()).contains("liveness").contains("never granted").doesNotContain("safety"));
  }

  @Test
  void lamportsMutexOverLinksThatReorderLosesRequests() {
    FaultPlan reordering = FaultPlan.NONE.withDelay(Delay.uniform(Duration.ZERO, ms(5))).withReorder(0.3, ms(5));
    List<Verdict> verdicts = verdicts(s -> Algorithms.lamport(5).seed(s).faults(reordering).build(), null,
        LamportMutex.MUTEX);

    assertThat(invalid(verdicts)).isNotEmpty().allSatisfy(v ->
        assertThat(v.summary()).contains("never granted"));
  }

  /** Three nodes; n2 only coordinates, and restarts ten times in the first 400 ms. */
  private static LongFunction<Simulation<Object>> restartingCoordinator(boolean grace) {
    FaultPlan slow = FaultPlan.NONE.withDelay(Delay.uniform(Duration.ZERO, ms(2)));
    return seed -> {
      Simulation<Object> sim = Algorithms.decentralized(3,
          Algorithms.VOTING_SETTINGS.withGraceAfterStart(grace)).seed(seed).faults(slow).build();
      Random random = new Random(seed);
      for (int i = 0; i < 10; i++) {
        sim.restart(ms(5 + random.nextInt(400)), NodeId.n(2));
      }
      return sim;
    };
  }

  @Test
  void majorityVotingWithoutAGracePeriodHandsOutARestartedCoordinatorsVoteTwice() {
    List<NodeId> contenders = List.of(NodeId.n(1), NodeId.n(3));

    assertThat(invalid(verdicts(restartingCoordinator(false), contenders, DecentralizedMutex.MUTEX)))
        .isNotEmpty().allSatisfy(v ->
            assertThat(v.summary()).contains("safety").contains("while another node held the lock"));
    assertThat(invalid(verdicts(restartingCoordinator(true), contenders, DecentralizedMutex.MUTEX))).isEmpty();
  }
}
