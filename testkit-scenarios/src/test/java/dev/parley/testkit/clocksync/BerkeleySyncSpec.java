package dev.parley.testkit.clocksync;

import static dev.parley.testkit.clocksync.Clocks.EPOCH;
import static dev.parley.testkit.clocksync.Clocks.ms;
import static dev.parley.testkit.clocksync.Clocks.msText;
import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.TestInbox;
import dev.parley.protocols.clock.BerkeleySync;
import dev.parley.protocols.clock.BerkeleySync.Adjusted;
import dev.parley.protocols.clock.BerkeleySync.RoundCompleted;
import dev.parley.protocols.clock.DriftingClock;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The Berkeley algorithm in the simulation: five nodes whose clocks are off by up to 20 ms and
 * drift, links delayed uniformly in [1, 5] ms, so a node's estimate is off by at most half of
 * max − min and the clocks should agree within max − min = 4 ms after a round. The spread is
 * measured on the true readings (each node's injected clock plus the adjustments it reported).
 */
class BerkeleySyncSpec {

  static final int N = 5;
  static final NodeId MASTER = NodeId.n(1);
  static final Duration MIN = ms(1);
  static final Duration MAX = ms(5);
  static final long BOUND = MAX.minus(MIN).toNanos();
  static final FaultPlan LINKS = FaultPlan.none().withDelay(Delay.uniform(MIN, MAX));
  static final int SEEDS = 60;

  /** A run and the clocks injected into its nodes. */
  record Run(Simulation<Object> sim, Map<NodeId, DriftingClock> injected) {

    /** Each node's clock as it is now: the injected one plus every adjustment it reported. */
    Map<NodeId, DriftingClock> clocks() {
      Map<NodeId, DriftingClock> now = new HashMap<>();
      injected.forEach(
          (node, clock) -> {
            long sum = sim.upcalls(node, Adjusted.class).stream().mapToLong(Adjusted::adjustment).sum();
            now.put(node, clock.adjustedBy(sum));
          });
      return now;
    }

    long spreadNow() {
      return Clocks.spread(clocks(), DriftingClock.nanos(sim.now()));
    }

    /** Runs until every node has applied the adjustment of round {@code round}. */
    void awaitRound(int round) {
      sim.runUntil(v -> v.nodes().stream().allMatch(n -> v.upcalls(n, Adjusted.class).stream()
          .anyMatch(a -> a.round() == round)));
    }
  }

  static Run start(long seed, Map<NodeId, DriftingClock> clocks, BerkeleySync.Settings settings) {
    return start(seed, clocks, settings, LINKS);
  }

  static Run start(
      long seed, Map<NodeId, DriftingClock> clocks, BerkeleySync.Settings settings, FaultPlan links) {
    Simulation<Object> sim =
        Simulation.builder(
                N,
                Clocks.<BerkeleySync.Command>untyped(
                    (peers, env, upcalls) ->
                        BerkeleySync.create(
                            MASTER, clocks.get(env.node()), settings, peers, env, upcalls)))
            .seed(seed)
            .startingAt(Clocks.START)
            .faults(links)
            .build();
    return new Run(sim, clocks);
  }

  static Map<NodeId, DriftingClock> clocks(Random random, double maxPpm) {
    Map<NodeId, DriftingClock> clocks = new HashMap<>();
    for (int i = 1; i <= N; i++) {
      clocks.put(NodeId.n(i), Clocks.random(random, ms(20), maxPpm));
    }
    return clocks;
  }

  /** Drift during a round of at most 3 message delays, for both ends of the spread. */
  static long driftSlack(double maxPpm) {
    return (long) Math.ceil(2 * maxPpm * 1e-6 * 3 * MAX.toNanos()) + N;
  }

  static final BerkeleySync.Settings ON_DEMAND = new BerkeleySync.Settings(ms(50), Duration.ZERO);

  @Test
  void oneRoundBringsTheClocksWithinTheRoundTripUncertainty() {
    long[] worst = {0, Long.MAX_VALUE};
    Simulations.forSeeds(1, SEEDS, seed -> {
      Run run = start(seed, clocks(new Random(seed), 100), ON_DEMAND);
      run.sim().tell(ms(10), MASTER, new BerkeleySync.StartRound());
      run.sim().runUntil(ms(10));
      long before = run.spreadNow();
      run.awaitRound(1);
      long after = run.spreadNow();
      assertThat(after).as("spread after a round (before: %s)", msText(before))
          .isLessThanOrEqualTo(BOUND + driftSlack(100));
      assertThat(run.sim().upcalls(MASTER, RoundCompleted.class).get(0).excluded()).isEmpty();
      worst[0] = Math.max(worst[0], after);
      worst[1] = Math.min(worst[1], before);
    });
    System.out.printf(
        "Berkeley, %d nodes, delays U(1,5) ms, %d seeds: spread before >= %s, after <= %s"
            + " (bound max-min = %s)%n",
        N, SEEDS, msText(worst[1]), msText(worst[0]), msText(BOUND));
  }

  @Test
  void anOutlierIsLeftOutOfTheAverageAndStillCorrected() {
    NodeId outlier = NodeId.n(4);
    long[] pull = {0, 0}; // largest |average| with the threshold, smallest without
    Simulations.forSeeds(1, SEEDS / 2, seed -> {
      for (boolean filtering : new boolean[] {true, false}) {
        Map<NodeId, DriftingClock> clocks = clocks(new Random(seed), 100);
        clocks.put(outlier, clocks.get(outlier).adjustedBy(Duration.ofSeconds(2).toNanos()));
        BerkeleySync.Settings settings =
            filtering ? ON_DEMAND : new BerkeleySync.Settings(Duration.ofHours(1), Duration.ZERO);
        Run run = start(seed, clocks, settings);
        run.sim().tell(ms(10), MASTER, new BerkeleySync.StartRound());
        run.awaitRound(1);
        RoundCompleted done = run.sim().upcalls(MASTER, RoundCompleted.class).get(0);
        // the outlier is corrected all the same: it agrees with the others afterwards
        assertThat(run.spreadNow()).isLessThanOrEqualTo(BOUND + driftSlack(100));
        if (filtering) {
          assertThat(done.excluded()).containsExactly(outlier);
          // honest clocks are within ±20 ms of true time, so their differences within ±40 ms
          assertThat(Math.abs(done.average())).isLessThanOrEqualTo(ms(40).toNanos() + BOUND);
          pull[0] = Math.max(pull[0], Math.abs(done.average()));
        } else {
          // negative case: a plain average moves every clock by about 2 s / N
          assertThat(done.excluded()).isEmpty();
          assertThat(done.average()).isGreaterThan(Duration.ofSeconds(2).toNanos() / N - ms(45).toNanos());
          pull[1] = pull[1] == 0 ? done.average() : Math.min(pull[1], done.average());
        }
      }
    });
    System.out.printf(
        "Berkeley, one clock 2 s ahead: group moved by at most %s with the outlier left out,"
            + " at least %s by a plain average%n",
        msText(pull[0]), msText(pull[1]));
  }

  static final FaultPlan LOSSY = LINKS.withDrop(0.25).withDuplicate(0.2);
  static final BerkeleySync.Settings RETRYING =
      new BerkeleySync.Settings(ms(50), Duration.ZERO, ms(20), ms(500));

  /** Drift during {@code span}, for both ends of the spread. */
  static long driftSlack(double maxPpm, Duration span) {
    return (long) Math.ceil(2 * maxPpm * 1e-6 * span.toNanos()) + N;
  }

  @Test
  void underLossAndDuplicationRetriesCompleteEveryRoundWithinTheBound() {
    long[] worst = {0};
    int[] retries = {0};
    Simulations.forSeeds(1, SEEDS / 2, seed -> {
      Run run = start(seed, clocks(new Random(seed), 100), RETRYING, LOSSY);
      for (int round = 1; round <= 3; round++) {
        Duration at = Duration.ofSeconds(round);
        run.sim().tell(at, MASTER, new BerkeleySync.StartRound());
        run.sim().runUntil(at);
        run.awaitRound(round);
        Duration took = run.sim().elapsed().minus(at);
        RoundCompleted done = run.sim().upcalls(MASTER, RoundCompleted.class).get(round - 1);
        assertThat(done.round()).isEqualTo(round);
        assertThat(done.missing()).as("round %d reached every node", round).isEmpty();
        // copies of an adjustment were not applied twice: one per node and round
        for (NodeId node : run.sim().nodes()) {
          assertThat(run.sim().upcalls(node, Adjusted.class)).hasSize(round);
        }
        long spread = run.spreadNow();
        assertThat(spread).as("spread after round %d", round)
            .isLessThanOrEqualTo(BOUND + driftSlack(100, took));
        worst[0] = Math.max(worst[0], spread);
      }
      run.sim().runFor(Duration.ofSeconds(1));
      retries[0] += statusOf(run, MASTER).retries();
    });
    System.out.printf(
        "Berkeley, %d nodes, delays U(1,5) ms, 25%% loss, 20%% duplication, retry 20 ms, %d seeds x 3"
            + " rounds: spread after <= %s (bound %s), %d resent polls and adjustments%n",
        N, SEEDS / 2, msText(worst[0]), msText(BOUND), retries[0]);
  }

  static BerkeleySync.Status statusOf(Run run, NodeId node) {
    TestInbox<BerkeleySync.Status> inbox = TestInbox.create();
    run.sim().tell(node, new BerkeleySync.GetStatus(inbox.getRef()));
    run.sim().runFor(Duration.ZERO);
    return inbox.receiveMessage();
  }

  @Test
  void aRoundThatCannotReachANodeGoesOnWithoutItAndTheNextReachesItAgain() {
    NodeId down = NodeId.n(5);
    Simulations.forSeeds(1, SEEDS / 3, seed -> {
      Run run = start(seed, clocks(new Random(seed), 100), RETRYING, LOSSY);
      run.sim().crash(ms(5), down);
      run.sim().tell(ms(10), MASTER, new BerkeleySync.StartRound());
      run.sim().runUntil(v -> !v.upcalls(MASTER, RoundCompleted.class).isEmpty());
      RoundCompleted first = run.sim().upcalls(MASTER, RoundCompleted.class).get(0);
      assertThat(first.missing()).containsExactly(down);
      assertThat(run.sim().elapsed()).as("the round waited for its timeout").isGreaterThanOrEqualTo(ms(510));
      run.sim().runFor(Duration.ofSeconds(1));
      Map<NodeId, DriftingClock> reached = new HashMap<>(run.clocks());
      reached.remove(down);
      assertThat(Clocks.spread(reached, DriftingClock.nanos(run.sim().now())))
          .as("the nodes the round reached").isLessThanOrEqualTo(BOUND + driftSlack(100, Duration.ofSeconds(2)));
      assertThat(statusOf(run, MASTER).missing()).containsExactly(down);

      run.sim().restart(Duration.ofSeconds(2), down);
      run.sim().tell(Duration.ofSeconds(3), MASTER, new BerkeleySync.StartRound());
      run.sim().runUntil(Duration.ofSeconds(3));
      run.awaitRound(2);
      assertThat(run.sim().upcalls(MASTER, RoundCompleted.class).get(1).missing()).isEmpty();
      assertThat(run.spreadNow()).as("all five after the restarted node is reached")
          .isLessThanOrEqualTo(BOUND + driftSlack(100, Duration.ofSeconds(1)));
    });
  }

  @Test
  void aPartitionedNodeIsLeftOutAndTheRoundAfterTheHealReachesIt() {
    NodeId away = NodeId.n(5);
    Simulations.forSeeds(1, SEEDS / 6, seed -> {
      Run run = start(seed, clocks(new Random(seed), 100), RETRYING, LINKS);
      run.sim().nemesis(ms(5), NemesisCommand.Partition.parse("n1,n2,n3,n4/n5"));
      run.sim().tell(ms(10), MASTER, new BerkeleySync.StartRound());
      run.sim().runUntil(Duration.ofSeconds(1));
      assertThat(run.sim().upcalls(MASTER, RoundCompleted.class).get(0).missing()).containsExactly(away);
      assertThat(run.sim().upcalls(away, Adjusted.class)).isEmpty();
      run.sim().nemesis(Duration.ofSeconds(2), new NemesisCommand.Heal());
      run.sim().tell(Duration.ofSeconds(3), MASTER, new BerkeleySync.StartRound());
      run.sim().runUntil(Duration.ofSeconds(3));
      run.awaitRound(2);
      assertThat(run.sim().upcalls(MASTER, RoundCompleted.class).get(1).missing()).isEmpty();
      assertThat(run.spreadNow()).isLessThanOrEqualTo(BOUND + driftSlack(100, Duration.ofSeconds(1)));
    });
  }

  @Test
  void withoutRetriesALostMessageStallsTheRoundUntilItsTimeout() {
    BerkeleySync.Settings never =
        new BerkeleySync.Settings(ms(50), Duration.ZERO, Duration.ofHours(1), Duration.ofHours(1));
    int[] stalled = {0};
    Simulations.forSeeds(1, 10, seed -> {
      Run run = start(seed, clocks(new Random(seed), 100), never, LOSSY);
      run.sim().tell(ms(10), MASTER, new BerkeleySync.StartRound());
      run.sim().runUntil(Duration.ofSeconds(5));
      boolean allAdjusted = run.sim().nodes().stream()
          .allMatch(n -> !run.sim().upcalls(n, Adjusted.class).isEmpty());
      if (!allAdjusted) {
        stalled[0]++;
      }
    });
    // 12 messages a round at 25% loss: every one arrives with probability 0.75^12, about 3%
    assertThat(stalled[0]).as("rounds left incomplete without retries").isGreaterThanOrEqualTo(8);
  }

  /** n2 gains 1000 ppm, n3 loses 1000 ppm, the others drift less. */
  static Map<NodeId, DriftingClock> drifting(long seed) {
    Map<NodeId, DriftingClock> clocks = clocks(new Random(seed), 500);
    clocks.put(NodeId.n(2), new DriftingClock(clocks.get(NodeId.n(2)).offsetNanos(), 1000, EPOCH));
    clocks.put(NodeId.n(3), new DriftingClock(clocks.get(NodeId.n(3)).offsetNanos(), -1000, EPOCH));
    return clocks;
  }

  @Test
  void driftSpreadsTheClocksAgainAndPeriodicRoundsKeepThemBounded() {
    Duration period = ms(500);
    // after a round, the spread grows at up to 2000 ppm (n2 against n3) until the next
    long periodic = BOUND + (long) (2000e-6 * (period.toNanos() + 3 * MAX.toNanos())) + driftSlack(1000);
    long[] worst = {0, Long.MAX_VALUE};
    Simulations.forSeeds(1, SEEDS / 3, seed -> {
      // one round only: the clocks agree, then drift apart
      Run once = start(seed, drifting(seed), ON_DEMAND);
      once.sim().tell(ms(10), MASTER, new BerkeleySync.StartRound());
      once.awaitRound(1);
      assertThat(once.spreadNow()).isLessThanOrEqualTo(BOUND + driftSlack(1000));
      once.sim().runUntil(Duration.ofSeconds(20));
      long apart = once.spreadNow();
      assertThat(apart).as("20 s after a single round").isGreaterThan(periodic);
      worst[1] = Math.min(worst[1], apart);

      // a round every 500 ms: just before each (the widest point), the spread stays bounded
      Run kept = start(seed, drifting(seed), new BerkeleySync.Settings(ms(50), period));
      for (int k = 2; k <= 40; k++) {
        kept.sim().runUntil(period.multipliedBy(k).minus(ms(1)));
        long spread = kept.spreadNow();
        assertThat(spread).as("before round %d", k).isLessThanOrEqualTo(periodic);
        worst[0] = Math.max(worst[0], spread);
      }
    });
    System.out.printf(
        "Berkeley, drift up to ±1000 ppm: rounds every %s keep the spread <= %s (bound %s);"
            + " 20 s after one round it is >= %s%n",
        period, msText(worst[0]), msText(periodic), msText(worst[1]));
  }
}
