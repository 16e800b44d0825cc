package dev.parley.testkit.failure;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.typed.javadsl.Behaviors;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.failure.HeartbeatFailureDetector;
import dev.parley.protocols.failure.PhiAccrualFailureDetector;
import dev.parley.protocols.failure.Restore;
import dev.parley.protocols.failure.Suspect;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.testkit.sim.Invariant;
import dev.parley.testkit.sim.SimProtocol;
import dev.parley.testkit.sim.SimView;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The heartbeat and phi-accrual detectors in the simulation: a crashed node is suspected by every
 * other within the bound, a restarted one restored; and the false-suspicion rate under delay, the
 * figure the catalogue asks to report, measured for several timeouts (thresholds) over a simulated
 * minute of five nodes.
 */
class FailureDetectorSpec {

  static final Duration INTERVAL = Duration.ofMillis(50);
  static final FaultPlan LAN = FaultPlan.NONE.withDelay(Delay.uniform(Duration.ofMillis(1), Duration.ofMillis(10)));

  /** Delays with a long tail: exponential, mean 20 ms, capped at 200 ms. */
  static final FaultPlan SLOW = FaultPlan.NONE.withDelay(Delay.exponential(Duration.ofMillis(20)));

  static SimProtocol<HeartbeatFailureDetector.Command> heartbeat(Duration timeout) {
    return (peers, env, up) -> HeartbeatFailureDetector.create(
        peers, new HeartbeatFailureDetector.Settings(INTERVAL, timeout), up.narrow());
  }

  static SimProtocol<PhiAccrualFailureDetector.Command> phi(double threshold) {
    PhiAccrualFailureDetector.Settings base = PhiAccrualFailureDetector.Settings.of(INTERVAL);
    return (peers, env, up) -> PhiAccrualFailureDetector.create(peers, env,
        new PhiAccrualFailureDetector.Settings(INTERVAL, threshold, base.minStdDeviation(),
            base.acceptablePause(), base.window()), up.narrow());
  }

  /** Crash n3 at 1 s: every other node suspects it within {@code bound}; restart it at 2 s: restored. */
  static void crashIsSuspectedWithinAndRestored(SimProtocol<?> protocol, Duration bound) {
    Simulations.forSeeds(1, 20, seed -> {
      Simulation<?> sim = Simulation.builder(4, protocol).seed(seed).faults(LAN).build();
      NodeId n3 = NodeId.n(3);
      sim.runFor(Duration.ofSeconds(1));
      for (NodeId node : sim.nodes()) {
        assertThat(sim.upcalls(node, Suspect.class)).as("no suspicion before the crash").isEmpty();
      }
      sim.crash(sim.elapsed(), n3);
      sim.runFor(bound);
      for (NodeId node : sim.liveNodes()) {
        assertThat(sim.upcalls(node, Suspect.class)).as("%s suspects n3 within %s", node, bound)
            .containsExactly(new Suspect(node, n3));
      }
      sim.restart(Duration.ofSeconds(2), n3);
      sim.runUntil(Duration.ofMillis(2200));
      for (NodeId node : sim.nodes()) {
        if (!node.equals(n3)) {
          assertThat(sim.upcalls(node, Restore.class)).containsExactly(new Restore(node, n3));
        }
      }
    });
  }

  @Test
  void aCrashedNodeIsSuspectedWithinIntervalPlusTimeoutAndRestoredWhenItReturns() {
    Duration timeout = Duration.ofMillis(200);
    crashIsSuspectedWithinAndRestored(heartbeat(timeout), timeout.plus(INTERVAL).plusMillis(10));
  }

  /**
   * {@code detector}, but n3 never says anything (its process hung before its first heartbeat):
   * every other node suspects it within {@code bound}, and no one else.
   */
  static <C> void aPeerSilentFromTheStartIsSuspectedWithin(SimProtocol<C> detector, Duration bound) {
    NodeId n3 = NodeId.n(3);
    SimProtocol<C> hungN3 = (peers, env, up) ->
        peers.self().equals(n3) ? Behaviors.ignore() : detector.create(peers, env, up);
    Simulations.forSeeds(1, 10, seed -> {
      Simulation<C> sim = Simulation.builder(4, hungN3).seed(seed).faults(LAN).build();
      sim.runFor(bound);
      for (NodeId node : sim.nodes()) {
        if (!node.equals(n3)) {
          assertThat(sim.upcalls(node, Suspect.class)).as("%s suspects n3 within %s", node, bound)
              .containsExactly(new Suspect(node, n3));
        }
      }
    });
  }

