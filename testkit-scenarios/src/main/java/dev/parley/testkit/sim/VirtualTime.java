package dev.parley.testkit.sim;

/**
 * The virtual time of one simulation: nanoseconds since its start. Only the scheduler moves it,
 * forward, as it takes the next event; nothing here reads the wall clock.
 */
final class VirtualTime {

  private long nanos;

  long nanos() {
    return nanos;
  }

  /** Moves time forward to {@code t}; an earlier {@code t} leaves it where it is. */
  void advanceTo(long t) {
    if (t > nanos) {
      nanos = t;
    }
  }
}
