package dev.parley.protocols.rpc;

import dev.parley.protocols.core.WireMessage;

/** Client upcall: call {@code requestId} was answered with {@code result} after {@code attempts} sends. */
public record RpcReply(long requestId, WireMessage result, int attempts) implements RpcUpcall {}
