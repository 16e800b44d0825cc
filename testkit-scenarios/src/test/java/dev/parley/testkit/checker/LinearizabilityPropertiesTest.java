package dev.parley.testkit.checker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.history.History;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;

class LinearizabilityPropertiesTest {

  private final LinearizabilityChecker checker = LinearizabilityChecker.forRegisters();

  @Property(tries = 200)
  void historiesOfAnAtomicRegisterAreAccepted(
      @ForAll long seed,
      @ForAll @IntRange(min = 1, max = 6) int clients,
      @ForAll @IntRange(min = 1, max = 3) int keys,
      @ForAll @DoubleRange(min = 0, max = 0.1) double infoRate) {
    History h = RegisterHistories.linearizable(seed, clients, 60, keys, infoRate);

    Verdict v = checker.check(h);

    assertThat(v.valid()).as(v.report()).isTrue();
  }

  @Property(tries = 200)
  void aSingleInjectedStaleReadIsRejected(
      @ForAll long seed,
      @ForAll @IntRange(min = 1, max = 6) int clients,
      @ForAll @IntRange(min = 1, max = 3) int keys,
      @ForAll @IntRange(min = 0, max = 60) int before,
      @ForAll @IntRange(min = 0, max = 60) int after) {
    RegisterHistories g = new RegisterHistories(seed);
    g.runConcurrently(clients, before, keys, 0, 5);
    Object old = g.valueOf("k0");
    g.sequential("writer", "put", "k0", 99L);
    g.forgedGet("reader", "k0", old);
    g.runConcurrently(clients, after, keys, 0, 5);

    Verdict v = checker.check(g.history());

    assertThat(v.valid()).as("a read of %s after put 99 completed must be rejected", old).isFalse();
    assertThat(v.summary()).contains("by reader");
  }
}
