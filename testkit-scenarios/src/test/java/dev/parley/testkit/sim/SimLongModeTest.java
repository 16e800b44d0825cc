package dev.parley.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The long mode, {@code -Dparley.seeds=N}: every range runs N seeds, goes on past failures to count
 * them, and the summary table has its row.
 */
class SimLongModeTest {

  private final SystemProperties properties = new SystemProperties();

  @AfterEach
  void restore() {
    properties.restore();
  }

  @Test
  void everyRangeRunsTheGivenNumberOfSeedsAndCountsItsFailures() {
    properties.set(Simulations.SEEDS_PROPERTY, "7");
    properties.set(Shrinker.PROPERTY, "false");
    List<Long> ran = new ArrayList<>();
    AssertionError failure = catchThrowableOfType(() -> Simulations.forSeeds(1, 3, seed -> {
      ran.add(seed);
      if (seed == 2 || seed == 5) {
        throw new AssertionError("seed " + seed + " is unlucky");
      }
    }), AssertionError.class);
    assertThat(ran).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
    assertThat(failure.getMessage()).startsWith("seed 2 failed (seeds 1..7, 1 passed before it)");
    assertThat(failure.getSuppressed()).extracting(Throwable::getMessage).containsExactly("2 of 7 seeds failed");
    assertThat(SeedSummary.table()).anySatisfy(row -> assertThat(row)
        .contains("SimLongModeTest#everyRangeRunsTheGivenNumberOfSeedsAndCountsItsFailures")
        .containsPattern("1\\.\\.7\\s+5\\s+2\\s+2\\s"));
  }

  @Test
  void aSeedCountThatIsNotAPositiveNumberIsRefused() {
    properties.set(Simulations.SEEDS_PROPERTY, "lots");
    assertThatThrownBy(() -> Simulations.forSeeds(1, 3, seed -> {}))
        .hasMessageContaining("-Dparley.seeds is how many seeds every range runs")
        .hasMessageContaining("got 'lots'");
  }
}
