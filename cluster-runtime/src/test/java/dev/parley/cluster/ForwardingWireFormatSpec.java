package dev.parley.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.SerializationTestKit;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.pubsub.PartitionedLog;
import dev.parley.protocols.replication.KvReply;
import dev.parley.protocols.replication.Put;
import dev.parley.protocols.replication.RequestId;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A request forwarded to the leader ({@link Forwarding}) and the leader's answer cross the wire as
 * they were, whatever the kind's request and answer types: a key-value request and a log call, their
 * replies, a request in use, no answer in time, and the unsent reply.
 */
class ForwardingWireFormatSpec {

  static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void forwardedRequestsAndTheirRepliesSurviveSerialization() {
    SerializationTestKit serialization = new SerializationTestKit(testKit.system());
    Put put = new Put(new RequestId("alice", 3), "k", "v");
    PartitionedLog.Append append = new PartitionedLog.Append("http-1", "orders", "a", "x");
    List<Forwarding> all = List.of(
        new Forwarding.Request(NodeId.n(2), put, "put k=v", 5000, testKit.createTestProbe().getRef()),
        new Forwarding.Request(NodeId.n(2), append, "append", 5000, testKit.createTestProbe().getRef()),
        new Forwarding.Reply(NodeId.n(2), new KvReply.Ok(put.id(), null), null),
        new Forwarding.Reply(NodeId.n(2), new PartitionedLog.Appended("http-1", "orders", 1, 7, 99), null),
        new Forwarding.Reply(NodeId.n(2), null, put),
        new Forwarding.Reply(NodeId.n(2), null, null),
        Forwarding.Reply.unsent());
    for (Forwarding f : all) {
      assertThat(serialization.verifySerialization(f, true)).as(f.toString()).isEqualTo(f);
    }
  }
}
