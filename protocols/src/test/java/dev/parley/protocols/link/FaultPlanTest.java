package dev.parley.protocols.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.parley.protocols.link.FaultPlan.Delivery;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FaultPlanTest {

  private static final int MESSAGES = 20_000;
  /** About six standard deviations of a rate near 0.3 over 20,000 messages. */
  private static final double TOLERANCE = 0.02;

  static Stream<Arguments> badProbabilities() {
    List<Arguments> cases = new ArrayList<>();
    for (double bad : new double[] {-0.1, 1.5, Double.NaN}) {
      cases.add(Arguments.of("drop", bad, (Function<Double, FaultPlan>) FaultPlan.NONE::withDrop));
      cases.add(Arguments.of("duplicate", bad, (Function<Double, FaultPlan>) FaultPlan.NONE::withDuplicate));
      cases.add(Arguments.of("reorder", bad, (Function<Double, FaultPlan>) FaultPlan.NONE::withReorder));
      cases.add(Arguments.of("corrupt", bad, (Function<Double, FaultPlan>) FaultPlan.NONE::withCorrupt));
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0} = {1}")
  @MethodSource("badProbabilities")
  void aProbabilityOutsideZeroToOneIsRejectedNamingTheFieldAndTheValue(
      String field, double bad, Function<Double, FaultPlan> make) {
    assertThatThrownBy(() -> make.apply(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(field)
        .hasMessageContaining(String.valueOf(bad))
        .hasMessageContaining("0..1");
  }

  @Test
  void probabilitiesZeroAndOneAreAllowed() {
    assertThat(FaultPlan.NONE.withDrop(1.0).drop()).isEqualTo(1.0);
    assertThat(FaultPlan.NONE.withCorrupt(0.0).corrupt()).isEqualTo(0.0);
  }

  @Test
  void aNegativeReorderWindowIsRejectedNamingItAndTheValue() {
    assertThatThrownBy(() -> FaultPlan.NONE.withReorder(0.5, Duration.ofMillis(-5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("reorder window")
        .hasMessageContaining("-5 ms");
  }

  @Test
  void aNegativeDelayIsRejectedNamingItAndTheValue() {
    assertThatThrownBy(() -> FaultPlan.NONE.withDelay(Delay.fixed(Duration.ofMillis(-3))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("delay")
        .hasMessageContaining("-3 ms");
  }

  private static final FaultPlan EVERYTHING =
      FaultPlan.NONE
          .withDrop(0.2)
          .withDuplicate(0.2)
          .withReorder(0.3, Duration.ofMillis(50))
          .withCorrupt(0.1)
          .withDelay(Delay.uniform(Duration.ofMillis(1), Duration.ofMillis(9)));

  private static List<List<Delivery>> fates(FaultPlan plan, long seed, int n) {
    Random random = new Random(seed);
    List<List<Delivery>> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(plan.fate(random));
    }
    return out;
  }

  @Test
  void theSameSeedGivesTheSameFates() {
    assertThat(fates(EVERYTHING, 42, 500)).isEqualTo(fates(EVERYTHING, 42, 500));
    assertThat(fates(EVERYTHING, 42, 500)).as("another seed, other fates").isNotEqualTo(fates(EVERYTHING, 43, 500));
  }

  @Test
  void aPlanWithoutFaultsDeliversEverythingOnceAtOnceIntact() {
    assertThat(fates(FaultPlan.NONE, 1, 1000))
        .allSatisfy(f -> assertThat(f).containsExactly(new Delivery(Duration.ZERO, false)));
    assertThat(FaultPlan.NONE.isLossy()).isFalse();
  }

  @Test
  void aCutLinkLosesEverything() {
    FaultPlan cut = FaultPlan.NONE.withCut(true);
    assertThat(fates(cut, 7, 1000)).allSatisfy(f -> assertThat(f).isEmpty());
    assertThat(fates(cut.withDuplicate(1.0), 7, 100)).allSatisfy(f -> assertThat(f).isEmpty());
    assertThat(cut.isLossy()).isTrue();
  }

  @Test
  void dropLosesThatFractionOfMessages() {
    List<List<Delivery>> fates = fates(FaultPlan.NONE.withDrop(0.3), 11, MESSAGES);
    double lost = fates.stream().filter(List::isEmpty).count() / (double) MESSAGES;
    assertThat(lost).isCloseTo(0.3, within(TOLERANCE));
    assertThat(fates).allSatisfy(f -> assertThat(f).hasSizeLessThanOrEqualTo(1));
  }

  @Test
  void duplicateDeliversThatFractionOfSurvivingMessagesTwice() {
    List<List<Delivery>> fates = fates(FaultPlan.NONE.withDrop(0.3).withDuplicate(0.3), 12, MESSAGES);
    List<List<Delivery>> delivered = fates.stream().filter(f -> !f.isEmpty()).toList();
    double twice = delivered.stream().filter(f -> f.size() == 2).count() / (double) delivered.size();
    assertThat(twice).isCloseTo(0.3, within(TOLERANCE));
    assertThat(fates).allSatisfy(f -> assertThat(f).hasSizeLessThanOrEqualTo(2));
  }

  @Test
  void corruptGarblesThatFractionOfCopies() {
    List<Delivery> copies = copies(fates(FaultPlan.NONE.withCorrupt(0.3).withDuplicate(0.5), 13, MESSAGES));
    double garbled = copies.stream().filter(Delivery::corrupted).count() / (double) copies.size();
    assertThat(garbled).isCloseTo(0.3, within(TOLERANCE));
  }

  @Test
  void reorderHoldsBackThatFractionOfCopiesWithinTheWindow() {
    Duration window = Duration.ofMillis(20);
    List<Delivery> copies = copies(fates(FaultPlan.NONE.withReorder(0.3, window), 14, MESSAGES));
    double held = copies.stream().filter(d -> d.delay().compareTo(Duration.ZERO) > 0).count() / (double) copies.size();
    assertThat(held).isCloseTo(0.3, within(TOLERANCE));
    assertThat(copies).allSatisfy(d -> assertThat(d.delay()).isLessThanOrEqualTo(window.plusNanos(1)));
  }

  @Test
  void everyCopyWaitsASampleOfTheDelay() {
    List<Delivery> copies = copies(fates(FaultPlan.NONE.withDelay(Delay.fixed(Duration.ofMillis(40))), 15, 100));
    assertThat(copies).allSatisfy(d -> assertThat(d.delay()).isEqualTo(Duration.ofMillis(40)));
  }

  private static List<Delivery> copies(List<List<Delivery>> fates) {
    return fates.stream().flatMap(List::stream).toList();
  }
}
