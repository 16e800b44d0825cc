package dev.parley.testkit.replication;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.TestProbe;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.replication.TwoPhaseCommit;
import dev.parley.protocols.replication.TwoPhaseCommit.ParticipantState;
import dev.parley.protocols.replication.TwoPhaseCommit.Participation;
import dev.parley.protocols.replication.TwoPhaseCommit.Settings;
import dev.parley.protocols.replication.TwoPhaseCommit.Transact;
import dev.parley.protocols.replication.TwoPhaseCommit.TxOutcome;
import dev.parley.protocols.replication.TwoPhaseCommit.Vote;
import dev.parley.testkit.ParleyTestKit;
import dev.parley.testkit.group.LocalGroup;
import dev.parley.testkit.sim.StorageFaults;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two-phase commit in a group of real actors journaling to the in-memory persistence testkit: a
 * transaction commits on both partitions, and a participant restarted from its journal keeps what
 * it committed (events and state through the real journal and serialization), also when every
 * node's journal is slow (storage faults: each node's writes attributed to its own journal).
 */
class TwoPhaseCommitGroupSpec {

  @RegisterExtension static final ParleyTestKit parley = new ParleyTestKit();

  static final NodeId N1 = NodeId.n(1);
  static final NodeId N2 = NodeId.n(2);
  static final NodeId N3 = NodeId.n(3);
  static final Duration PATIENCE = Duration.ofSeconds(5);

  private static LocalGroup<TwoPhaseCommit.Command> group(String name) {
    return group(parley.group(List.of(N1, N2, N3)), name);
  }

  private static LocalGroup<TwoPhaseCommit.Command> group(LocalGroup.Builder builder, String name) {
    return builder.start((peers, env, upcalls) ->
        TwoPhaseCommit.create(name, peers, env, Settings.DEFAULT, upcalls.narrow(), upcalls.narrow()));
  }

  private static TwoPhaseCommit.Status status(LocalGroup<TwoPhaseCommit.Command> group, NodeId node) {
    TestProbe<TwoPhaseCommit.Status> probe = parley.actorTestKit().createTestProbe();
    group.tell(node, new TwoPhaseCommit.GetStatus(probe.getRef()));
    return probe.receiveMessage(PATIENCE);
  }

  @Test
  void aCommittedTransactionSurvivesAParticipantsRestart() {
    committedSurvivesARestart(group("restart"));
  }

  @Test
  void withEveryNodesJournalSlowACommittedTransactionStillSurvivesAParticipantsRestart() {
    LocalGroup<TwoPhaseCommit.Command> group = group(parley.group(List.of(N1, N2, N3))
        .storage(StorageFaults.NONE.withWriteDelay(Delay.uniform(Duration.ofMillis(5), Duration.ofMillis(40)))),
        "slow-journals");
    committedSurvivesARestart(group);
    for (NodeId node : group.nodes()) {
      assertThat(group.journal(node).writes()).as("writes of " + node).isPositive();
    }
  }

  private static void committedSurvivesARestart(LocalGroup<TwoPhaseCommit.Command> group) {
    String a = TwoPhaseCommitSpec.keyOn(N2, group.nodes(), 0);
    String b = TwoPhaseCommitSpec.keyOn(N3, group.nodes(), 0);
    group.tell(N1, new Transact("tx", Map.of(a, "x", b, "y"), Map.of()));
    group.await(PATIENCE, () ->
        assertThat(group.upcalls().of(N1, TxOutcome.class)).containsExactly(new TxOutcome("tx", true, null)));
    group.await(PATIENCE, () -> assertThat(group.upcalls().of(N2, Participation.class))
        .contains(new Participation("tx", N2, Vote.YES, ParticipantState.COMMIT)));

    group.crash(N2);
    group.restart(N2);
    TwoPhaseCommit.Status recovered = status(group, N2);
    assertThat(recovered.values()).isEqualTo(Map.of(a, "x"));
    assertThat(recovered.participant()).isEqualTo(Map.of(ParticipantState.COMMIT, List.of("tx")));
    assertThat(recovered.locks()).isEmpty();
  }
}
