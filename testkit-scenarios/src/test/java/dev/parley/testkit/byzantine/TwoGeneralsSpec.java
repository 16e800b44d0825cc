package dev.parley.testkit.byzantine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.byzantine.TwoGenerals;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The two generals: the acknowledgement chain, and for every bound k = 1..6 a run losing only the
 * last message that the last sender cannot tell from the run where it arrives, yet in which the
 * generals disagree and one knows less than the other.
 */
class TwoGeneralsSpec {

  static final NodeId A = NodeId.n(1);
  static final NodeId B = NodeId.n(2);
  static final long TIME = 600;
  static final Duration HOP = Duration.ofMillis(1);

  /** A run with bound k; the proposal at 1 ms, every message taking 1 ms; maybe the last one cut. */
  static Simulation<TwoGenerals.Command> run(int k, boolean dropLast, FaultPlan faults, long seed) {
    Simulation<TwoGenerals.Command> sim =
        Simulation.<TwoGenerals.Command>builder(2, (peers, env, upcalls) ->
                TwoGenerals.create(peers, new TwoGenerals.Settings(k), upcalls.narrow()))
            .seed(seed).faults(faults).build();
    sim.tell(HOP, A, new TwoGenerals.Propose(TIME));
    if (dropLast) {
      // depth d leaves at d ms: cut the last sender's link half a hop before the last message
      sim.nemesis(HOP.multipliedBy(k).minus(HOP.dividedBy(2)), new NemesisCommand.Cut(sender(k), Set.of(receiver(k))));
    }
    sim.runFor(Duration.ofMillis(k + 5L));
    return sim;
  }

  static NodeId sender(int depth) {
    return depth % 2 == 1 ? A : B;
  }

  static NodeId receiver(int depth) {
    return depth % 2 == 1 ? B : A;
  }

  static boolean attacks(Simulation<TwoGenerals.Command> sim, NodeId node) {
    return !sim.upcalls(node, TwoGenerals.Attack.class).isEmpty();
  }

  static int deepest(Simulation<TwoGenerals.Command> sim, NodeId node) {
    return sim.upcalls(node, TwoGenerals.Received.class).stream()
        .mapToInt(TwoGenerals.Received::depth).max().orElse(0);
  }

  @Test
  void theChainOfAcknowledgementsWhenNothingIsLost() {
    Simulation<TwoGenerals.Command> sim = run(5, false, FaultPlan.NONE.withDelay(Delay.fixed(HOP)), 1);
    assertThat(sim.upcalls(B, TwoGenerals.Received.class)).extracting(TwoGenerals.Received::depth)
        .containsExactly(1, 3, 5);
    assertThat(sim.upcalls(A, TwoGenerals.Received.class)).extracting(TwoGenerals.Received::depth)
        .containsExactly(2, 4);
    assertThat(attacks(sim, A)).isTrue();
    assertThat(attacks(sim, B)).isTrue();
    assertThat(sim.upcalls(B, TwoGenerals.Attack.class)).extracting(TwoGenerals.Attack::time).containsExactly(TIME);
  }

  @Test
  void everyBoundHasARunWhereTheLastSenderCannotKnow() {
    FaultPlan hop = FaultPlan.NONE.withDelay(Delay.fixed(HOP));
    for (int k = 1; k <= 6; k++) {
      Simulation<TwoGenerals.Command> whole = run(k, false, hop, k);
      Simulation<TwoGenerals.Command> cut = run(k, true, hop, k);
      NodeId last = sender(k);
      NodeId other = receiver(k);
      // the last sender sees exactly the same in both runs, so it must act the same: it attacks
      assertThat(cut.upcalls(last)).as("k=%d: %s's view", k, last).isEqualTo(whole.upcalls(last));
      assertThat(attacks(whole, last)).isTrue();
      assertThat(attacks(whole, other)).as("k=%d: all delivered", k).isTrue();
      assertThat(attacks(cut, last)).as("k=%d: the last sender", k).isTrue();
      assertThat(attacks(cut, other)).as("k=%d: the general missing the last message", k).isFalse();
      // and the one missing it knows one level less than the one that sent it
      // (for k = 1 the level is "knows the time": A proposed it, B never heard it)
      assertThat(deepest(cut, last)).as("k=%d", k).isEqualTo(k - 1);
      assertThat(deepest(cut, other)).as("k=%d", k).isEqualTo(Math.max(0, k - 2));
      assertThat(cut.upcalls(other, TwoGenerals.Received.class)).hasSize((k - 1) / 2);
      System.out.printf("k=%d: last message (depth %d, %s->%s) lost: %s knows depth %d and attacks, "
              + "%s knows depth %d and does not%n",
          k, k, last, other, last, deepest(cut, last), other, deepest(cut, other));
    }
  }

  @Test
  void overAFairLossLinkTheGeneralsDisagreeWheneverTheLastMessageIsLost() {
    AtomicInteger disagreements = new AtomicInteger();
    Simulations.forSeeds(1, 100, seed -> {
      int k = 4;
      Simulation<TwoGenerals.Command> sim =
          run(k, false, FaultPlan.NONE.withDelay(Delay.fixed(HOP)).withDrop(0.2), seed);
      boolean lastArrived = deepest(sim, receiver(k)) == k;
      boolean lastSent = deepest(sim, sender(k)) == k - 1;
      assertThat(attacks(sim, receiver(k))).isEqualTo(lastArrived);
      assertThat(attacks(sim, sender(k))).isEqualTo(lastSent);
      if (attacks(sim, A) != attacks(sim, B)) {
        disagreements.incrementAndGet();
      }
    });
    assertThat(disagreements.get()).as("runs where one general attacks alone").isPositive();
  }
}
