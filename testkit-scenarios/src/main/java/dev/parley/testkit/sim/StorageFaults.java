package dev.parley.testkit.sim;

import dev.parley.protocols.link.Delay;
import java.time.Duration;
import java.util.Objects;

/**
 * What a simulated node's journal does wrong: the storage half of the fault model, next to the
 * links' {@link dev.parley.protocols.link.FaultPlan}. Only event-sourced nodes have a journal.
 *
 * <ul>
 *   <li><b>Slow writes</b> ({@link #writeDelay}): a persist completes after a delay drawn from the
 *       distribution. Meanwhile the node handles nothing (Akka stashes an event-sourced behavior's
 *       commands while it persists; the simulation holds its messages, timers and client requests
 *       until the write completes), and whatever it does after the write in the same step (its
 *       {@code thenRun} callbacks: answers, sends, upcalls, messages to itself) waits for the write.
 *       What it did before the write (in the command handler itself) goes at once, so a protocol
 *       that acts before its write completes is exposed: a crash can land between the two, and then
 *       the write never happened but the action did.
 *   <li><b>Failed writes</b> ({@link #failRate}): a write completes with an error, each with this
 *       probability. As in Akka, the node's behavior stops: nothing of the write is kept, nothing
 *       that waited for it happens; the node restarts from its journal {@link #restartAfter} later,
 *       as Parley's durable protocols do on a real journal, a full disk included (their {@code
 *       NodeHost} restarts a failed instance from its journal after {@link
 *       dev.parley.protocols.core.RestartBackoff}'s delay).
 *   <li><b>Unforced tail</b> ({@link #unforcedFor}): a completed write reaches the device only this
 *       long after it completed, as with a journal that acknowledges before it syncs. A crash loses
 *       every event not yet forced: what a power cut does. A protocol cannot defend against this
 *       (its write was acknowledged); it shows what an unforced journal costs.
 * </ul>
 *
 * A crash while a write is under way loses that write (and what waited for it). Every draw comes
 * from the run's seed. Cost: none for {@link #NONE}; otherwise one extra event per write.
 *
 * @param writeDelay how long a write takes (zero: it completes within the step, as without faults)
 * @param failRate the probability that a write fails, in [0, 1)
 * @param restartAfter how long after a failed write the node restarts
 * @param unforcedFor how long a completed write stays unforced (zero: forced on completion)
 */
public record StorageFaults(Delay writeDelay, double failRate, Duration restartAfter, Duration unforcedFor) {

  /** A perfect journal: every write completes at once and is forced. */
  public static final StorageFaults NONE = new StorageFaults(Delay.none(), 0, Duration.ofSeconds(1), Duration.ZERO);

  public StorageFaults {
    Objects.requireNonNull(writeDelay, "writeDelay");
    Objects.requireNonNull(restartAfter, "restartAfter");
    Objects.requireNonNull(unforcedFor, "unforcedFor");
    if (!(failRate >= 0 && failRate < 1)) {
      throw new IllegalArgumentException("a journal's failure rate is a probability in [0, 1): got " + failRate
          + " (at 1 no write would ever complete and no node could make progress)");
    }
    if (restartAfter.isNegative() || restartAfter.isZero()) {
      throw new IllegalArgumentException("a node restarts some time after a failed write: restartAfter must be"
          + " positive, got " + restartAfter);
    }
    if (unforcedFor.isNegative()) {
      throw new IllegalArgumentException("unforcedFor must not be negative, got " + unforcedFor
          + " (zero: every completed write is forced)");
    }
  }

  /** Writes that take {@code delay} to complete. */
  public StorageFaults withWriteDelay(Delay delay) {
    return new StorageFaults(delay, failRate, restartAfter, unforcedFor);
  }

  /** Writes that fail with probability {@code rate}; the node restarts {@link #restartAfter} later. */
  public StorageFaults withFailRate(double rate) {
    return new StorageFaults(writeDelay, rate, restartAfter, unforcedFor);
  }

  /** How long after a failed write its node restarts. */
  public StorageFaults withRestartAfter(Duration after) {
    return new StorageFaults(writeDelay, failRate, after, unforcedFor);
  }

  /** Completed writes forced only {@code window} later; a crash loses the unforced ones. */
  public StorageFaults withUnforcedFor(Duration window) {
    return new StorageFaults(writeDelay, failRate, restartAfter, window);
  }

  /** Whether a write can outlast the step that made it (slow or failing): the node must wait for it. */
  boolean defersWrites() {
    return failRate > 0 || !writeDelay.max().isZero();
  }
}
