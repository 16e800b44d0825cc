package dev.parley.testkit.sim;

/** 64-bit mixing for fingerprints (SplitMix64's finaliser). Not cryptographic, just well spread. */
final class Hash64 {

  private Hash64() {}

  static long mix(long h, long v) {
    long z = h * 0x9E3779B97F4A7C15L + v;
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  static long of(Object o) {
    return o == null ? 0 : o.hashCode();
  }
}
