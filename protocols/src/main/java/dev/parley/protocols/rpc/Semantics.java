package dev.parley.protocols.rpc;

/** The call semantics an {@link RpcServer} offers its clients. */
public enum Semantics {
  /**
   * The client retries until it has a reply; the server executes every copy of a request it receives
   * (a retry or a duplicate the network made). Right for idempotent operations only.
   */
  AT_LEAST_ONCE,
  /**
   * The server keeps a persistent reply cache keyed by (client, request id) and answers a copy of a
   * request it has executed from the cache, without executing it again, also after a crash.
   */
  AT_MOST_ONCE
}
