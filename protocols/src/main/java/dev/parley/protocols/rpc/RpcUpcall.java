package dev.parley.protocols.rpc;

/** What the RPC client and server report to their users. */
public sealed interface RpcUpcall permits RpcReply, RpcFailed, Executed {}
