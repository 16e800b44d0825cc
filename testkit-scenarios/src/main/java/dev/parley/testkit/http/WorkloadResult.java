package dev.parley.testkit.http;

import dev.parley.protocols.history.History;
import dev.parley.testkit.checker.Verdict;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What one workload did and what its checkers concluded.
 *
 * @param summary its counts
 * @param verdicts each checker's verdict on its history, the HTTP contract's among them
 * @param history its clients' history: one operation per request, a retried request included once
 *     (invoked at its first attempt, completed at its final answer)
 */
public record WorkloadResult(String workload, Summary summary, List<Verdict> verdicts, History history) {

  public WorkloadResult {
    verdicts = List.copyOf(verdicts);
  }

  /** True if every verdict is valid. */
  public boolean valid() {
    return verdicts.stream().allMatch(Verdict::valid);
  }

  /** The verdict of the checker named {@code checker} (a prefix of its name is enough). */
  public Verdict verdict(String checker) {
    return verdicts.stream().filter(v -> v.checker().startsWith(checker)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no verdict of " + checker + " in " + workload + "; there are "
            + verdicts.stream().map(Verdict::checker).toList()));
  }

  /** The summary line, then each verdict's report. */
  public String report() {
    return summary.line() + System.lineSeparator() + verdicts.stream().map(v -> "  " + v.report().replace(
        System.lineSeparator(), System.lineSeparator() + "  ")).collect(Collectors.joining(System.lineSeparator()));
  }
}
