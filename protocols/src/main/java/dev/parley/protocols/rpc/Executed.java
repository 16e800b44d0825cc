package dev.parley.protocols.rpc;

import dev.parley.protocols.core.NodeId;

/** Server upcall: the server executed request {@code requestId} of {@code client} (one effect). */
public record Executed(NodeId client, long requestId) implements RpcUpcall {}
