package dev.parley.testkit.sim;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Which choices of a run a shrink keeps ({@link RunFilter}): the numbers of the scripted events, the
 * faulted messages and the delayed messages, each kind all of them or a set. Written as the value of
 * {@code -Dparley.shrunk} to replay a shrunk run, e.g. {@code e:0-2,5;f:17;d:} (events 0, 1, 2 and 5,
 * faulted message 17, no delays); a kind left out keeps all of its kind.
 */
record ShrinkMask(Kept events, Kept faults, Kept delays) {

  /** The system property that replays a shrunk run (with {@code -Dparley.seed}). */
  static final String PROPERTY = "parley.shrunk";

  static final ShrinkMask ALL = new ShrinkMask(Kept.ALL, Kept.ALL, Kept.ALL);

  /** Kept numbers of one kind: all of them ({@link #ALL}), or those in a set. */
  record Kept(BitSet set) {
    static final Kept ALL = new Kept(null);

    static Kept of(List<Integer> numbers) {
      BitSet s = new BitSet();
      numbers.forEach(s::set);
      return new Kept(s);
    }

    boolean contains(int n) {
      return set == null || set.get(n);
    }

    /** The numbers kept out of {@code total}. */
    List<Integer> among(int total) {
      List<Integer> out = new ArrayList<>();
      for (int i = 0; i < total; i++) {
        if (contains(i)) {
          out.add(i);
        }
      }
      return out;
    }

    String encode() {
      if (set == null) {
        return null;
      }
      StringBuilder sb = new StringBuilder();
      for (int i = set.nextSetBit(0); i >= 0; ) {
        int end = set.nextClearBit(i) - 1;
        sb.append(sb.isEmpty() ? "" : ",").append(i).append(end > i ? "-" + end : "");
        i = set.nextSetBit(end + 1);
      }
      return sb.toString();
    }

    static Kept parse(String text) {
      BitSet s = new BitSet();
      for (String part : text.split(",")) {
        if (part.isBlank()) {
          continue;
        }
        String[] range = part.trim().split("-", 2);
        int from = Integer.parseInt(range[0].trim());
        int to = range.length == 2 ? Integer.parseInt(range[1].trim()) : from;
        if (from < 0 || to < from) {
          throw new NumberFormatException("bad range " + part);
        }
        s.set(from, to + 1);
      }
      return new Kept(s);
    }
  }

  ShrinkMask withEvents(Kept k) {
    return new ShrinkMask(k, faults, delays);
  }

  ShrinkMask withFaults(Kept k) {
    return new ShrinkMask(events, k, delays);
  }

  ShrinkMask withDelays(Kept k) {
    return new ShrinkMask(events, faults, k);
  }

  /** The value of {@code -Dparley.shrunk} that replays this mask. */
  String encode() {
    List<String> parts = new ArrayList<>();
    if (events.encode() != null) {
      parts.add("e:" + events.encode());
    }
    if (faults.encode() != null) {
      parts.add("f:" + faults.encode());
    }
    if (delays.encode() != null) {
      parts.add("d:" + delays.encode());
    }
    return String.join(";", parts);
  }

  /** The mask {@code -Dparley.shrunk} gives, or {@link #ALL} if none; a malformed value is an error. */
  static ShrinkMask fromProperty() {
    String value = System.getProperty(PROPERTY);
    if (value == null || value.isBlank()) {
      return ALL;
    }
    try {
      ShrinkMask mask = ALL;
      for (String part : value.split(";")) {
        String[] kv = part.split(":", 2);
        if (kv.length != 2) {
          throw new NumberFormatException("no ':' in " + part);
        }
        Kept kept = Kept.parse(kv[1]);
        mask = switch (kv[0].trim()) {
          case "e" -> mask.withEvents(kept);
          case "f" -> mask.withFaults(kept);
          case "d" -> mask.withDelays(kept);
          default -> throw new NumberFormatException("unknown kind '" + kv[0] + "'");
        };
      }
      return mask;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("-D" + PROPERTY + " must be what a shrink printed, kinds e, f and d with"
          + " numbers or ranges, e.g. 'e:0-2,5;f:17;d:', got '" + value + "' (" + e.getMessage() + ")");
    }
  }
}
