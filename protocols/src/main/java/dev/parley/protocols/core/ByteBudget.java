package dev.parley.protocols.core;

import java.util.List;
import java.util.function.ToLongFunction;

/**
 * How many items of a list one message may carry so that it stays under a byte budget: the longest
 * prefix whose estimated sizes add up to at most the budget, and never fewer than one item, so a
 * sender always makes progress (an item that alone is over the budget goes alone; a protocol refuses
 * items that could not fit a message at all when they enter it, {@link #refusal}).
 *
 * <p>The sizes are the caller's estimates (a serialized size computed once, or one the value gives);
 * {@link #ENTRY_OVERHEAD} bytes are added per item for the framing around it, so a budget well under
 * the transport's frame (Artery's is 256 KiB by default) keeps the message under it. Cost: one size
 * lookup per item taken, plus one.
 */
public final class ByteBudget {

  /** Bytes counted per item on top of its size: its position, term or sequence number and framing. */
  public static final long ENTRY_OVERHEAD = 64;

  private ByteBudget() {}

  /** How many of {@code items}, from the first, fit in {@code budget} bytes; at least one if any. */
  public static <T> int fitting(List<T> items, ToLongFunction<? super T> size, long budget) {
    long used = 0;
    for (int i = 0; i < items.size(); i++) {
      used += size.applyAsLong(items.get(i)) + ENTRY_OVERHEAD;
      if (used > budget && i > 0) {
        return i;
      }
    }
    return items.size();
  }

  /** The longest prefix of {@code items} that fits in {@code budget} bytes; at least one item if any. */
  public static <T> List<T> prefix(List<T> items, ToLongFunction<? super T> size, long budget) {
    int n = fitting(items, size, budget);
    return n == items.size() ? items : items.subList(0, n);
  }

  /**
   * Null if a value of {@code bytes} serialized fits in {@code limit}; else the message that refuses it,
   * naming {@code what}, its size, the limit and the setting {@code setting} that sets it.
   */
  public static String refusal(String what, long bytes, long limit, String setting) {
    if (bytes + ENTRY_OVERHEAD <= limit) {
      return null;
    }
    return what + " is " + bytes + " bytes serialized, over the limit of " + limit + " bytes (" + setting
        + "): it was refused and had no effect. Store large values elsewhere and replicate a reference, "
        + "split the value, or raise " + setting + " (it must stay under the transport's largest message, "
        + "Artery's maximum-frame-size, 256 KiB by default)";
  }
}
