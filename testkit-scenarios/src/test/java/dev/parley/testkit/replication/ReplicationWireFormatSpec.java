package dev.parley.testkit.replication;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.SerializationTestKit;
import dev.parley.protocols.core.Chunk;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.replication.Cas;
import dev.parley.protocols.replication.ChainMaster;
import dev.parley.protocols.replication.ChainReplication;
import dev.parley.protocols.replication.Get;
import dev.parley.protocols.replication.KvStore;
import dev.parley.protocols.replication.PrimaryBackup;
import dev.parley.protocols.replication.Put;
import dev.parley.protocols.replication.RequestId;
import dev.parley.testkit.ParleyTestKit;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Primary-backup's and chain replication's messages, events, states and statuses travel as Jackson
 * CBOR and come back equal, entries typed only by the {@code KvRequest} interface among them. (The
 * stores here hold values only: a store's recorded answers are typed by {@code KvReply}, which
 * carries no type name on the wire yet.)
 */
class ReplicationWireFormatSpec {

  @RegisterExtension static final ParleyTestKit parley = new ParleyTestKit();

  static final NodeId N1 = NodeId.n(1);
  static final NodeId N2 = NodeId.n(2);
  static final Put PUT = new Put(new RequestId("c1", 1), "k", "v");
  static final Cas CAS = new Cas(new RequestId("c2", 4), "k", null, "w");
  static final Get GET = new Get(new RequestId("c3", 2), "k");
  /** A store with values and the answers it recorded for retries (an Ok and a CasFailed). */
  static final KvStore STORE = KvStore.EMPTY.apply(PUT).store().apply(CAS).store()
      .apply(new Put(new RequestId("c4", 1), "j", "w")).store();

  private static void roundTrips(List<Object> messages) {
    SerializationTestKit serialization = new SerializationTestKit(parley.actorTestKit().system());
    for (Object m : messages) {
      assertThat(serialization.verifySerialization(m, true)).as(m.toString()).isEqualTo(m);
    }
  }

  @Test
  void primaryBackupMessagesEventsStateAndStatus() {
    roundTrips(List.of(new PrimaryBackup.Request(CAS), new PrimaryBackup.Prepare(3, N1),
        new PrimaryBackup.Promise(3, N2, true, 2, 7), new PrimaryBackup.Promise(3, N2, false, 0, 0),
        new PrimaryBackup.Fetch(3, N1, 2, 7, -42L, 5, true),
        new PrimaryBackup.FetchedChunk(3, N2, 2, 7, -42L, new Chunk(0, new byte[] {9, -1}, 5, 33, "store")),
        new PrimaryBackup.Replicate(3, N1, 8, List.of(PUT, GET, CAS)), 
        new PrimaryBackup.Snapshot(3, N1, 7, new Chunk(3, new byte[] {0, -128}, 5, 33, "store")),
        new PrimaryBackup.SnapshotReply(3, N2, 7, 5),
        new PrimaryBackup.Ack(3, N2, PrimaryBackup.NEEDS_STATE),
        new PrimaryBackup.ViewAdopted(3, null), new PrimaryBackup.StateInstalled(3, 7, STORE),
        new PrimaryBackup.Applied(8, GET), new PrimaryBackup.State(3, N1, 3, 8, STORE),
        new PrimaryBackup.Status(N1, PrimaryBackup.Role.PRIMARY, N1, 3, new TreeSet<>(List.of(N2)), 8, 8,
            STORE.values())));
  }

  @Test
  void chainReplicationMessagesTheMastersEventAndStatus() {
    ChainReplication.Config config = new ChainReplication.Config(4,
        List.of(new ChainReplication.Member(N1, -5L, 1), new ChainReplication.Member(N2, 77L, 4)));
    roundTrips(List.of(new ChainReplication.Request(GET), new ChainReplication.Configure(config, 1234),
        new ChainReplication.Configure(ChainReplication.Config.NONE, 0), new ChainMaster.Reconfigured(config),
        new ChainReplication.Pong(N2, 77L, 4, true), new ChainReplication.Forward(4, N1, 9, List.of(PUT, CAS)),
        new ChainReplication.Acked(4, N2, ChainReplication.NEEDS_STATE), 
        new ChainReplication.Transfer(4, N1, 9, new Chunk(0, new byte[] {1, 2, -3}, 5, 33, "store")),
        new ChainReplication.TransferReply(4, N2, 9, 3),
        new ChainReplication.Status(N2, ChainReplication.Role.TAIL, 4, List.of(N1, N2), true, 9, 9, 0,
            Map.of("k", "w"))));
  }
}
