package dev.parley.testkit.byzantine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.byzantine.TwoGeneralsRuns;
import dev.parley.protocols.byzantine.TwoGeneralsRuns.Chain;
import dev.parley.protocols.byzantine.TwoGeneralsRuns.Link;
import dev.parley.protocols.byzantine.TwoGeneralsRuns.Outcome;
import dev.parley.protocols.byzantine.TwoGeneralsRuns.Run;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Runs of the two generals as the cluster's {@code two-generals} kind coordinates them, in the
 * simulation: three nodes (generals n1 and n2, onlooker n3 asking), each run answered at the node
 * asked with its whole chain; over seeds, where the chain stops decides who attacks, and a lost last
 * message leaves one general attacking alone.
 */
class TwoGeneralsRunsSpec {

  static final NodeId A = NodeId.n(1);
  static final NodeId B = NodeId.n(2);
  static final NodeId ONLOOKER = NodeId.n(3);
  static final Duration RUN = Duration.ofMillis(100);

  static Simulation<TwoGeneralsRuns.Command> group(long seed, FaultPlan faults) {
    return Simulation.<TwoGeneralsRuns.Command>builder(3, (peers, env, upcalls) ->
            TwoGeneralsRuns.create(peers, new TwoGeneralsRuns.Settings(RUN), env, upcalls))
        .seed(seed).faults(faults).build();
  }

  /** Asks {@code at} for a run and returns its answer, which must come within the run's bounds. */
  static Chain run(Simulation<TwoGeneralsRuns.Command> sim, NodeId at, long id, int rounds, double loss) {
    sim.tell(at, new Run(id, at, rounds, loss));
    sim.runFor(RUN.multipliedBy(4));
    List<Chain> answers = sim.upcalls(at, Chain.class).stream().filter(c -> c.run() == id).toList();
    assertThat(answers).as("run %d answered once at %s (seed %d)", id, at, sim.seed()).hasSize(1);
    return answers.get(0);
  }

  static final FaultPlan HOPS = FaultPlan.NONE.withDelay(Delay.uniform(Duration.ofMillis(1), Duration.ofMillis(5)));

  @Test
  void withoutLossTheWholeChainArrivesAndBothAttack() {
    Simulation<TwoGeneralsRuns.Command> sim = group(1, HOPS);
    Chain chain = run(sim, ONLOOKER, 7, 5, 0);
    assertThat(chain.chain()).extracting(Link::depth).containsExactly(1, 2, 3, 4, 5);
    assertThat(chain.chain()).allMatch(Link::delivered);
    assertThat(chain.chain()).extracting(Link::from).containsExactly(A, B, A, B, A);
    assertThat(chain.generals()).containsOnlyKeys(A, B);
    assertThat(chain.generals().values()).allMatch(Outcome::attacks);
    assertThat(chain.coordinated()).isTrue();
    // asked at a general, a run is answered there just the same
    assertThat(run(sim, B, 8, 3, 0).coordinated()).isTrue();
  }

  @Test
  void whereTheChainStopsDecidesWhoAttacksAndALostLastMessageLeavesOneAlone() {
    AtomicInteger alone = new AtomicInteger();
    AtomicInteger neither = new AtomicInteger();
    Simulations.forSeeds(1, 60, seed -> {
      int k = 4;
      Chain chain = run(group(seed, HOPS), ONLOOKER, seed, k, 0.25);
      List<Link> links = chain.chain();
      // the chain is sent in order, nothing retransmitted, and stops at its first lost message
      assertThat(links).extracting(Link::depth).isEqualTo(IntStream.rangeClosed(1, links.size())
          .boxed().toList());
      assertThat(links.subList(0, links.size() - 1)).allMatch(Link::delivered);
      assertThat(links.get(links.size() - 1).delivered() && links.size() < k).isFalse();
      boolean whole = links.size() == k && links.get(k - 1).delivered();
      boolean lastLost = links.size() == k && !links.get(k - 1).delivered();
      Outcome a = chain.generals().get(A);
      Outcome b = chain.generals().get(B);
      NodeId lastSender = k % 2 == 1 ? A : B;
      if (whole) {
        assertThat(a.attacks() && b.attacks()).as("seed %d: nothing lost, both attack", seed).isTrue();
      } else if (lastLost) {
        assertThat(chain.generals().get(lastSender).attacks()).as("seed %d: the last sender attacks", seed).isTrue();
        assertThat(chain.coordinated()).as("seed %d: the other does not", seed).isFalse();
        alone.incrementAndGet();
      } else {
        assertThat(a.attacks() || b.attacks()).as("seed %d: an earlier loss, neither attacks", seed).isFalse();
        neither.incrementAndGet();
      }
      assertThat(chain.coordinated()).isEqualTo(a.attacks() == b.attacks());
    });
    assertThat(alone.get()).as("runs where one general attacks alone").isPositive();
    assertThat(neither.get()).as("runs where an earlier loss stops both").isPositive();
  }

  @Test
  void everyRunIsAnsweredAlsoWhenTheNetworkLosesTheReports() {
    AtomicInteger incomplete = new AtomicInteger();
    Simulations.forSeeds(1, 40, seed -> {
      Chain chain = run(group(seed, HOPS.withDrop(0.3)), ONLOOKER, seed, 3, 0);
      if (chain.generals().size() < 2) {
        assertThat(chain.coordinated()).as("seed %d: a missing report is no coordination", seed).isFalse();
        incomplete.incrementAndGet();
      }
    });
    assertThat(incomplete.get()).as("runs answered without some general's report").isPositive();
  }
}