  @Test
  void aPeerThatNeverSendsAHeartbeatIsSuspectedByBothDetectors() {
    Duration timeout = Duration.ofMillis(200);
    aPeerSilentFromTheStartIsSuspectedWithin(heartbeat(timeout), timeout.plusMillis(10));
    aPeerSilentFromTheStartIsSuspectedWithin(phi(8.0), Duration.ofMillis(500));
  }

  @Test
  void phiAccrualSuspectsACrashedNodeTooAndRestoresIt() {
    crashIsSuspectedWithinAndRestored(phi(8.0), Duration.ofMillis(500));
  }

  /** False suspicions per monitored pair per minute, and the share of time a live peer stood suspected. */
  record Rate(String setting, double perPairPerMinute, double suspectedShare) {}

  static Rate falseSuspicions(String setting, SimProtocol<?> protocol) {
    int n = 5;
    Duration run = Duration.ofSeconds(60);
    SuspicionClock clock = new SuspicionClock();
    Simulation<?> sim = Simulation.builder(n, protocol).seed(Simulations.seed(7)).faults(SLOW)
        .invariant(clock).build();
    sim.runFor(run);
    int pairs = n * (n - 1);
    return new Rate(setting, clock.suspicions / (double) pairs / run.toMinutes(),
        clock.suspectedNanos(run.toNanos()) / (double) (pairs * run.toNanos()));
  }

  /** Times every Suspect and Restore upcall in virtual time, to add up how long peers stood suspected. */
  static final class SuspicionClock implements Invariant {
    private final Map<NodeId, Integer> seen = new HashMap<>();
    private final Map<List<NodeId>, Long> since = new HashMap<>();
    private long suspicions;
    private long suspected;

    @Override
    public void check(SimView v) {
      long now = v.elapsed().toNanos();
      for (NodeId node : v.nodes()) {
        List<Object> upcalls = v.upcalls(node);
        for (int i = seen.getOrDefault(node, 0); i < upcalls.size(); i++) {
          if (upcalls.get(i) instanceof Suspect s) {
            suspicions++;
            since.put(List.of(node, s.suspect()), now);
          } else if (upcalls.get(i) instanceof Restore r) {
            Long from = since.remove(List.of(node, r.peer()));
            suspected += from == null ? 0 : now - from;
          }
        }
        seen.put(node, upcalls.size());
      }
    }

    long suspectedNanos(long end) {
      return suspected + since.values().stream().mapToLong(from -> end - from).sum();
    }
  }

  @Test
  void falseSuspicionRateUnderDelayFallsAsTheTimeoutGrows() {
    List<Rate> rates = new ArrayList<>();
    for (int ms : new int[] {75, 100, 150, 250}) {
      rates.add(falseSuspicions("heartbeat, timeout " + ms + " ms",
          heartbeat(Duration.ofMillis(ms))));
    }
    for (double threshold : new double[] {1, 3, 8}) {
      rates.add(falseSuspicions("phi accrual, threshold " + threshold, phi(threshold)));
    }
    System.out.println("False suspicions, 5 nodes, heartbeat every 50 ms, exponential delays (mean 20 ms, "
        + "cap 200 ms), 60 s simulated:");
    rates.forEach(r -> System.out.printf("  %-32s %8.2f per pair per minute, %.3f%% of the time%n",
        r.setting(), r.perPairPerMinute(), 100 * r.suspectedShare()));

    for (int i = 1; i < 4; i++) {
      assertThat(rates.get(i).perPairPerMinute()).as(rates.get(i).setting())
          .isLessThanOrEqualTo(rates.get(i - 1).perPairPerMinute());
    }
    assertThat(rates.get(0).perPairPerMinute()).as("a timeout near the delays' tail errs").isPositive();
    assertThat(rates.get(3).perPairPerMinute())
        .as("a timeout above interval + the largest delay never errs").isZero();
    assertThat(rates.get(6).perPairPerMinute()).as("phi 8").isLessThan(rates.get(4).perPairPerMinute());
  }
}
