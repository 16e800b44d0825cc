package dev.parley.protocols.pubsub;

import dev.parley.protocols.pubsub.TopicBroker.Message;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@link TopicBroker}'s index, in memory, of the messages of its recent writes, kept as the
 * writes made them: one run (a list of consecutive offsets) per write, so a message is found by
 * its offset without a lookup in the state's persistent map.
 *
 * <p>Why: at one subscriber most pushes follow an acknowledgement that opened the window, not a
 * write, and each pushed message used to cost an O(log m) lookup of {@link BrokerState#message}
 * (the largest single cost of the durable path in a profile of the benchmark).
 *
 * <p>Model: a run holds the very {@link Message}s its write put in the state, so what it answers
 * is what the state would; it holds nothing the journal does not (a restart begins with no runs,
 * and every lookup then falls back to the state). Runs older than the state's oldest kept message
 * are dropped at each write ({@link #keepFrom}), so the index spans at most the offsets the state
 * spans (including messages of the same writes that no subscription wanted).
 *
 * <p>Cost: O(1) to add a run (amortized, with dropping); a lookup O(log r) in the r runs kept (a
 * binary search on their first offsets); memory one reference per message of the runs kept.
 */
final class WrittenRuns {

  /** The runs kept, oldest first, from index {@link #head} (those before it are dropped). */
  private final List<List<Message>> runs = new ArrayList<>();
  private int head;

  /** Adds the messages of one write ({@code written}: consecutive offsets, in order). */
  void add(List<Message> written) {
    if (!written.isEmpty()) {
      runs.add(written);
    }
  }

  /** Drops the runs whose every message is older than {@code oldest} (the state's oldest kept offset). */
  void keepFrom(long oldest) {
    while (head < runs.size() && last(runs.get(head)).offset() < oldest) {
      runs.set(head++, null);
    }
    if (head > 0 && head * 2 >= runs.size()) {
      runs.subList(0, head).clear();
      head = 0;
    }
  }

  /** The message at {@code offset} if a run kept holds it, else null. */
  Message find(long offset) {
    int lo = head;
    int hi = runs.size() - 1;
    while (lo <= hi) { // the last run whose first offset is at most offset
      int mid = (lo + hi) >>> 1;
      if (runs.get(mid).get(0).offset() <= offset) {
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (hi < head) {
      return null;
    }
    List<Message> run = runs.get(hi);
    long i = offset - run.get(0).offset();
    if (i >= run.size()) {
      return null;
    }
    Message m = run.get((int) i);
    return m.offset() == offset ? m : null;
  }

  private static Message last(List<Message> run) {
    return run.get(run.size() - 1);
  }
}
