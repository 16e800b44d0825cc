package dev.parley.testkit.sim;

/**
 * An event on the agenda: when it is due, its seeded tie-break among events due at the same time,
 * its insertion number (the last resort, so the order is total), and whether it still counts.
 */
final class Pending {

  final long time;
  final long tieBreak;
  final long seq;
  final SimEvent event;
  /** Whether it keeps the simulation busy: everything but periodic timers. */
  final boolean work;
  boolean cancelled;
  /** In exploration: a copy of this message was already delivered by a duplicate branch. */
  boolean duplicated;

  Pending(long time, long tieBreak, long seq, SimEvent event, boolean work) {
    this.time = time;
    this.tieBreak = tieBreak;
    this.seq = seq;
    this.event = event;
    this.work = work;
  }

  @Override
  public String toString() {
    return event.toString();
  }
}
