package dev.parley.cluster;

import dev.parley.protocols.rpc.CounterService;
import dev.parley.protocols.rpc.NfsServer;
import dev.parley.protocols.rpc.Semantics;
import java.util.List;

/** RPC under at-most-once and at-least-once semantics, with a counter service and an NFS-style file server. */
public final class RpcKinds implements KindProvider {

  @Override
  public List<ProtocolKind> kinds() {
    return List.of(
        new RpcKind("rpc",
            "at-most-once RPC: journaled reply cache on the group's first node (a counter service), clients elsewhere",
            CounterService.INSTANCE, Semantics.AT_MOST_ONCE),
        new RpcKind("rpc-at-least-once",
            "at-least-once RPC: every copy of a request executed (a counter service on the first node)",
            CounterService.INSTANCE, Semantics.AT_LEAST_ONCE),
        new RpcKind("nfs", "NFS-style stateless file server, at-most-once (reply cache) on the group's first node",
            NfsServer.INSTANCE, Semantics.AT_MOST_ONCE),
        new RpcKind("nfs-at-least-once",
            "NFS-style stateless file server, at-least-once: a retried rename answers NOENT",
            NfsServer.INSTANCE, Semantics.AT_LEAST_ONCE));
  }
}
