package dev.parley.protocols.link;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.time.Duration;
import java.util.Objects;
import java.util.Random;

/**
 * How long a link holds a message before delivering it: a distribution sampled per message with the
 * link's seeded random.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = Delay.Fixed.class, name = "fixed"),
  @JsonSubTypes.Type(value = Delay.Uniform.class, name = "uniform"),
  @JsonSubTypes.Type(value = Delay.Exponential.class, name = "exponential")
})
public sealed interface Delay {

  /** One sample of this distribution. */
  Duration sample(Random random);

  /** The largest delay this distribution can produce (for exponential, a cap: 10 means). */
  Duration max();

  static Delay none() {
    return Fixed.ZERO;
  }

  static Delay fixed(Duration delay) {
    return new Fixed(delay);
  }

  static Delay uniform(Duration min, Duration max) {
    return new Uniform(min, max);
  }

  static Delay exponential(Duration mean) {
    return new Exponential(mean);
  }

  /** Every message waits exactly {@code delay}. */
  record Fixed(Duration delay) implements Delay {
    static final Fixed ZERO = new Fixed(Duration.ZERO);

    public Fixed {
      requireNotNegative("delay", delay);
    }

    @Override
    public Duration sample(Random random) {
      return delay;
    }

    @Override
    public Duration max() {
      return delay;
    }
  }

  /** Uniformly between {@code min} and {@code max}, inclusive. */
  record Uniform(Duration min, Duration max) implements Delay {
    public Uniform {
      requireNotNegative("minimum delay", min);
      requireNotNegative("maximum delay", max);
      if (min.compareTo(max) > 0) {
        throw new IllegalArgumentException(
            "minimum delay " + min.toMillis() + " ms is above maximum delay " + max.toMillis() + " ms");
      }
    }

    @Override
    public Duration sample(Random random) {
      long span = max.toNanos() - min.toNanos();
      return span == 0 ? min : min.plusNanos((long) (random.nextDouble() * (span + 1)));
    }
  }

  /** Exponentially distributed with the given mean, capped at ten means. */
  record Exponential(Duration mean) implements Delay {
    public Exponential {
      requireNotNegative("mean delay", mean);
    }

    @Override
    public Duration sample(Random random) {
      double nanos = -mean.toNanos() * Math.log(1.0 - random.nextDouble());
      return Duration.ofNanos((long) Math.min(nanos, max().toNanos()));
    }

    @Override
    public Duration max() {
      return mean.multipliedBy(10);
    }
  }

  private static void requireNotNegative(String what, Duration d) {
    Objects.requireNonNull(d, what);
    if (d.isNegative()) {
      throw new IllegalArgumentException(what + " must not be negative, got " + d.toMillis() + " ms");
    }
  }
}
