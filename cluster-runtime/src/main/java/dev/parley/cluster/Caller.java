package dev.parley.cluster;

import java.util.Optional;

/**
 * Who asks for an operation, and where.
 *
 * @param node the settings of the node asked
 * @param client the client the request names ({@code ?client=}), or a fresh anonymous one: a request
 *     naming no client is a client of its own
 * @param seq the request's number among its client's ({@code ?seq=}), if it gives one
 */
public record Caller(NodeSettings node, String client, Optional<Long> seq) {

  /** A client of its own at {@code node}. */
  public static Caller anonymous(NodeSettings node) {
    return new Caller(node, Clients.anonymous(), Optional.empty());
  }

  /** Whether the request named its client. */
  public boolean named() {
    return !Clients.isAnonymous(client);
  }
}
