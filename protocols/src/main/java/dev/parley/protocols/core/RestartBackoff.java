package dev.parley.protocols.core;

import java.time.Duration;

/**
 * How long a {@link NodeHost} waits before it restarts an instance that failed (a durable
 * protocol whose journal failed a write, on a full disk say, or any exception that stopped it):
 * from {@link #MIN} doubling per failure in a row up to {@link #MAX}, with up to 20% jitter. An
 * instance that ran at least {@link #MAX} before it failed starts the count afresh.
 *
 * <p>Why the host and not Akka's {@code onPersistFailure}: that restarts the event-sourced
 * behavior inside the same protocol object, whose fields (Raft's role and timers, a lock server's
 * buffered requests) then outlive the restart; the host makes a fresh instance from the factory
 * instead, which recovers only what its journal holds, exactly as after a crash. The deterministic
 * simulation models the same ({@code StorageFaults#restartAfter}).
 */
public final class RestartBackoff {

  public static final Duration MIN = Duration.ofMillis(200);
  public static final Duration MAX = Duration.ofSeconds(10);

  private RestartBackoff() {}

  /** The wait before restart number {@code inARow} (1 for the first failure), jittered by {@code jitter} in [0, 1). */
  public static Duration delay(int inARow, double jitter) {
    long base = MIN.toMillis() << Math.min(Math.max(inARow - 1, 0), 20);
    long capped = Math.min(base, MAX.toMillis());
    return Duration.ofMillis(capped + (long) (capped * 0.2 * jitter));
  }
}
