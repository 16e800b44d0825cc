package dev.parley.testkit.pubsub;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.SerializationTestKit;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.election.LogPosition;
import dev.parley.protocols.pubsub.PartitionedLog;
import dev.parley.protocols.election.RaftState;
import dev.parley.protocols.pubsub.LogRecord;
import dev.parley.protocols.pubsub.LogReply;
import dev.parley.protocols.pubsub.LogRequest;
import dev.parley.protocols.pubsub.LogStore;
import dev.parley.protocols.replication.ClientSessions;
import dev.parley.protocols.replication.LogEntry;
import dev.parley.protocols.replication.Raft;
import dev.parley.protocols.replication.RaftLog;
import dev.parley.protocols.replication.RequestId;
import dev.parley.protocols.replication.SessionStateMachine.Sessioned;
import dev.parley.testkit.ParleyTestKit;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The log's requests travel as Jackson CBOR and come back equal: inside Raft entries and events
 * (where they are payloads of any state machine), a store holding logs and positions in a snapshot
 * with the sessions' recorded answers, every answer, and the broker's downcalls and upcalls.
 */
class PartitionedLogWireFormatSpec {

  @RegisterExtension static final ParleyTestKit parley = new ParleyTestKit();

  static final LogRequest.Append APPEND = new LogRequest.Append(new RequestId("b1", 1), "t/0", "k", "v", 1234);
  static final LogRequest.ReadLog READ = new LogRequest.ReadLog(new RequestId("b1", 2), "t/0", 0, 10);
  static final LogRequest.Trim TRIM = new LogRequest.Trim(new RequestId("b1", 3), "t/0", 1000, Long.MAX_VALUE, 64);
  static final LogRequest.CommitPosition COMMIT =
      new LogRequest.CommitPosition(new RequestId("b1", 4), "g", "t/0", 1);
  static final LogRequest.ReadPositions POSITIONS =
      new LogRequest.ReadPositions(new RequestId("b1", 5), "g", List.of("t/0", "t/1"));

  private static void roundTrips(List<Object> messages) {
    SerializationTestKit serialization = new SerializationTestKit(parley.actorTestKit().system());
    for (Object m : messages) {
      assertThat(serialization.verifySerialization(m, true)).as(m.toString()).isEqualTo(m);
    }
  }

  @Test
  void logRequestsInRaftEntriesAStoreWithLogsAndTheirAnswers() {
    Sessioned<LogStore, LogReply> store = LogStore.MACHINE.initialState();
    for (LogRequest r : List.of(APPEND, TRIM, COMMIT,
        new LogRequest.Append(new RequestId("b2", 1), "t/1", null, "w", 99))) {
      store = LogStore.MACHINE.apply(store, r).state();
    }
    Object snapshot = LogStore.MACHINE.takeSnapshot(store);
    roundTrips(List.of(new Raft.Submit(APPEND), new Raft.Submit(READ), new Raft.Submit(TRIM),
        new Raft.Submit(COMMIT), new Raft.Submit(POSITIONS),
        new Raft.EntriesAppended(List.of(new LogEntry(1, 1, APPEND), new LogEntry(2, 1, TRIM),
            new LogEntry(3, 1, COMMIT), new LogEntry(4, 2, POSITIONS))),
        new Raft.SnapshotTaken(new LogPosition(2, 1), snapshot),
        new Raft.State(new RaftState(2, null), new RaftLog(new LogPosition(2, 1), snapshot, List.of())),
        new LogReply.Appended(APPEND.id(), 0, 1234),
        new LogReply.Records(READ.id(), 0, 1, Long.MIN_VALUE, List.of(new LogRecord(0, 1234, "k", "v"))),
        new LogReply.Trimmed(TRIM.id(), 1), new LogReply.Committed(COMMIT.id()),
        new LogReply.Positions(POSITIONS.id(), Map.of("t/0", 1L)),
        new LogReply.Rejected(APPEND.id(), ClientSessions.Why.ID_REUSED, "another"),
        new LogReply.NotLeader(APPEND.id(), NodeId.n(2)), new LogReply.NotLeader(APPEND.id(), null),
        new LogReply.Failed(APPEND.id(), "The state machine threw java.lang.IllegalStateException")));
  }

  @Test
  void theBrokersDowncallsUpcallsAndStatus() {
    roundTrips(List.of(new PartitionedLog.Append("c1", "orders", "k", "v"),
        new PartitionedLog.Append("c2", "orders", null, "v"),
        new PartitionedLog.Read("c3", "orders", 2, 5, 100),
        new PartitionedLog.CommitOffset("c4", "g", "orders", 2, 6), new PartitionedLog.Positions("c5", "g", "orders"),
        new PartitionedLog.Appended("c1", "orders", 3, 7, 1234),
        new PartitionedLog.Records("c3", "orders", 2, 0, 1, 10, List.of(new LogRecord(0, 12, "k", "v"))),
        new PartitionedLog.Committed("c4", "g", "orders", 2, 6),
        new PartitionedLog.GroupPositions("c5", "g", "orders", Map.of(0, 3L, 2, 6L)),
        new PartitionedLog.NotLeader("c1", NodeId.n(2)), new PartitionedLog.NotLeader("c1", null),
        new PartitionedLog.Rejected("c3", "no partition 9"), new PartitionedLog.Failed("c1", "no answer"),
        new PartitionedLog.Status(NodeId.n(1), 2, List.of("orders")),
        new PartitionedLog.Topic(4, Duration.ofHours(1), 1000, Long.MAX_VALUE)));
  }
}
