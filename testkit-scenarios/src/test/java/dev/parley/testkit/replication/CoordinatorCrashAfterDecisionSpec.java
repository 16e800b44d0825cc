package dev.parley.testkit.replication;

import static dev.parley.testkit.replication.TwoPhaseCommitSpec.CHECKER;
import static dev.parley.testkit.replication.TwoPhaseCommitSpec.LAN;
import static dev.parley.testkit.replication.TwoPhaseCommitSpec.N1;
import static dev.parley.testkit.replication.TwoPhaseCommitSpec.N2;
import static dev.parley.testkit.replication.TwoPhaseCommitSpec.N3;
import static dev.parley.testkit.replication.TwoPhaseCommitSpec.keyOn;
import static dev.parley.testkit.replication.TwoPhaseCommitSpec.records;
import static dev.parley.testkit.replication.TwoPhaseCommitSpec.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.replication.BrokenReplicas;
import dev.parley.protocols.replication.TwoPhaseCommit;
import dev.parley.protocols.replication.TwoPhaseCommit.CoordinatorDecided;
import dev.parley.protocols.replication.TwoPhaseCommit.ParticipantState;
import dev.parley.protocols.replication.TwoPhaseCommit.Participation;
import dev.parley.protocols.replication.TwoPhaseCommit.Settings;
import dev.parley.protocols.replication.TwoPhaseCommit.Transact;
import dev.parley.testkit.checker.CommitRecord;
import dev.parley.testkit.commit.AtomicCommitInvariants;
import dev.parley.testkit.sim.SimProtocol;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.SimulationFailure;
import dev.parley.testkit.sim.Simulations;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A classic hard case of two-phase commit, scripted: the coordinator crashes after its COMMIT
 * reached its log and before any of it went out ({@link Simulation#crashAfterWriting}). Every
 * participant voted YES and is READY; none can know the outcome, and none may guess it. The correct
 * participants stay blocked (locks held, asking the coordinator and each other) until the coordinator
 * recovers its decision from its log and sends it; then all commit. Participants that abort on their
 * own once blocked ({@link BrokenReplicas#participantAbortingWhenBlocked}) are stopped by {@link
 * AtomicCommitInvariants} at the step where the recovered coordinator commits what they aborted.
 *
 * <p>Three nodes, a transaction writing a key on each (n1 is both coordinator and participant), a
 * LAN's delays, ten seeds; the coordinator restarts at a random moment 1 to 2 s after its crash.
 */
class CoordinatorCrashAfterDecisionSpec {

  static final SimProtocol<TwoPhaseCommit.Command> CORRECT = TwoPhaseCommitSpec.CORRECT;
  static final SimProtocol<TwoPhaseCommit.Command> IMPATIENT = (peers, env, up) ->
      BrokenReplicas.participantAbortingWhenBlocked("tpc", peers, env, Settings.DEFAULT, up.narrow(), up.narrow());

  /** The script up to the coordinator's crash; returns the keys written, by partition. */
  static Map<NodeId, String> crashAfterTheDecision(Simulation<TwoPhaseCommit.Command> sim) {
    Map<NodeId, String> keys = Map.of(N1, keyOn(N1, sim.nodes(), 0), N2, keyOn(N2, sim.nodes(), 0),
        N3, keyOn(N3, sim.nodes(), 0));
    sim.crashAfterWriting(N1, e -> e instanceof CoordinatorDecided d && d.commit());
    sim.tell(N1, new Transact("tx", Map.of(keys.get(N1), "x", keys.get(N2), "y", keys.get(N3), "z"), Map.of()));
    sim.runUntil(v -> !v.isUp(N1));
    return keys;
  }

  static Simulation<TwoPhaseCommit.Command> sim(long seed, SimProtocol<TwoPhaseCommit.Command> protocol) {
    return Simulation.<TwoPhaseCommit.Command>builder(3, protocol)
        .seed(seed).faults(LAN).freshInvariant(AtomicCommitInvariants::new).build();
  }

  static Duration downFor(long seed) {
    return Duration.ofMillis(1000 + Math.floorMod(seed * 7919, 1000));
  }

  @Test
  void readyParticipantsStayBlockedUntilTheCoordinatorRecoversItsDecisionAndThenAllCommit() {
    Simulations.forSeeds(1, 10, seed -> {
      Simulation<TwoPhaseCommit.Command> sim = sim(seed, CORRECT);
      Map<NodeId, String> keys = crashAfterTheDecision(sim);

      assertThat(sim.persistedEvents(N1)).anyMatch(e -> e instanceof CoordinatorDecided d && d.commit());
      for (NodeId n : List.of(N2, N3)) {
        assertThat(sim.upcalls(n, Participation.class)).extracting(Participation::state)
            .containsExactly(ParticipantState.READY);
      }

      sim.runFor(downFor(seed));
      for (NodeId n : List.of(N2, N3)) {
        TwoPhaseCommit.Status s = status(sim, n);
        assertThat(s.blocked()).singleElement().asString().startsWith("tx READY since")
            .contains("coordinator n1 unreachable");
        assertThat(s.locks()).containsEntry(keys.get(n), "tx");
      }

      sim.restart(sim.elapsed(), N1);
      sim.runFor(Duration.ofSeconds(1));
      List<CommitRecord> records = records(sim, Map.of());
      CHECKER.check(records).requireValid();
      assertThat(records).hasSize(3).allMatch(r -> r.decision() == CommitRecord.Decision.COMMIT);
      for (NodeId n : List.of(N1, N2, N3)) {
        TwoPhaseCommit.Status s = status(sim, n);
        assertThat(s.values()).containsEntry(keys.get(n), n.equals(N1) ? "x" : n.equals(N2) ? "y" : "z");
        assertThat(s.blocked()).isEmpty();
        assertThat(s.locks()).isEmpty();
      }
    });
  }

  @Test
  void participantsThatAbortOnTheirOwnWhenBlockedAreCaughtOnEverySeed() {
    for (long seed = 1; seed <= 10; seed++) {
      Simulation<TwoPhaseCommit.Command> sim = sim(seed, IMPATIENT);
      crashAfterTheDecision(sim);
      sim.runFor(downFor(seed));
      sim.restart(sim.elapsed(), N1);
      long s = seed;
      assertThatThrownBy(() -> sim.runFor(Duration.ofSeconds(1)))
          .as("seed %d", seed)
          .isInstanceOf(SimulationFailure.class)
          .hasMessageContaining("simulation failed (seed " + s + ") at step ")
          .hasMessageContaining("atomic commit violated: transaction tx is committed at participant n1"
              + " but aborted at");
    }
  }
}
