package dev.parley.testkit.replication;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.SerializationTestKit;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.replication.Cas;
import dev.parley.protocols.replication.Get;
import dev.parley.protocols.replication.GossipStore;
import dev.parley.protocols.replication.Put;
import dev.parley.protocols.replication.QuorumReplication;
import dev.parley.protocols.replication.RequestId;
import dev.parley.protocols.replication.Versioned;
import dev.parley.protocols.replication.VersionedStore;
import dev.parley.testkit.ParleyTestKit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Quorum replication's and the gossip store's messages, events, snapshots and status answers travel
 * as Jackson CBOR and come back equal, the client's request (typed by its name) and the versioned
 * values (a never-written value as null) included.
 */
class QuorumAndGossipWireFormatSpec {

  @RegisterExtension static final ParleyTestKit parley = new ParleyTestKit();

  static final NodeId N1 = NodeId.n(1);
  static final RequestId ID = new RequestId("c1", 7);
  static final Versioned V = new Versioned(new Versioned.Version(3, N1), "v", ID);

  private static void roundTrips(List<Object> messages) {
    SerializationTestKit serialization = new SerializationTestKit(parley.actorTestKit().system());
    for (Object m : messages) {
      assertThat(serialization.verifySerialization(m, true)).as(m.toString()).isEqualTo(m);
    }
  }

  @Test
  void quorumReplication() {
    roundTrips(List.of(new QuorumReplication.Request(new Put(ID, "x", "v")),
        new QuorumReplication.Request(new Get(ID, "x")), new QuorumReplication.Request(new Cas(ID, "x", null, "v")),
        new QuorumReplication.Read(ID, N1, "x"), new QuorumReplication.ReadReply(ID, N1, V),
        new QuorumReplication.ReadReply(ID, N1, null), new QuorumReplication.Write(ID, N1, "x", V),
        new QuorumReplication.WriteAck(ID, N1, V.version()), new QuorumReplication.Stored("x", V),
        new VersionedStore(Map.of("x", V)),
        new QuorumReplication.Status(N1, 3, 2, 2, true, Map.of("x", V), 1)));
  }

  @Test
  void gossipStore() {
    roundTrips(List.of(new GossipStore.Request(new Put(ID, "x", "v")),
        new GossipStore.Digest(N1, Map.of("x", V.version())), new GossipStore.Delta(N1, Map.of("x", V), Set.of("y")),
        new GossipStore.Merged(Map.of("x", V)), new GossipStore.Status(N1, Map.of("x", V), 12)));
  }
}
