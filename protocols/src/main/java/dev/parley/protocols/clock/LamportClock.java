package dev.parley.protocols.clock;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.parley.protocols.core.WireMessage;

/**
 * Lamport's logical clock, as an immutable value.
 *
 * <p>Model: any (asynchronous, no clocks needed). Rules: tick before every local event and send;
 * on receipt of a message stamped t, move to max(own, t) + 1. Guarantee (the clock condition): if
 * a happened before b then C(a) &lt; C(b). The converse does not hold; {@link VectorClock} gives
 * that. Ties between nodes are broken by node id ({@link LamportTimestamp}) for a total order.
 *
 * @param time the counter, starting at 0
 */
public record LamportClock(long time) implements Comparable<LamportClock>, WireMessage {

  public static final LamportClock ZERO = new LamportClock(0);

  @JsonCreator(mode = JsonCreator.Mode.DELEGATING) // the number itself, as @JsonValue writes it
  public LamportClock {
    if (time < 0) {
      throw new IllegalArgumentException("a Lamport clock starts at 0, got " + time);
    }
  }

  @JsonValue
  @Override
  public long time() {
    return time;
  }

  /** The clock after a local event or a send. */
  public LamportClock tick() {
    return new LamportClock(time + 1);
  }

  /** The clock after receiving a message stamped {@code received}: max(own, received) + 1. */
  public LamportClock receive(long received) {
    return new LamportClock(Math.max(time, received) + 1);
  }

  public LamportClock receive(LamportClock received) {
    return receive(received.time);
  }

  @Override
  public int compareTo(LamportClock o) {
    return Long.compare(time, o.time);
  }
}
