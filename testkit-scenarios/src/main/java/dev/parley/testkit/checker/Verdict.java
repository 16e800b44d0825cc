package dev.parley.testkit.checker;

import dev.parley.protocols.trace.RunRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * What a checker concluded: valid, invalid (with a counterexample a person can read: the few ops or
 * events involved, one per line), or unknown (the checker gave up, for example on a search budget).
 *
 * @param checker the checker's name, such as {@code linearizability}
 * @param outcome valid, invalid or unknown
 * @param summary one line saying what was found
 * @param counterexample lines to print when invalid; empty otherwise
 * @param blamed the ids (invocation indices) of the operations the checker blames, such as the one a
 *     linearizability search could not place; empty when it blames none or names no operation
 */
public record Verdict(String checker, Outcome outcome, String summary, List<String> counterexample,
    List<Long> blamed) {

  public enum Outcome {
    VALID,
    INVALID,
    UNKNOWN
  }

  public Verdict {
    Objects.requireNonNull(checker, "checker");
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(summary, "summary");
    counterexample = List.copyOf(counterexample);
    blamed = List.copyOf(blamed);
  }

  /** A verdict that blames no operation. */
  public Verdict(String checker, Outcome outcome, String summary, List<String> counterexample) {
    this(checker, outcome, summary, counterexample, List.of());
  }

  public static Verdict valid(String checker, String summary) {
    return new Verdict(checker, Outcome.VALID, summary, List.of());
  }

  public static Verdict invalid(String checker, String summary, List<String> counterexample) {
    return new Verdict(checker, Outcome.INVALID, summary, counterexample);
  }

  /** Invalid, blaming the operations whose ids (invocation indices) are {@code blamed}. */
  public static Verdict invalid(String checker, String summary, List<String> counterexample, List<Long> blamed) {
    return new Verdict(checker, Outcome.INVALID, summary, counterexample, blamed);
  }

  public static Verdict unknown(String checker, String summary) {
    return new Verdict(checker, Outcome.UNKNOWN, summary, List.of());
  }

  /**
   * Several verdicts on parts of one property (safety, liveness, ...) as one: invalid if any part is,
   * else unknown if any part is, else valid. The counterexample joins those of the invalid parts.
   */
  public static Verdict allOf(String checker, List<Verdict> parts) {
    List<Verdict> invalid = parts.stream().filter(v -> v.outcome == Outcome.INVALID).toList();
    if (!invalid.isEmpty()) {
      List<String> lines = new ArrayList<>();
      for (Verdict v : invalid) {
        lines.add("[" + v.checker + "] " + v.summary);
        v.counterexample.forEach(line -> lines.add("  " + line));
      }
      List<Long> blamed = invalid.stream().flatMap(v -> v.blamed.stream()).distinct().toList();
      return invalid(checker, joinSummaries(invalid), lines, blamed);
    }
    List<Verdict> unknown = parts.stream().filter(v -> v.outcome == Outcome.UNKNOWN).toList();
    if (!unknown.isEmpty()) {
      return unknown(checker, joinSummaries(unknown));
    }
    return valid(checker, joinSummaries(parts));
  }

  private static String joinSummaries(List<Verdict> parts) {
    return parts.stream().map(v -> v.checker + ": " + v.summary).collect(Collectors.joining("; "));
  }

  public boolean valid() {
    return outcome == Outcome.VALID;
  }

  /** The verdict as a person reads it: a headline, then the counterexample indented. */
  public String report() {
    StringBuilder s = new StringBuilder();
    s.append(checker).append(": ").append(outcome).append(" - ").append(summary);
    for (String line : counterexample) {
      s.append(System.lineSeparator()).append("    ").append(line);
    }
    return s.toString();
  }

  /** The verdict as the explorer shows it (a run file's {@code history.verdict}). */
  public RunRecord.Verdict forExplorer() {
    return new RunRecord.Verdict(checker, outcome.name(), summary, counterexample, blamed);
  }

  /** Returns this verdict when valid; otherwise throws an AssertionError carrying the report. */
  public Verdict requireValid() {
    if (!valid()) {
      throw new AssertionError(report());
    }
    return this;
  }

  @Override
  public String toString() {
    return report();
  }
}
