package dev.parley.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.parley.protocols.multicast.BasicMulticast;
import dev.parley.testkit.multicast.MulticastInvariants;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Shrinking a failing seed: the planted causal-order bug (basic multicast where causal order is
 * needed) over messy links shrinks to a run of a few scripted multicasts and messages, whose replay
 * line reproduces exactly that small run; a run that does not fail again is reported as a
 * nondeterminism leak; a malformed replay mask is refused.
 */
class SimShrinkTest {

  private static final Pattern SIZES = Pattern.compile(
      "scripted events (\\d+) -> (\\d+), faulted messages (\\d+) -> (\\d+), delayed messages (\\d+) -> (\\d+)");

  private static void runBroken(long seed) {
    Simulation<BasicMulticast.Command> sim = Simulation.<BasicMulticast.Command>builder(
            4, (peers, env, upcalls) -> BasicMulticast.create(peers, upcalls.narrow()))
        .freshInvariant(MulticastInvariants::causal).faults(Workloads.MESSY).seed(seed).build();
    Workloads.randomMulticasts(sim, seed, 6, BasicMulticast.MULTICAST);
    sim.runUntilQuiescent();
  }

  private static String failureOf(Runnable run) {
    AssertionError caught = catchThrowableOfType(run::run, AssertionError.class);
    assertThat(caught).as("the runs fail").isNotNull();
    return caught.getMessage();
  }

  @Test
  void aFailingSeedShrinksToASmallRunThatItsReplayLineReproduces() {
    String report = failureOf(() -> Simulations.forSeeds(1, 200, SimShrinkTest::runBroken));
    Matcher sizes = SIZES.matcher(report);
    assertThat(sizes.find()).as("the report gives sizes before and after:\n%s", report).isTrue();
    int events = Integer.parseInt(sizes.group(1));
    int eventsAfter = Integer.parseInt(sizes.group(2));
    assertThat(eventsAfter).as("scripted multicasts left").isBetween(2, events - 1);
    assertThat(Integer.parseInt(sizes.group(4))).isLessThanOrEqualTo(Integer.parseInt(sizes.group(3)));
    assertThat(Integer.parseInt(sizes.group(6))).isLessThan(Integer.parseInt(sizes.group(5)));
    assertThat(report).contains("the shrunk run, step by step:").contains("causal order violated");

    Matcher replay = Pattern.compile("-Dparley.seed=(\\d+) -Dparley.shrunk='([^']*)'").matcher(report);
    assertThat(replay.find()).as("a replay line for the shrunk run").isTrue();
    SystemProperties properties = new SystemProperties();
    properties.set(Simulations.SEED_PROPERTY, replay.group(1));
    properties.set(ShrinkMask.PROPERTY, replay.group(2));
    try {
      String replayed = failureOf(() -> Simulations.forSeeds(1, 200, SimShrinkTest::runBroken));
      assertThat(replayed).contains("causal order violated").doesNotContain("shrunk in");
      long multicasts = replayed.lines().filter(l -> l.contains("CLIENT")).count();
      assertThat(multicasts).as("the replay is the shrunk run, every step listed").isEqualTo(eventsAfter);
    } finally {
      properties.restore();
    }
  }

  @Test
  void aRunThatPassesWhenReplayedIsReportedAsNotDeterministic() {
    AtomicInteger calls = new AtomicInteger();
    String report = failureOf(() -> Simulations.forSeeds(1, 3, seed -> {
      if (calls.incrementAndGet() == 1) {
        throw new AssertionError("fails only the first time");
      }
    }));
    assertThat(report).contains("not shrunk: replayed with the same seed, the run passed")
        .contains("The run is not deterministic");
  }

  @Test
  void aMalformedShrunkReplayIsRefusedWithWhatItShouldLookLike() {
    SystemProperties properties = new SystemProperties();
    properties.set(Simulations.SEED_PROPERTY, "3");
    properties.set(ShrinkMask.PROPERTY, "x:1-");
    try {
      assertThatThrownBy(() -> Simulations.forSeeds(1, 10, seed -> {}))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("-Dparley.shrunk must be what a shrink printed")
          .hasMessageContaining("e:0-2,5;f:17;d:");
    } finally {
      properties.restore();
    }
  }
}
