package dev.parley.protocols.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class DelayTest {

  private static List<Duration> samples(Delay delay, long seed, int n) {
    Random random = new Random(seed);
    return IntStream.range(0, n).mapToObj(i -> delay.sample(random)).toList();
  }

  @Test
  void uniformStaysWithinItsBoundsAndSpreadsAcrossThem() {
    Duration min = Duration.ofMillis(10);
    Duration max = Duration.ofMillis(20);
    List<Duration> s = samples(Delay.uniform(min, max), 1, 10_000);
    assertThat(s).allSatisfy(d -> assertThat(d).isBetween(min, max));
    assertThat(s).anySatisfy(d -> assertThat(d).isLessThan(Duration.ofMillis(11)));
    assertThat(s).anySatisfy(d -> assertThat(d).isGreaterThan(Duration.ofMillis(19)));
    double meanMs = s.stream().mapToLong(Duration::toNanos).average().orElseThrow() / 1e6;
    assertThat(meanMs).isCloseTo(15.0, within(0.2));
    assertThat(Delay.uniform(min, max).max()).isEqualTo(max);
  }

  @Test
  void uniformWithEqualBoundsIsFixed() {
    Duration d = Duration.ofMillis(7);
    assertThat(samples(Delay.uniform(d, d), 2, 100)).containsOnly(d);
  }

  @Test
  void exponentialHasItsMeanAndIsCappedAtTenMeans() {
    Duration mean = Duration.ofMillis(10);
    Delay delay = Delay.exponential(mean);
    List<Duration> s = samples(delay, 3, 20_000);
    assertThat(delay.max()).isEqualTo(Duration.ofMillis(100));
    assertThat(s).allSatisfy(d -> assertThat(d).isBetween(Duration.ZERO, delay.max()));
    double meanMs = s.stream().mapToLong(Duration::toNanos).average().orElseThrow() / 1e6;
    assertThat(meanMs).isCloseTo(10.0, within(0.5));
  }

  @Test
  void anExtremeExponentialDrawIsCutToTheCap() {
    Random almostOne =
        new Random() {
          @Override
          public double nextDouble() {
            return 1.0 - 1e-15; // -ln(1e-15) is about 34.5 means
          }
        };
    assertThat(Delay.exponential(Duration.ofMillis(10)).sample(almostOne)).isEqualTo(Duration.ofMillis(100));
  }

  @Test
  void fixedAlwaysWaitsTheSame() {
    assertThat(samples(Delay.fixed(Duration.ofMillis(5)), 4, 50)).containsOnly(Duration.ofMillis(5));
    assertThat(Delay.none().sample(new Random(5))).isZero();
  }

  @Test
  void negativeDelaysAreRejectedNamingWhichAndTheValue() {
    assertThatThrownBy(() -> Delay.fixed(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("delay must not be negative, got -1 ms");
    assertThatThrownBy(() -> Delay.uniform(Duration.ofMillis(-2), Duration.ofMillis(5)))
        .hasMessageContaining("minimum delay")
        .hasMessageContaining("-2 ms");
    assertThatThrownBy(() -> Delay.uniform(Duration.ZERO, Duration.ofMillis(-3)))
        .hasMessageContaining("maximum delay")
        .hasMessageContaining("-3 ms");
    assertThatThrownBy(() -> Delay.exponential(Duration.ofMillis(-4)))
        .hasMessageContaining("mean delay")
        .hasMessageContaining("-4 ms");
  }

  @Test
  void aUniformWhoseMinimumExceedsItsMaximumIsRejected() {
    assertThatThrownBy(() -> Delay.uniform(Duration.ofMillis(9), Duration.ofMillis(3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("minimum delay 9 ms is above maximum delay 3 ms");
  }
}
