package dev.parley.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import dev.parley.protocols.core.NodeId;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The priority-based scheduler: how late it lets a node run, that it reorders across nodes and never
 * within one, that a seed gives the same run, and its refusals.
 */
class SchedulerTest {

  static final Duration TICK = Duration.ofMillis(10);
  static final Duration LATENESS = Duration.ofMillis(25);

  /** Every node raises the virtual time at each tick of its own 10 ms timer. */
  static Simulation<Object> tickers(long seed, Scheduler scheduler) {
    return Simulation.builder(4, (peers, env, upcalls) -> Behaviors.<Object>withTimers(timers -> {
      timers.startTimerWithFixedDelay("tick", "tick", TICK);
      return Behaviors.receiveMessage(m -> {
        upcalls.tell(env.now());
        return Behaviors.<Object>same();
      });
    })).seed(seed).scheduler(scheduler).build();
  }

  static Map<NodeId, List<Instant>> ticks(Simulation<Object> sim) {
    Map<NodeId, List<Instant>> ticks = new TreeMap<>();
    sim.nodes().forEach(n -> ticks.put(n, sim.upcalls(n, Instant.class)));
    return ticks;
  }

  @Test
  void lowPriorityNodesRunLateButNeverLaterThanTheBoundAndTheirOwnEventsStayInOrder() {
    Simulation<Object> sim = tickers(3, Scheduler.priorities(3, LATENESS, 200));
    sim.runUntil(Duration.ofSeconds(2));
    List<Long> gaps = new ArrayList<>();
    ticks(sim).forEach((node, times) -> {
      assertThat(times).as("%s's ticks", node).hasSizeGreaterThan(50).isSorted();
      for (int i = 1; i < times.size(); i++) {
        gaps.add(Duration.between(times.get(i - 1), times.get(i)).toMillis());
      }
    });
    assertThat(gaps).allMatch(g -> g >= TICK.toMillis() && g <= TICK.plus(LATENESS).toMillis());
    assertThat(gaps).as("some ticks were taken late").anyMatch(g -> g > TICK.toMillis());
  }

  @Test
  void theTimeOrderSchedulerTakesEveryTickOnTime() {
    Simulation<Object> sim = tickers(3, Scheduler.timeOrder());
    sim.runUntil(Duration.ofSeconds(1));
    ticks(sim).values().forEach(times -> {
      for (int i = 1; i < times.size(); i++) {
        assertThat(Duration.between(times.get(i - 1), times.get(i))).isEqualTo(TICK);
      }
    });
  }

  @Test
  void theSameSeedGivesTheSameRunAndAnotherSeedAnother() {
    Scheduler priorities = Scheduler.priorities(4, LATENESS, 300);
    Simulation<Object> a = tickers(11, priorities);
    Simulation<Object> b = tickers(11, priorities);
    Simulation<Object> c = tickers(12, priorities);
    for (Simulation<Object> sim : List.of(a, b, c)) {
      sim.runUntil(Duration.ofSeconds(1));
    }
    assertThat(ticks(a)).isEqualTo(ticks(b)).isNotEqualTo(ticks(c));
  }

  @Test
  void impossibleSettingsAreRefusedWithWhatToDo() {
    assertThatThrownBy(() -> Scheduler.priorities(0, LATENESS, 100))
        .hasMessageContaining("depth of a priority schedule is at least 1");
    assertThatThrownBy(() -> Scheduler.priorities(3, Duration.ZERO, 100))
        .hasMessageContaining("maxLateness must be positive").hasMessageContaining("Scheduler.timeOrder()");
    assertThatThrownBy(() -> Scheduler.priorities(5, LATENESS, 2))
        .hasMessageContaining("steps must be at least the depth 5, got 2");
  }
}
