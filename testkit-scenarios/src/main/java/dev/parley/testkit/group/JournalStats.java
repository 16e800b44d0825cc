package dev.parley.testkit.group;

import java.util.List;

/**
 * What one node's journal in a {@link LocalGroup} with storage faults did so far, and what it holds.
 *
 * @param writes the writes started (one per persist, or per group of events persisted at once)
 * @param underWay the writes started and not yet completed
 * @param failed the writes that failed (a storage fault; the node crashed and restarted)
 * @param lostUnderWay the writes a crash caught under way: never completed, never kept
 * @param lostUnforced the events a crash lost because they were not yet forced
 * @param events the events the journal holds now (what a recovery reads), oldest first per
 *     persistence id
 */
public record JournalStats(int writes, int underWay, int failed, int lostUnderWay, int lostUnforced,
    List<Object> events) {

  static final JournalStats EMPTY = new JournalStats(0, 0, 0, 0, 0, List.of());

  public JournalStats {
    events = List.copyOf(events);
  }
}
