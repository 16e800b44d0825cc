package dev.parley.protocols.core;

/**
 * A faster way to one peer than its reference, which a runtime may give {@link Peers} beside it: a
 * protocol's {@link Peers#tell} and {@link Peers#tellOthers} go through the route, and the reference
 * ({@link Peers#ref}) stays what it was.
 *
 * <p>Guarantee asked of an implementation: what goes through the route reaches the same far end as
 * the reference would deliver to, and once {@link #pin} was called every later message goes the
 * reference's way, so a protocol that also holds the reference keeps FIFO order between the two.
 * Cost: whatever the implementation's {@code tell} costs, which is the point of having one.
 *
 * @param <M> the protocol's message type
 */
public interface PeerRoute<M> {

  /** Sends {@code message} to the peer. */
  void tell(M message);

  /** From now on, send the reference's way only (the protocol took the reference itself). */
  void pin();
}
