package dev.parley.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** Each seed draws its own swarm, the same one every time, and a failing seed's report names it. */
class SwarmTest {

  @Test
  void aSeedDrawsTheSameSwarmEveryTimeAndSeedsDrawDifferentMixes() {
    assertThat(Swarm.draw(7)).isEqualTo(Swarm.draw(7));
    List<Swarm> swarms = LongStream.rangeClosed(1, 40).mapToObj(Swarm::draw).toList();
    assertThat(swarms).anyMatch(s -> s.links().drop() == 0).anyMatch(s -> s.links().drop() > 0);
    assertThat(swarms).anyMatch(s -> s.crashGap() == null).anyMatch(s -> s.crashGap() != null);
    assertThat(swarms).anyMatch(s -> s.storage().equals(StorageFaults.NONE))
        .anyMatch(s -> s.storage().failRate() > 0);
    assertThat(swarms).anyMatch(s -> s.scheduler() instanceof Scheduler.TimeOrder)
        .anyMatch(s -> s.scheduler() instanceof Scheduler.Priorities);
  }

  @Test
  void aFailingSeedsReportSaysWhichSwarmItRan() {
    SystemProperties properties = new SystemProperties();
    properties.set(Shrinker.PROPERTY, "false");
    try {
      AssertionError failure = catchThrowableOfType(() -> Simulations.forSeeds(1, 5, seed -> {
        Swarm.draw(seed);
        throw new AssertionError("every seed fails");
      }), AssertionError.class);
      assertThat(failure.getMessage()).contains("swarm of seed 1: links drop");
    } finally {
      properties.restore();
    }
  }
}
