package dev.parley.protocols.core;

import akka.actor.typed.BackoffSupervisorStrategy;
import akka.actor.typed.SupervisorStrategy;
import java.time.Duration;

/**
 * What a durable protocol does when its journal fails a write (a full disk, a journal that refuses
 * writes) or a replay: it restarts from its journal, with backoff, instead of stopping for good as
 * Akka's default does. Every durable protocol passes {@link #restart()} to its {@code
 * EventSourcedBehavior} constructor (Akka's {@code onPersistFailure}, public API).
 *
 * <p>Guarantees: nothing of the failed write was acknowledged (the protocol answers only after a
 * persist completes); the restarted protocol's state is what its journal holds, which includes
 * every acknowledged write; commands that arrived while the write was under way, and during the
 * backoff, are dropped (clients retry, or their request times out). Backoff from {@value
 * #MIN_MILLIS} ms doubling to {@value #MAX_MILLIS} ms, with 20% jitter, without limit: a disk that
 * stays full keeps the protocol restarting slowly until there is room. The deterministic simulation
 * models the same (a failed write stops the node, which restarts from its journal later: {@code
 * StorageFaults#restartAfter}).
 */
public final class PersistFailure {

  static final long MIN_MILLIS = 200;
  static final long MAX_MILLIS = 10_000;

  private static final BackoffSupervisorStrategy RESTART = SupervisorStrategy.restartWithBackoff(
      Duration.ofMillis(MIN_MILLIS), Duration.ofMillis(MAX_MILLIS), 0.2);

  private PersistFailure() {}

  /** Restart from the journal with backoff: the strategy every durable protocol uses. */
  public static BackoffSupervisorStrategy restart() {
    return RESTART;
  }
}
