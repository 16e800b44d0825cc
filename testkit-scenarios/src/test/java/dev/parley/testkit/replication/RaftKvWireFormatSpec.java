package dev.parley.testkit.replication;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.SerializationTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import akka.serialization.Serializer;
import akka.serialization.Serializers;
import dev.parley.protocols.core.Chunk;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.election.LogPosition;
import dev.parley.protocols.election.RaftState;
import dev.parley.protocols.election.Role;
import dev.parley.protocols.replication.Cas;
import dev.parley.protocols.replication.Get;
import dev.parley.protocols.replication.KvStore;
import dev.parley.protocols.replication.KvWireSerializer;
import dev.parley.protocols.replication.LogEntry;
import dev.parley.protocols.replication.Put;
import dev.parley.protocols.replication.Raft;
import dev.parley.protocols.replication.RaftKv;
import dev.parley.protocols.replication.RaftKvStatus;
import dev.parley.protocols.replication.RaftStatus;
import dev.parley.protocols.replication.RaftWireSerializer;
import dev.parley.protocols.replication.RaftLog;
import dev.parley.protocols.replication.Register;
import dev.parley.protocols.replication.RequestId;
import dev.parley.protocols.replication.SessionExpiry;
import dev.parley.testkit.ParleyTestKit;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Raft's messages cross node boundaries and its events and state go to the journal as Jackson CBOR:
 * log entries carry the key-value requests of any of the three kinds (or none, a leader's no-op) as
 * payloads of any state machine, snapshots carry the store (whole in the journal, in chunks of its
 * serialized bytes on the wire), and all come back equal.
 */
class RaftKvWireFormatSpec {

  @RegisterExtension static final ParleyTestKit parley = new ParleyTestKit();

  static final NodeId N1 = NodeId.n(1);
  static final NodeId N2 = NodeId.n(2);
  static final Put PUT = new Put(new RequestId("c1", 1), "k1", "v1");
  static final Cas CAS = new Cas(new RequestId("c2", 2), "k1", null, "v2");
  static final Get GET = new Get(new RequestId("c1", 3), "k1");
  static final List<LogEntry> ENTRIES = List.of(LogEntry.noop(5, 2), new LogEntry(6, 2, PUT),
      new LogEntry(7, 3, CAS), new LogEntry(8, 3, GET));
  static final KvStore STORE = KvStore.EMPTY.apply(PUT).store().apply(CAS).store();

  private static void roundTrips(List<Object> messages) {
    SerializationTestKit serialization = new SerializationTestKit(parley.actorTestKit().system());
    for (Object m : messages) {
      assertThat(serialization.verifySerialization(m, true)).as(m.toString()).isEqualTo(m);
    }
  }

  @Test
  void messages() {
    TestProbe<RaftKvStatus> probe = parley.actorTestKit().createTestProbe();
    roundTrips(List.of(new RaftKv.Request(PUT), new RaftKv.Request(CAS), new RaftKv.Request(GET),
        new RaftKv.Request(new Register(new RequestId("anon-1", 1))),
        new RaftKv.GetStatus(probe.getRef()),
        new Raft.RequestVote(3, N1, new LogPosition(8, 3)), new Raft.VoteReply(3, N2, true),
        new Raft.AppendEntries(3, N1, new LogPosition(4, 1), ENTRIES, 6),
        new Raft.AppendEntries(3, N1, new LogPosition(8, 3), List.of(), 8),
        new Raft.AppendReply(3, N2, false, 5, false), new Raft.Submit(PUT),
        new RaftKvStatus(N1, Role.LEADER, 3, N1, N1, 6, 6, 5, 8, 3, 4, 1),
        new RaftStatus(N1, Role.LEADER, 3, N1, N1, 6, 6, 5, 8, 3, 4, new TreeSet<>(Set.of(N2)))));
  }

  @Test
  void eventsAndTheStateWithAnEmptyStore() {
    RaftLog log = RaftLog.EMPTY.append(List.of(new LogEntry(1, 1, PUT))).append(List.of(new LogEntry(2, 2, CAS)));
    roundTrips(List.of(new Raft.TermStarted(3), new Raft.Voted(3, N2), new Raft.EntriesAppended(ENTRIES),
        new Raft.LogTruncated(7), new Raft.State(new RaftState(3, N2), log), Raft.State.INITIAL));
  }

  /**
   * The replication traffic (AppendEntries, their answers, the appended entries' event) has a wire
   * form of its own, and an EntriesAppended that Jackson wrote (a journal from before it) still reads.
   */
  @Test
  void replicationTrafficHasItsOwnFormatAndOldEventsStillRead() {
    Serialization serialization = SerializationExtension.get(parley.actorTestKit().system());
    for (Object m : List.of(new Raft.AppendEntries(3, N1, new LogPosition(4, 1), ENTRIES, 6),
        new Raft.AppendReply(3, N2, true, 8, true), new Raft.EntriesAppended(ENTRIES))) {
      assertThat(serialization.findSerializerFor(m).identifier()).as(m.toString()).isEqualTo(RaftWireSerializer.ID);
    }
    Raft.EntriesAppended event = new Raft.EntriesAppended(ENTRIES);
    Serializer jackson = serialization.serializerByIdentity().apply(33); // jackson-cbor, the binding before
    akka.actor.ExtendedActorSystem classic =
        (akka.actor.ExtendedActorSystem) akka.actor.typed.javadsl.Adapter.toClassic(parley.actorTestKit().system());
    scala.Function0<byte[]> write = () -> jackson.toBinary(event);
    byte[] old = akka.serialization.Serialization$.MODULE$.withTransportInformation(classic, write);
    assertThat(serialization.deserialize(old, 33, Serializers.manifestFor(jackson, event)).get()).isEqualTo(event);
    byte[] cut = java.util.Arrays.copyOf(serialization.serialize(event).get(), 20);
    assertThat(serialization.deserialize(cut, RaftWireSerializer.ID, "EA").isFailure()).isTrue();
  }

  /**
   * The stores' requests (what log entries and the stores' messages carry) have a wire form of their
   * own, null strings and long values included, and a request Jackson wrote (a journal from before) still reads.
   */
  @Test
  void requestsHaveTheirOwnFormatAndOldOnesStillRead() {
    Serialization serialization = SerializationExtension.get(parley.actorTestKit().system());
    String big = "v".repeat(70_000) + "\u00e9\u4e2d";
    List<Object> requests = List.of(PUT, CAS, GET, new Register(new RequestId("anon-1", 1)),
        new Put(new RequestId("c\u00e9", Long.MAX_VALUE), "", big), new Cas(new RequestId("c", 2), "k", "a", null));
    akka.actor.ExtendedActorSystem classic =
        (akka.actor.ExtendedActorSystem) akka.actor.typed.javadsl.Adapter.toClassic(parley.actorTestKit().system());
    Serializer jackson = serialization.serializerByIdentity().apply(33);
    for (Object r : requests) {
      Serializer bound = serialization.findSerializerFor(r);
      assertThat(bound.identifier()).as(r.toString()).isEqualTo(KvWireSerializer.ID);
      byte[] bytes = serialization.serialize(r).get();
      assertThat(serialization.deserialize(bytes, bound.identifier(), Serializers.manifestFor(bound, r)).get())
          .isEqualTo(r);
      scala.Function0<byte[]> write = () -> jackson.toBinary(r);
      byte[] old = akka.serialization.Serialization$.MODULE$.withTransportInformation(classic, write);
      assertThat(serialization.deserialize(old, 33, Serializers.manifestFor(jackson, r)).get()).isEqualTo(r);
    }
    assertThat(serialization.deserialize(new byte[] {1, 0, 0, 0, 9}, KvWireSerializer.ID, "P").isFailure()).isTrue();
  }

  /** A store remembers each client's last reply: KvReply must carry its type name, as KvRequest does. */
  @Test
  void snapshotsCarryTheStoreWithItsClientsLastReplies() {
    RaftLog log = new RaftLog(new LogPosition(4, 1), STORE, List.of()).append(ENTRIES);
    roundTrips(List.of(STORE,
        new Raft.InstallSnapshot(3, N1, new LogPosition(4, 1), new Chunk(0, new byte[] {1, 2, -3}, 5, 33, "store")),
        new Raft.InstallSnapshot(3, N1, new LogPosition(4, 1), new Chunk(3, new byte[] {0, -128}, 5, 33, "store")),
        new Raft.InstallSnapshotReply(3, N2, new LogPosition(4, 1), 3),
        new Raft.SnapshotTaken(new LogPosition(4, 1), STORE), new Raft.State(new RaftState(3, N2), log)));
  }

  /**
   * A store whose sessions expire travels with its clock, its expired buckets, its count of registered
   * clients and its settings, and
   * the store read back goes on exactly as the one sent (the same sessions expire at the same requests).
   */
  @Test
  void aStoreWithExpiringSessionsRoundTripsAndGoesOnAlike() {
    KvStore sent = KvStore.empty(new SessionExpiry(5, 16));
    for (int i = 1; i <= 12; i++) {
      sent = sent.apply(new Put(new RequestId("c" + (i % 7), i), "k" + (i % 3), "v" + i)).store();
      sent = sent.apply(new Put(new RequestId(RequestId.ANONYMOUS_PREFIX + i, 1), "a", "v" + i)).store();
      sent = sent.apply(new Register(new RequestId(RequestId.ANONYMOUS_PREFIX + "r" + i, 1))).store();
    }
    assertThat(sent.sessions().expired()).isNotEmpty();
    assertThat(sent.sessions().registered()).isEqualTo(12);
    SerializationTestKit serialization = new SerializationTestKit(parley.actorTestKit().system());
    KvStore received = (KvStore) serialization.verifySerialization(sent, true);
    assertThat(received).isEqualTo(sent);
    for (int i = 13; i <= 30; i++) {
      Put put = new Put(new RequestId(i % 5 == 0 ? "reg-" + (i / 2) : "c" + (i % 11), i % 4 == 0 ? 1 : i),
          "k" + (i % 3), "v" + i);
      KvStore.Result a = sent.apply(put);
      KvStore.Result b = received.apply(put);
      assertThat(b.reply()).as("%s", put).isEqualTo(a.reply());
      sent = a.store();
      received = b.store();
      assertThat(received).isEqualTo(sent);
    }
  }
}
