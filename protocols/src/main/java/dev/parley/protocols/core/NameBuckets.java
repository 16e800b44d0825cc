package dev.parley.protocols.core;

/**
 * The buckets a name hashes to, for the bounded memory of forgotten names that client sessions and
 * publisher expiry keep (a counting filter: each bucket keeps the highest number folded into it, so
 * a forgotten name's retry is refused by the lowest of its buckets and never applied twice).
 *
 * <p>Double hashing over two independent hashes, String's {@code hashCode} and 32-bit FNV-1a: bucket
 * i is {@code h1 + i * h2} modulo the count. Both hashes are specified, so every JVM, and every
 * replica replaying a journal, computes the same buckets. Cost: one pass over the name.
 */
public final class NameBuckets {

  /** How many buckets a name hashes to. */
  public static final int HASHES = 3;

  private NameBuckets() {}

  /** The {@link #HASHES} buckets of {@code count} that {@code name} hashes to (they may repeat). */
  public static int[] of(String name, int count) {
    int h1 = name.hashCode();
    int h2 = 0x811c9dc5;
    for (int i = 0; i < name.length(); i++) {
      h2 = (h2 ^ name.charAt(i)) * 0x01000193;
    }
    h2 |= 1;
    int[] out = new int[HASHES];
    for (int i = 0; i < HASHES; i++) {
      out[i] = Math.floorMod(h1 + i * h2, count);
    }
    return out;
  }
}
