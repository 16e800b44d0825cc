package dev.parley.testkit.replication;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.SerializationTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.replication.Cas;
import dev.parley.protocols.replication.Get;
import dev.parley.protocols.replication.Put;
import dev.parley.protocols.replication.RequestId;
import dev.parley.protocols.replication.TpcState;
import dev.parley.protocols.replication.TpcState.CoordinatorTx;
import dev.parley.protocols.replication.TpcState.Part;
import dev.parley.protocols.replication.TpcState.ParticipantTx;
import dev.parley.protocols.replication.TwoPhaseCommit;
import dev.parley.protocols.replication.TwoPhaseCommit.CoordinatorState;
import dev.parley.protocols.replication.TwoPhaseCommit.ParticipantState;
import dev.parley.protocols.replication.TwoPhaseCommit.Vote;
import dev.parley.testkit.ParleyTestKit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two-phase commit's messages, log records, snapshot state and status travel as Jackson CBOR and come
 * back equal: the requests inside log records keep their type, null expected values (a key that must
 * be absent) survive, and maps keyed by node or by state keep their keys.
 */
class TwoPhaseCommitWireFormatSpec {

  @RegisterExtension static final ParleyTestKit parley = new ParleyTestKit();

  static final NodeId N1 = NodeId.n(1);
  static final NodeId N2 = NodeId.n(2);

  private static void roundTrips(List<Object> messages) {
    SerializationTestKit serialization = new SerializationTestKit(parley.actorTestKit().system());
    for (Object m : messages) {
      assertThat(serialization.verifySerialization(m, true)).as(m.toString()).isEqualTo(m);
    }
  }

  static Part part() {
    Map<String, String> expected = new HashMap<>();
    expected.put("k1", null);
    expected.put("k2", "old");
    return new Part(Map.of("k1", "new", "k2", "newer"), expected, Set.of("k3"));
  }

  @Test
  void downcallsMessagesAndUpcalls() {
    Map<String, String> found = new HashMap<>();
    found.put("k3", null);
    roundTrips(List.of(
        new TwoPhaseCommit.Request(new Cas(new RequestId("c1", 2), "k1", null, "v")),
        new TwoPhaseCommit.Transact("tx", Map.of("k1", "v"), part().expected()),
        new TwoPhaseCommit.Begin("tx", N1, part()), new TwoPhaseCommit.Joined("tx", N2, false, "locked"),
        new TwoPhaseCommit.VoteRequest("tx", N1, List.of(N1, N2)),
        new TwoPhaseCommit.Voted("tx", N2, true, null, found),
        new TwoPhaseCommit.GlobalDecision("tx", N1, true), new TwoPhaseCommit.Ack("tx", N2),
        new TwoPhaseCommit.Ended("tx", N1),
        new TwoPhaseCommit.DecisionRequest("tx", N1, N2),
        new TwoPhaseCommit.TxOutcome("tx", false, "n2 voted NO"),
        new TwoPhaseCommit.Participation("tx", N2, Vote.YES, ParticipantState.READY)));
  }

  @Test
  void logRecordsAndTheStateTheySnapshot() {
    TpcState state = new TpcState(
        Map.of("kv:c1:1", new CoordinatorTx("kv:c1:1", Map.of(N2, part()),
            new Put(new RequestId("c1", 1), "k1", "v"), CoordinatorState.WAIT, null, false)),
        Map.of("tx", new ParticipantTx("tx", N1, List.of(N1, N2), part(), Vote.YES, ParticipantState.READY)),
        Map.of("k1", "v"));
    TpcState windowed = new TpcState(Map.of("tx", new CoordinatorTx("tx", Map.of(N2, part()), null,
        CoordinatorState.COMMIT, null, true)),
        Map.of("tx", new ParticipantTx("tx", N1, List.of(N1, N2), part(), Vote.YES, ParticipantState.COMMIT, true)),
        Map.of("k1", "v"), Map.of(7L, "tx"), Map.of(3L, "tx"), 8);
    roundTrips(List.of(
        new TwoPhaseCommit.CoordinatorWaiting("kv:c1:3", Map.of(N1, part(), N2, part()),
            new Get(new RequestId("c1", 3), "k3")),
        new TwoPhaseCommit.CoordinatorWaiting("tx", Map.of(N2, part()), null),
        new TwoPhaseCommit.CoordinatorDecided("tx", false, "no vote"), new TwoPhaseCommit.CoordinatorEnded("tx"),
        new TwoPhaseCommit.ParticipantReady("tx", N1, List.of(N1, N2), part()),
        new TwoPhaseCommit.ParticipantDecided("tx", N1, Vote.NONE, false), new TwoPhaseCommit.ParticipantEnded("tx"),
        state, TpcState.EMPTY, windowed));
  }

  @Test
  void statusQueriesCarryTheirReplyAddress() {
    TestProbe<TwoPhaseCommit.Status> probe = parley.actorTestKit().createTestProbe();
    roundTrips(List.of(new TwoPhaseCommit.GetStatus(probe.getRef()),
        new TwoPhaseCommit.Status(N2, Map.of(CoordinatorState.COMMIT, List.of("tx")),
            Map.of(ParticipantState.READY, List.of("tx-7")),
            List.of("tx-7 READY since 2024-01-01T00:00:00Z, coordinator n1 unreachable"),
            Map.of("k1", "v"), Map.of("k2", "tx-7"))));
  }
}
