package dev.parley.protocols.election;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import akka.serialization.Serializer;
import akka.serialization.Serializers;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.failure.DetectorStatus;
import dev.parley.protocols.failure.HeartbeatFailureDetector;
import dev.parley.protocols.failure.QuorumPartitionDetector;
import dev.parley.protocols.failure.Restore;
import dev.parley.protocols.failure.Suspect;
import dev.parley.protocols.replication.LogEntry;
import dev.parley.protocols.replication.Raft;
import dev.parley.protocols.replication.RaftLog;
import dev.parley.protocols.replication.RaftWireSerializer;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The elections' and detectors' wire messages, persisted events and status replies travel as Jackson
 * CBOR (Akka's serializer 33; Raft's AppendEntries and AppendReply as {@link RaftWireSerializer}) and
 * come back equal: what a cluster node sends its peers, writes to its
 * journal and answers on /status.
 */
class ElectionWireFormatTest {

  private static final ActorTestKit testKit = ActorTestKit.create();
  private static final Serialization serialization = SerializationExtension.get(testKit.system());
  private static final NodeId N1 = NodeId.n(1);
  private static final NodeId N2 = NodeId.n(2);

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  static Stream<Object> messages() {
    ZooKeeperElection.Vote vote = new ZooKeeperElection.Vote(N2, 100);
    return Stream.of(
        new LeaderElected(N1, N2, 7),
        new ElectionStatus(N1, Role.FOLLOWER, N2, 7, new TreeSet<>(Set.of(NodeId.n(3)))),
        new ElectionStatus(N1, Role.ELECTING, null, 0, new TreeSet<>()),
        new Bully.Election(N1, 3), new Bully.Answer(N2, 3), new Bully.Coordinator(N2, 4), new Bully.Alive(N2, 4),
        new RingElection.Election(N1, 9, N2, 3, new TreeSet<>(Set.of(N1))), new RingElection.Elected(N1, 10, N2, 4),
        new RingElection.Ack(N2, 9),
        new ZooKeeperElection.Notification(N1, ZooKeeperElection.Phase.LOOKING, 2, vote, 1),
        new ZooKeeperElection.NewEpoch(N2, 5), new ZooKeeperElection.EpochAccepted(5, N2),
        new ZooKeeperElection.Disk(5, N2, 100), new ZooKeeperElection.Disk(0, null, 0),
        new Raft.RequestVote(3, N1, new LogPosition(10, 2)), new Raft.VoteReply(3, N2, true),
        new Raft.AppendEntries(3, N1, new LogPosition(10, 2), List.of(LogEntry.noop(11, 3)), 10),
        new Raft.AppendEntries(3, N1, new LogPosition(11, 3), List.of(), 11), new Raft.AppendReply(3, N2, true, 11, false),
        new Raft.AppendReply(3, N2, true, 11, true),
        new Raft.TermStarted(4), new Raft.Voted(4, N2),
        new Raft.State(new RaftState(4, N2), RaftLog.EMPTY.append(List.of(LogEntry.noop(1, 4)))),
        new RaftState(4, N2), RaftState.INITIAL,
        new HeartbeatFailureDetector.Heartbeat(N1, 12), new Suspect(N1, N2), new Restore(N1, N2),
        new DetectorStatus(N1, new TreeSet<>(Set.of(N2))),
        new QuorumPartitionDetector.Ping(N1, 4), new QuorumPartitionDetector.MajorityLost(N1, 2, 5),
        new QuorumPartitionDetector.QuorumStatus(N1, true, 5, 5));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("messages")
  void travelsAsJacksonCborAndComesBackEqual(Object message) {
    Serializer serializer = serialization.findSerializerFor(message);
    int expected = message instanceof Raft.AppendEntries || message instanceof Raft.AppendReply
        ? RaftWireSerializer.ID : 33; // Raft's replication traffic has a form of its own
    assertThat(serializer.identifier()).as("serializer of %s", message.getClass().getName()).isEqualTo(expected);
    byte[] bytes = serialization.serialize(message).get();
    String manifest = Serializers.manifestFor(serializer, message);
    assertThat(serialization.deserialize(bytes, serializer.identifier(), manifest).get()).isEqualTo(message);
  }

  @org.junit.jupiter.api.Test
  void aRingTokenFromANodeOfBeforeItsDownFieldReadsAsNoneSkipped() throws Exception {
    RingElection.Election now = new RingElection.Election(N1, 9, N2, 3, new TreeSet<>(Set.of(N1)));
    Serializer serializer = serialization.findSerializerFor(now);
    String manifest = Serializers.manifestFor(serializer, now);
    CBORMapper cbor = new CBORMapper();
    @SuppressWarnings("unchecked")
    Map<String, Object> fields = cbor.readValue(serialization.serialize(now).get(), Map.class);
    fields.remove("down");
    Object before = serialization.deserialize(cbor.writeValueAsBytes(fields), serializer.identifier(), manifest).get();
    assertThat(before).isEqualTo(new RingElection.Election(N1, 9, N2, 3, new TreeSet<>()));
  }
}
