package dev.parley.protocols.rpc;

import dev.parley.protocols.core.WireMessage;

/**
 * A service an {@link RpcServer} executes: a deterministic function of its state and a request
 * (recovery replays the journal through it, so it must not read the clock or a random).
 *
 * @param <S> the service's state, immutable
 */
public interface RpcService<S> {

  /** The state of a new service. */
  S initial();

  /** Executes {@code request} on {@code state}: the new state and the result. */
  Outcome<S> execute(S state, WireMessage request);

  /** A new state and the result for the client. */
  record Outcome<S>(S state, WireMessage result) {}
}
