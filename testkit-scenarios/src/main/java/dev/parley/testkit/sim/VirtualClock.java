package dev.parley.testkit.sim;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A {@link Clock} that reads a simulation's virtual time: what every node's {@code NodeEnv} clock
 * says in a simulation. It starts at a fixed origin and moves only when the simulation takes its
 * next event, so a protocol that stamps messages with {@code env.now()} is as replayable as the rest.
 */
public final class VirtualClock extends Clock {

  private final Instant origin;
  private final long originMillis;
  private final VirtualTime time;
  private final ZoneId zone;

  VirtualClock(Instant origin, VirtualTime time) {
    this(origin, time, ZoneOffset.UTC);
  }

  private VirtualClock(Instant origin, VirtualTime time, ZoneId zone) {
    this.origin = origin;
    this.originMillis = origin.toEpochMilli();
    this.time = time;
    this.zone = zone;
  }

  @Override
  public ZoneId getZone() {
    return zone;
  }

  @Override
  public Clock withZone(ZoneId other) {
    return new VirtualClock(origin, time, other);
  }

  @Override
  public Instant instant() {
    return origin.plusNanos(time.nanos());
  }

  @Override
  public long millis() {
    return originMillis + time.nanos() / 1_000_000;
  }

  /** The instant virtual time started from. */
  public Instant origin() {
    return origin;
  }

  @Override
  public String toString() {
    return "VirtualClock(" + instant() + ")";
  }
}
