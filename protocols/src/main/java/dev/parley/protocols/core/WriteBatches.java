package dev.parley.protocols.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Write batching: what arrives while a write is under way goes to disk together as the next write.
 *
 * <p>Items are taken one by one ({@link #add}); the first one after a write schedules a flush (a
 * message the owner sends itself, so everything already in its mailbox joins the batch). At the
 * flush the owner takes the waiting items as one batch ({@link #take}) unless {@code maxInFlight}
 * writes are under way, marks the write it starts ({@link #started}) and reports writes done
 * ({@link #completed}), which flushes what waited meanwhile. With {@code maxInFlight} 1 everything
 * arriving during one write (or one replication round) coalesces into the next: fewest writes and
 * messages per item; more pipelines.
 *
 * <p>Not thread-safe: one actor owns it.
 *
 * @param <T> what is written
 */
public final class WriteBatches<T> {

  private final int maxInFlight;
  private final Runnable scheduleFlush;
  private final List<T> waiting = new ArrayList<>();
  private final ArrayDeque<Long> inFlight = new ArrayDeque<>();
  private boolean flushScheduled;

  /**
   * @param maxInFlight how many writes may be under way at once (at least 1)
   * @param scheduleFlush sends the owner the message on which it calls {@link #take}
   */
  public WriteBatches(int maxInFlight, Runnable scheduleFlush) {
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight must be at least 1, got " + maxInFlight);
    }
    this.maxInFlight = maxInFlight;
    this.scheduleFlush = Objects.requireNonNull(scheduleFlush, "scheduleFlush");
  }

  /** Takes {@code item} into the next batch. */
  public void add(T item) {
    waiting.add(item);
    flushSoon();
  }

  /** Schedules a flush even with nothing waiting (the owner has something of its own to write). */
  public void flushSoon() {
    if (!flushScheduled) {
      flushScheduled = true;
      scheduleFlush.run();
    }
  }

  /**
   * At the flush: the waiting items as one batch (possibly empty), or null when {@code maxInFlight}
   * writes are under way (the flush comes again when one completes).
   */
  public List<T> take() {
    flushScheduled = false;
    if (inFlight.size() >= maxInFlight) {
      return null;
    }
    List<T> batch = List.copyOf(waiting);
    waiting.clear();
    return batch;
  }

  /** A write is under way, named by {@code mark} (marks grow: a log index, a sequence number). */
  public void started(long mark) {
    inFlight.add(mark);
  }

  /** Every write marked up to {@code upTo} is done: what waited meanwhile is flushed. */
  public void completed(long upTo) {
    while (!inFlight.isEmpty() && inFlight.peek() <= upTo) {
      inFlight.poll();
    }
    if (!waiting.isEmpty()) {
      flushSoon();
    }
  }

  /** The items taken that went into no write (the owner may no longer write): returned and forgotten. */
  public List<T> abandon() {
    List<T> dropped = List.copyOf(waiting);
    waiting.clear();
    return dropped;
  }

  /** Forgets the writes under way (a new leader starts counting afresh). */
  public void reset() {
    inFlight.clear();
  }

  /** How many items wait for the next batch. */
  public int waiting() {
    return waiting.size();
  }
}
