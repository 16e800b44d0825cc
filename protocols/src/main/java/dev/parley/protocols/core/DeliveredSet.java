package dev.parley.protocols.core;

import java.util.TreeSet;

/**
 * The sequence numbers 1, 2, 3, ... already seen from one sender, kept as a low-water mark (every
 * number up to it was seen) plus the few seen above it. The de-duplication of reliable links and
 * multicasts: memory stays small however long the run, as long as gaps fill.
 */
public final class DeliveredSet {

  private long contiguous;
  private final TreeSet<Long> above = new TreeSet<>();

  /** Records {@code seq}; true if it was not seen before (deliver it), false for a duplicate. */
  public boolean add(long seq) {
    if (seq < 1) {
      throw new IllegalArgumentException("sequence numbers start at 1, got " + seq);
    }
    if (seq <= contiguous || !above.add(seq)) {
      return false;
    }
    while (!above.isEmpty() && above.first() == contiguous + 1) {
      contiguous = above.pollFirst();
    }
    return true;
  }

  public boolean contains(long seq) {
    return seq <= contiguous || above.contains(seq);
  }

  /** Every number up to this one has been seen. */
  public long contiguous() {
    return contiguous;
  }
}
