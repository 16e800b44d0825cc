package dev.parley.testkit.checker;

/**
 * The configurations a {@link WglSearch} has visited, each a 128-bit fingerprint: the two words of the
 * Zobrist fingerprint of the set of linearized calls, with the state's number folded into the second
 * (multiplied by an odd constant, a bijection, so that two states of one set never share a
 * fingerprint; for two different sets a collision stays as unlikely as before, since their fingerprints
 * differ by random keys). An open-addressing table of the two words side by side in one array: adding
 * a configuration allocates nothing and usually reads one cache line.
 */
final class ConfigurationSet {

  private static final long SPREAD = 0x9E3779B97F4A7C15L;
  private static final int MIN_BITS = 8;

  /** Slot i holds its two words at 2i and 2i+1; (0, 0) marks an empty slot. */
  private long[] table;
  private int bits;
  private int size;
  /** Whether the one fingerprint that looks like an empty slot, (0, 0), was added. */
  private boolean zero;

  /** A set sized for about {@code expected} configurations before it first grows. */
  ConfigurationSet(int expected) {
    int tableBits = MIN_BITS;
    while ((1 << tableBits) < 2L * expected && tableBits < 30) {
      tableBits++;
    }
    allocate(tableBits);
  }

  int size() {
    return size;
  }

  /** Adds a configuration; false when it was already there. */
  boolean add(long low, long high, int state) {
    long second = high ^ (state + 1) * SPREAD;
    if (low == 0 && second == 0) {
      boolean added = !zero;
      zero = true;
      size += added ? 1 : 0;
      return added;
    }
    if (2 * (size + 1) > (1 << bits)) {
      grow();
    }
    return insert(low, second);
  }

  private boolean insert(long low, long second) {
    int mask = (1 << bits) - 1;
    for (int i = (int) ((low ^ second) * SPREAD >>> (64 - bits)); ; i = (i + 1) & mask) {
      long first = table[2 * i];
      long other = table[2 * i + 1];
      if (first == 0 && other == 0) {
        table[2 * i] = low;
        table[2 * i + 1] = second;
        size++;
        return true;
      }
      if (first == low && other == second) {
        return false;
      }
    }
  }

  private void allocate(int tableBits) {
    bits = tableBits;
    table = new long[2 << tableBits];
  }

  private void grow() {
    long[] old = table;
    allocate(bits + 1);
    size = zero ? 1 : 0;
    for (int i = 0; i < old.length; i += 2) {
      if (old[i] != 0 || old[i + 1] != 0) {
        insert(old[i], old[i + 1]);
      }
    }
  }
}
