package dev.parley.protocols.rpc;

/** Client upcall: call {@code requestId} had no reply within its retry budget. */
public record RpcFailed(long requestId, String reason) implements RpcUpcall {}
