package dev.parley.testkit.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.SerializationTestKit;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.rpc.CounterService;
import dev.parley.protocols.rpc.NfsServer;
import dev.parley.protocols.rpc.RpcClient;
import dev.parley.protocols.rpc.RpcServer;
import dev.parley.testkit.ParleyTestKit;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * RPC messages and the server's journal event round-trip through the cluster's serializer, with the
 * requests and results they carry (any WireMessage, written by its own serializer), so a call can
 * cross JVMs and a server recover its reply cache from a real journal.
 */
class RpcWireFormatSpec {

  @RegisterExtension static final ParleyTestKit parley = new ParleyTestKit();

  @Test
  void callsRepliesAndJournaledExecutionsRoundTrip() {
    SerializationTestKit serialization = new SerializationTestKit(parley.actorTestKit().system());
    NfsServer.FileHandle file = new NfsServer.FileHandle("/a");
    List<Object> messages = List.of(
        new RpcServer.Request(NodeId.n(1), 7, new CounterService.Deposit("acct", 5)),
        new RpcServer.Request(NodeId.n(2), 8, new NfsServer.Rename(NfsServer.ROOT, "a", "b")),
        new RpcServer.Performed(NodeId.n(1), 7, new CounterService.Deposit("acct", 5), new CounterService.Amount(5)),
        new RpcServer.Performed(NodeId.n(2), 9, new NfsServer.Write(file, 0, "hi"), new NfsServer.Ok()),
        new RpcClient.Call(3, new NfsServer.Read(file, 0, 2)),
        new RpcClient.Reply(3, new NfsServer.Data("hi")),
        new RpcClient.Reply(4, new NfsServer.NfsError("NOENT")));
    for (Object m : messages) {
      assertThat(serialization.verifySerialization(m, true)).as(m.toString()).isEqualTo(m);
    }
  }
}
