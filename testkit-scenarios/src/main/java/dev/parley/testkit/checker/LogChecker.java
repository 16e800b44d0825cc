package dev.parley.testkit.checker;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * A partitioned log (Kafka style: a topic's partitions, each a sequence of records at offsets 0, 1,
 * ...) judged from what its clients saw: the appends they made, with when each was invoked and how
 * it ended, and the reads they made, with the records each returned.
 *
 * <p>What it checks, each as a part of the verdict:
 *
 * <ul>
 *   <li><b>acknowledged appends</b>: an append acknowledged at (partition, offset) is found there,
 *       with its key and value, by every read of that partition invoked after the acknowledgement
 *       whose records span that offset, and no such read ends (its {@code end}) at or before it (no
 *       loss); its value is found at no other offset (no move); no two appends are acknowledged at
 *       one (partition, offset);
 *   <li><b>agreement</b>: no two reads show different records at one (partition, offset);
 *   <li><b>reads well-formed</b>: a read's offsets are consecutive, start where it asked ({@code
 *       from}, or the partition's {@code start} if that is later) and stay below its {@code end};
 *   <li><b>real-time order</b>: an append acknowledged before another append to the same partition
 *       was invoked has the lower offset;
 *   <li><b>failed appends</b>: the value of an append that certainly failed (refused, a 4xx) is
 *       never read;
 *   <li><b>no phantoms</b>: every record read was appended, with the key it was appended with, by an
 *       append invoked before the read completed, and every key the appends were acknowledged with
 *       went to one partition.
 * </ul>
 *
 * <p>Assumptions: every append of the topic is in the run, and appended values are unique (the
 * checker refuses a run where two appends carry one value), so a record names its append. An append
 * of unknown outcome may appear once, several times (a retried append is at-least-once) or never.
 * Reads are taken to be linearizable (served by the partition's leader after its log is current), as
 * the log promises.
 *
 * <p>Cost: O(a * r) for a acknowledged appends and r reads (each read is indexed by offset), plus
 * O(n log n) for the real-time order. Counterexample: the first few violations of each part, one
 * per line, times in ms from the first invocation.
 */
public final class LogChecker implements Checker<LogChecker.Run> {

  private static final String NAME = "partitioned log";
  private static final int SHOWN = 10;

  /** How an append ended: it took effect, it certainly did not, or nobody knows. */
  public enum Outcome {
    OK,
    FAIL,
    INFO
  }

  /** One record as a read returned it. */
  public record Entry(long offset, String key, String value) {
    public Entry {
      Objects.requireNonNull(value, "value");
    }
  }

  /**
   * One append.
   *
   * @param key the record's key (null: none)
   * @param value the record, unique in the run
   * @param completeNanos when its answer came ({@link Long#MAX_VALUE} if none came)
   * @param partition where it was acknowledged, if {@link Outcome#OK}; else ignored
   * @param offset where it was acknowledged, if {@link Outcome#OK}; else ignored
   */
  public record Append(String client, String key, String value, long invokeNanos, long completeNanos,
      Outcome outcome, int partition, long offset) {
    public Append {
      Objects.requireNonNull(value, "value");
      Objects.requireNonNull(outcome, "outcome");
    }

    public static Append ok(String client, String key, String value, long invokeNanos, long completeNanos,
        int partition, long offset) {
      return new Append(client, key, value, invokeNanos, completeNanos, Outcome.OK, partition, offset);
    }

    public static Append failed(String client, String key, String value, long invokeNanos, long completeNanos) {
      return new Append(client, key, value, invokeNanos, completeNanos, Outcome.FAIL, -1, -1);
    }

    public static Append unknown(String client, String key, String value, long invokeNanos, long completeNanos) {
      return new Append(client, key, value, invokeNanos, completeNanos, Outcome.INFO, -1, -1);
    }

    private String where() {
      return "p" + partition + "@" + offset;
    }
  }

  /**
   * One read that was answered.
   *
   * @param from the first offset asked for
   * @param max the most records asked for
   * @param start the partition's first offset still held, as the answer said
   * @param end the partition's next offset, as the answer said
   * @param records what it returned, in order
   */
  public record Read(String client, long invokeNanos, long completeNanos, int partition, long from, int max,
      long start, long end, List<Entry> records) {
    public Read {
      records = List.copyOf(records);
    }

    /** The lowest offset it should start at. */
    long low() {
      return Math.max(from, start);
    }

    Entry at(long offset) {
      if (records.isEmpty()) {
        return null;
      }
      long i = offset - records.get(0).offset();
      return i < 0 || i >= records.size() ? null : records.get((int) i);
    }
  }

  /** What a run did: every append of the topic and every read answered. */
  public record Run(List<Append> appends, List<Read> reads) {
    public Run {
      appends = List.copyOf(appends);
      reads = List.copyOf(reads);
    }
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Verdict check(Run run) {
    Map<String, Append> byValue = new HashMap<>();
    for (Append a : run.appends()) {
      Append other = byValue.put(a.value(), a);
      if (other != null) {
        throw new IllegalArgumentException("two appends carry the value '" + a.value() + "' (" + other.client()
            + " and " + a.client() + "); the log checker needs unique values to tell records apart");
      }
    }
    Clock clock = new Clock(run);
    List<Verdict> parts = List.of(
        acknowledged(run, byValue, clock),
        agreement(run, clock),
        wellFormed(run, clock),
        realTimeOrder(run, clock),
        failedAppends(run, byValue, clock),
        noPhantoms(run, byValue, clock));
    Verdict all = Verdict.allOf(NAME, parts);
    if (!all.valid()) {
      return all;
    }
    long ok = run.appends().stream().filter(a -> a.outcome() == Outcome.OK).count();
    long failed = run.appends().stream().filter(a -> a.outcome() == Outcome.FAIL).count();
    return Verdict.valid(NAME, ok + " appends acknowledged, " + failed + " failed, "
        + (run.appends().size() - ok - failed) + " unknown; " + run.reads().size() + " reads: every acknowledged "
        + "append read where it was acknowledged, in real-time order, no record moved, lost or invented");
  }

  /** No acknowledged append lost, moved, or sharing its offset. */
  Verdict acknowledged(Run run, Map<String, Append> byValue, Clock clock) {
    Problems problems = new Problems();
    Map<String, Append> at = new HashMap<>();
    for (Append a : run.appends()) {
      if (a.outcome() != Outcome.OK) {
        continue;
      }
      Append same = at.put(a.where(), a);
      if (same != null) {
        problems.add("two appends acknowledged at " + a.where() + ": " + clock.append(same) + " and " + clock.append(a));
      }
      for (int r = 0; r < run.reads().size(); r++) {
        Read read = run.reads().get(r);
        if (read.partition() != a.partition() || read.invokeNanos() <= a.completeNanos()) {
          continue;
        }
        if (read.end() <= a.offset()) {
          problems.add("lost: " + clock.append(a) + ", but read #" + r + " " + clock.read(read)
              + " says the partition ends at " + read.end());
          continue;
        }
        Entry e = read.at(a.offset());
        if (e != null && (!e.value().equals(a.value()) || !Objects.equals(e.key(), a.key()))) {
          problems.add("lost: " + clock.append(a) + ", but read #" + r + " " + clock.read(read) + " has "
              + show(e) + " there");
        }
      }
    }
    for (int r = 0; r < run.reads().size(); r++) {
      Read read = run.reads().get(r);
      for (Entry e : read.records()) {
        Append a = byValue.get(e.value());
        if (a != null && a.outcome() == Outcome.OK && (a.partition() != read.partition() || a.offset() != e.offset())) {
          problems.add("moved: " + clock.append(a) + ", but read #" + r + " " + clock.read(read) + " has it at p"
              + read.partition() + "@" + e.offset());
        }
      }
    }
    long acked = run.appends().stream().filter(a -> a.outcome() == Outcome.OK).count();
    return problems.verdict(NAME + ": acknowledged appends", "violation(s) of an acknowledged append",
        acked + " acknowledged appends each read where it was acknowledged, and only there");
  }

  /** No two reads disagree on a (partition, offset). */
  Verdict agreement(Run run, Clock clock) {
    Problems problems = new Problems();
    Map<String, Entry> seen = new HashMap<>();
    Map<String, Integer> seenIn = new HashMap<>();
    for (int r = 0; r < run.reads().size(); r++) {
      Read read = run.reads().get(r);
      for (Entry e : read.records()) {
        String where = "p" + read.partition() + "@" + e.offset();
        Entry before = seen.putIfAbsent(where, e);
        if (before == null) {
          seenIn.put(where, r);
        } else if (!before.value().equals(e.value()) || !Objects.equals(before.key(), e.key())) {
          int b = seenIn.get(where);
          problems.add("two records at " + where + ": " + show(before) + " in read #" + b + " "
              + clock.read(run.reads().get(b)) + ", " + show(e) + " in read #" + r + " " + clock.read(read));
        }
      }
    }
    return problems.verdict(NAME + ": agreement", "(partition, offset)s read with two different records",
        seen.size() + " (partition, offset)s read, each with one record");
  }

  /** Each read's offsets consecutive, from where it asked, below its end. */
  Verdict wellFormed(Run run, Clock clock) {
    Problems problems = new Problems();
    for (int r = 0; r < run.reads().size(); r++) {
      Read read = run.reads().get(r);
      List<Entry> records = read.records();
      if (records.isEmpty()) {
        continue;
      }
      String what = "read #" + r + " " + clock.read(read);
      if (records.get(0).offset() != read.low()) {
        problems.add(what + " starts at offset " + records.get(0).offset() + ", not at " + read.low());
      }
      for (int i = 1; i < records.size(); i++) {
        if (records.get(i).offset() != records.get(i - 1).offset() + 1) {
          problems.add(what + " jumps from offset " + records.get(i - 1).offset() + " to " + records.get(i).offset());
          break;
        }
      }
      long last = records.get(records.size() - 1).offset();
      if (last >= read.end()) {
        problems.add(what + " returns offset " + last + ", at or beyond the end " + read.end() + " it gives");
      }
    }
    return problems.verdict(NAME + ": reads well-formed", "malformed read(s)",
        run.reads().size() + " reads each consecutive from where they asked");
  }

  /** An append acknowledged before another was invoked, on one partition, has the lower offset. */
  Verdict realTimeOrder(Run run, Clock clock) {
    Problems problems = new Problems();
    Map<Integer, List<Append>> byPartition = new LinkedHashMap<>();
    run.appends().stream().filter(a -> a.outcome() == Outcome.OK)
        .forEach(a -> byPartition.computeIfAbsent(a.partition(), p -> new ArrayList<>()).add(a));
    for (List<Append> appends : byPartition.values()) {
      List<Append> byCompletion = appends.stream().sorted(Comparator.comparingLong(Append::completeNanos)).toList();
      List<Append> byInvocation = appends.stream().sorted(Comparator.comparingLong(Append::invokeNanos)).toList();
      int next = 0;
      Append highest = null;
      for (Append b : byInvocation) {
        while (next < byCompletion.size() && byCompletion.get(next).completeNanos() < b.invokeNanos()) {
          Append a = byCompletion.get(next++);
          if (highest == null || a.offset() > highest.offset()) {
            highest = a;
          }
        }
        if (highest != null && highest.offset() >= b.offset()) {
          problems.add(clock.append(b) + " was invoked after " + clock.append(highest)
              + " was acknowledged, yet got a lower or equal offset");
        }
      }
    }
    return problems.verdict(NAME + ": real-time order", "append(s) ordered against real time",
        "acknowledged appends of each partition in real-time order");
  }

  /** The value of an append that certainly failed is never read. */
  Verdict failedAppends(Run run, Map<String, Append> byValue, Clock clock) {
    Problems problems = new Problems();
    for (int r = 0; r < run.reads().size(); r++) {
      Read read = run.reads().get(r);
      for (Entry e : read.records()) {
        Append a = byValue.get(e.value());
        if (a != null && a.outcome() == Outcome.FAIL) {
          problems.add("failed append took effect: " + clock.append(a) + ", yet read #" + r + " " + clock.read(read)
              + " has it at p" + read.partition() + "@" + e.offset());
        }
      }
    }
    long failed = run.appends().stream().filter(a -> a.outcome() == Outcome.FAIL).count();
    return problems.verdict(NAME + ": failed appends", "record(s) of failed appends read",
        failed + " failed appends never read");
  }

  /** Every record read was appended with its key; a key's acknowledged appends share one partition. */
  Verdict noPhantoms(Run run, Map<String, Append> byValue, Clock clock) {
    Problems problems = new Problems();
    for (int r = 0; r < run.reads().size(); r++) {
      Read read = run.reads().get(r);
      for (Entry e : read.records()) {
        Append a = byValue.get(e.value());
        if (a == null) {
          problems.add("read #" + r + " " + clock.read(read) + " has " + show(e) + " at p" + read.partition()
              + "@" + e.offset() + ", which no append wrote");
        } else if (!Objects.equals(a.key(), e.key())) {
          problems.add("read #" + r + " " + clock.read(read) + " has " + show(e) + " at p" + read.partition()
              + "@" + e.offset() + ", appended with key " + a.key());
        } else if (read.completeNanos() < a.invokeNanos()) {
          problems.add("read #" + r + " " + clock.read(read) + " has " + show(e) + " before "
              + clock.append(a) + " was invoked");
        }
      }
    }
    Map<String, Set<Integer>> partitionsOfKey = new HashMap<>();
    for (Append a : run.appends()) {
      if (a.outcome() == Outcome.OK && a.key() != null) {
        partitionsOfKey.computeIfAbsent(a.key(), k -> new TreeSet<>()).add(a.partition());
      }
    }
    partitionsOfKey.forEach((key, partitions) -> {
      if (partitions.size() > 1) {
        problems.add("key " + key + " was acknowledged in partitions " + partitions + ", not in one");
      }
    });
    return problems.verdict(NAME + ": no phantoms", "record(s) read that were not appended as such",
        "every record read was appended before, with its key, each key in one partition");
  }

  private static String show(Entry e) {
    return "'" + e.value() + "'" + (e.key() == null ? "" : " (key " + e.key() + ")");
  }

  /** Times shown in ms from the run's first invocation. */
  static final class Clock {
    private final long origin;

    Clock(Run run) {
      long first = Long.MAX_VALUE;
      for (Append a : run.appends()) {
        first = Math.min(first, a.invokeNanos());
      }
      for (Read r : run.reads()) {
        first = Math.min(first, r.invokeNanos());
      }
      origin = first == Long.MAX_VALUE ? 0 : first;
    }

    String ms(long nanos) {
      return nanos == Long.MAX_VALUE ? "never" : String.format("%.1f", (nanos - origin) / 1e6);
    }

    String append(Append a) {
      String outcome = switch (a.outcome()) {
        case OK -> "acknowledged at " + a.where();
        case FAIL -> "failed";
        case INFO -> "unknown";
      };
      return "append '" + a.value() + "'" + (a.key() == null ? "" : " (key " + a.key() + ")")
          + (a.client() == null ? "" : " by " + a.client()) + " [" + ms(a.invokeNanos()) + ", "
          + ms(a.completeNanos()) + "] ms " + outcome;
    }

    String read(Read r) {
      return "of p" + r.partition() + " from " + r.from() + (r.client() == null ? "" : " by " + r.client())
          + " [" + ms(r.invokeNanos()) + ", " + ms(r.completeNanos()) + "] ms (start " + r.start() + ", end "
          + r.end() + ", " + r.records().size() + " records)";
    }
  }

  /** Violations of one part, the first few kept. */
  private static final class Problems {
    private final List<String> shown = new ArrayList<>();
    private int count;

    void add(String problem) {
      if (count++ < SHOWN) {
        shown.add(problem);
      }
    }

    Verdict verdict(String part, String what, String validSummary) {
      if (count == 0) {
        return Verdict.valid(part, validSummary);
      }
      List<String> lines = new ArrayList<>(shown);
      if (count > SHOWN) {
        lines.add("... and " + (count - SHOWN) + " more");
      }
      return Verdict.invalid(part, count + " " + what, lines);
    }
  }
}
