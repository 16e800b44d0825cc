package dev.parley.testkit.pubsub;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.SerializationTestKit;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.election.LogPosition;
import dev.parley.protocols.pubsub.PartitionedLog;
import dev.parley.protocols.replication.Append;
import dev.parley.protocols.replication.KvReply;
import dev.parley.protocols.replication.KvStore;
import dev.parley.protocols.replication.LogEntry;
import dev.parley.protocols.replication.LogRecord;
import dev.parley.protocols.replication.RaftKv;
import dev.parley.protocols.replication.ReadLog;
import dev.parley.protocols.replication.RequestId;
import dev.parley.protocols.replication.Trim;
import dev.parley.testkit.ParleyTestKit;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The log operations travel as Jackson CBOR and come back equal: inside Raft entries and events
 * (typed only by {@code KvRequest}), a store holding logs in a snapshot, its recorded answers
 * (typed only by {@code KvReply}), and the broker's downcalls and upcalls.
 */
class PartitionedLogWireFormatSpec {

  @RegisterExtension static final ParleyTestKit parley = new ParleyTestKit();

  static final Append APPEND = new Append(new RequestId("b1", 1), "t/0", "k", "v", 1234);
  static final ReadLog READ = new ReadLog(new RequestId("b1", 2), "t/0", 0, 10);
  static final Trim TRIM = new Trim(new RequestId("b1", 3), "t/0", 1000, Long.MAX_VALUE, 64);

  private static void roundTrips(List<Object> messages) {
    SerializationTestKit serialization = new SerializationTestKit(parley.actorTestKit().system());
    for (Object m : messages) {
      assertThat(serialization.verifySerialization(m, true)).as(m.toString()).isEqualTo(m);
    }
  }

  @Test
  void logRequestsInRaftEntriesAStoreWithLogsAndTheirAnswers() {
    KvStore store = KvStore.EMPTY.apply(APPEND).store().apply(TRIM).store()
        .apply(new Append(new RequestId("b2", 1), "t/1", null, "w", 99)).store();
    roundTrips(List.of(new RaftKv.Request(APPEND), new RaftKv.Request(READ), new RaftKv.Request(TRIM),
        new RaftKv.EntriesAppended(List.of(new LogEntry(1, 1, APPEND), new LogEntry(2, 1, TRIM))),
        new RaftKv.SnapshotTaken(new LogPosition(2, 1), store),
        new KvReply.Appended(APPEND.id(), 0, 1234),
        new KvReply.Records(READ.id(), 0, 1, Long.MIN_VALUE, List.of(new LogRecord(0, 1234, "k", "v")))));
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
