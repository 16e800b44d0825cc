package dev.parley.testkit.replication;

import static dev.parley.testkit.replication.TwoPhaseCommitSpec.LAN;
import static dev.parley.testkit.replication.TwoPhaseCommitSpec.LOSSY;
import static dev.parley.testkit.replication.TwoPhaseCommitSpec.N1;
import static dev.parley.testkit.replication.TwoPhaseCommitSpec.N2;
import static dev.parley.testkit.replication.TwoPhaseCommitSpec.N3;
import static dev.parley.testkit.replication.TwoPhaseCommitSpec.assertAtomic;
import static dev.parley.testkit.replication.TwoPhaseCommitSpec.keyOn;
import static dev.parley.testkit.replication.TwoPhaseCommitSpec.ms;
import static dev.parley.testkit.replication.TwoPhaseCommitSpec.sim;
import static dev.parley.testkit.replication.TwoPhaseCommitSpec.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.replication.TwoPhaseCommit;
import dev.parley.protocols.replication.TwoPhaseCommit.CoordinatorDecided;
import dev.parley.protocols.replication.TwoPhaseCommit.CoordinatorState;
import dev.parley.protocols.replication.TwoPhaseCommit.DecisionRequest;
import dev.parley.protocols.replication.TwoPhaseCommit.ParticipantState;
import dev.parley.protocols.replication.TwoPhaseCommit.Participation;
import dev.parley.protocols.replication.TwoPhaseCommit.Settings;
import dev.parley.protocols.replication.TwoPhaseCommit.Transact;
import dev.parley.protocols.replication.TwoPhaseCommit.TxOutcome;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Two-phase commit forgets finished transactions: with {@code keepEnded} of 8, many times that many
 * transactions (through lossy links and crashes) leave each node's coordinator and participant
 * logs at most 8 finished transactions each, while atomic commitment holds throughout (checked
 * after every step) and the partitions hold exactly the committed writes; a coordinator crashed
 * after logging a decision, with most earlier transactions forgotten, recovers it and every
 * participant commits; a late question about a forgotten committed transaction is answered without
 * recording a second decision; a retry within the window gets the first outcome.
 */
class TwoPhaseCommitBoundedStateSpec {

  static final int KEEP = 8;
  static final Settings SETTINGS = Settings.DEFAULT.withKeepEnded(KEEP);

  /** How many transactions the status lists for {@code node}, as coordinator and as participant. */
  static int[] kept(Simulation<TwoPhaseCommit.Command> sim, NodeId node) {
    TwoPhaseCommit.Status s = status(sim, node);
    return new int[] {s.coordinator().values().stream().mapToInt(List::size).sum(),
        s.participant().values().stream().mapToInt(List::size).sum()};
  }

  /**
   * 160 transactions of 1-3 keys out of 8 (half with preconditions), 25 ms apart from random
   * coordinators of four nodes, links losing, duplicating and reordering, a random node crashing
   * every 600 ms and back within 300 ms.
   */
  @Test
  void manyTransactionsThroughCrashesLeaveABoundedStateAndStayAtomic() {
    Simulations.forSeeds(1, 6, seed -> {
      Simulation<TwoPhaseCommit.Command> sim = sim(4, seed, LOSSY, SETTINGS);
      Random random = new Random(seed);
      TwoPhaseCommitSpec.Script script = new TwoPhaseCommitSpec.Script();
      for (int i = 1; i <= 160; i++) {
        Map<String, String> writes = new TreeMap<>();
        Map<String, String> expected = new TreeMap<>();
        for (int k = 0, keys = 1 + random.nextInt(3); k < keys; k++) {
          String key = "k" + (1 + random.nextInt(8));
          writes.put(key, "t" + i);
          if (random.nextBoolean()) {
            expected.put(key, "t" + (1 + random.nextInt(i)));
          }
        }
        script.give(sim, ms(25L * i), sim.nodes().get(random.nextInt(4)), new Transact("t" + i, writes, expected));
      }
      for (long at = 300; at < 4000; at += 600) {
        NodeId node = sim.nodes().get(random.nextInt(4));
        sim.crash(ms(at), node);
        sim.restart(ms(at + 50 + random.nextInt(250)), node);
      }
      sim.runUntil(Duration.ofSeconds(9));

      assertAtomic(sim, script);
      long finished = sim.nodes().stream().mapToLong(n -> sim.upcalls(n, TxOutcome.class).size()).sum();
      assertThat(finished).as("outcomes given to clients").isGreaterThan(100);
      for (NodeId node : sim.nodes()) {
        int[] kept = kept(sim, node);
        assertThat(kept[0]).as("%s's coordinator log after %d transactions", node, finished).isLessThanOrEqualTo(KEEP);
        assertThat(kept[1]).as("%s's participant log", node).isLessThanOrEqualTo(KEEP);
      }
    });
  }

  /**
   * Forty transactions through n1 over keys of all three nodes, so the first 32 are forgotten; then
   * n1 crashes right after logging COMMIT of the next and comes back: it re-sends the decision and
   * every participant commits. A late question about the forgotten, committed t1 gets no new record.
   */
  @Test
  void aCoordinatorRecoversItsDecisionWithOlderTransactionsForgotten() {
    Simulations.forSeeds(1, 5, seed -> {
      Simulation<TwoPhaseCommit.Command> sim = sim(3, seed, LAN, SETTINGS);
      Map<String, String> writes = Map.of(keyOn(N1, sim.nodes(), 0), "v", keyOn(N2, sim.nodes(), 0), "v",
          keyOn(N3, sim.nodes(), 0), "v");
      for (int i = 1; i <= 40; i++) {
        sim.tell(ms(60L * i), N1, new Transact("t" + i, writes, Map.of()));
      }
      sim.runUntil(Duration.ofSeconds(4));
      assertThat(sim.upcalls(N1, TxOutcome.class)).hasSize(40);
      assertThat(sim.upcalls(N1, TxOutcome.class).get(0)).isEqualTo(new TxOutcome("t1", true, null));
      assertThat(kept(sim, N1)[0]).isEqualTo(KEEP);
      assertThat(status(sim, N1).coordinator().get(CoordinatorState.COMMIT)).doesNotContain("t1").contains("t40");

      sim.tell(N1, new Transact("t40", writes, Map.of()));
      sim.runFor(ms(100));
      TxOutcome first = sim.upcalls(N1, TxOutcome.class).stream().filter(o -> o.txId().equals("t40")).findFirst()
          .orElseThrow();
      assertThat(sim.upcalls(N1, TxOutcome.class)).as("a retry within the window").hasSize(41).last()
          .isEqualTo(first);

      int events = sim.persistedEvents(N1).size();
      sim.tell(N1, new DecisionRequest("t1", N1, N2));
      sim.runFor(ms(100));
      assertThat(sim.persistedEvents(N1).subList(events, sim.persistedEvents(N1).size()))
          .as("a late question about forgotten t1 records nothing").isEmpty();

      sim.crashAfterWriting(N1, e -> e instanceof CoordinatorDecided d && d.commit());
      sim.tell(N1, new Transact("last", writes, Map.of()));
      sim.runUntil(v -> !v.isUp(N1));
      sim.restart(sim.elapsed().plus(ms(500)), N1);
      sim.runFor(Duration.ofSeconds(2));
      for (NodeId n : List.of(N1, N2, N3)) {
        assertThat(sim.upcalls(n, Participation.class)).as("%s", n).last()
            .isEqualTo(new Participation("last", n, TwoPhaseCommit.Vote.YES, ParticipantState.COMMIT));
        int[] kept = kept(sim, n);
        assertThat(kept[0]).isLessThanOrEqualTo(KEEP);
        assertThat(kept[1]).isLessThanOrEqualTo(KEEP);
      }
      TwoPhaseCommitSpec.CHECKER.check(TwoPhaseCommitSpec.records(sim, Map.of())).requireValid();
    });
  }

  @Test
  void aWindowBelowOneIsRefusedWithTheReason() {
    assertThatThrownBy(() -> Settings.DEFAULT.withKeepEnded(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("keepEnded must be at least 1, got 0");
  }
}
