package dev.parley.testkit.http;

import dev.parley.testkit.checker.Verdict;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What a {@link ClientHarness} run found: each workload's result, and what the nemesis did.
 *
 * @param results one per workload, in the order they were added
 * @param timeline the nemesis's actions, one per line, with their times
 * @param load how long the clients ran, from start to stop
 */
public record HarnessReport(List<WorkloadResult> results, List<String> timeline, Duration load) {

  public HarnessReport {
    results = List.copyOf(results);
    timeline = List.copyOf(timeline);
  }

  /** The result of the workload named {@code name} (a prefix is enough, such as {@code kv}). */
  public WorkloadResult workload(String name) {
    return results.stream().filter(r -> r.workload().startsWith(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no workload " + name + "; there are "
            + results.stream().map(WorkloadResult::workload).toList()));
  }

  /** True if every workload's every verdict is valid. */
  public boolean valid() {
    return results.stream().allMatch(WorkloadResult::valid);
  }

  /** Every verdict that is not valid. */
  public List<Verdict> failures() {
    return results.stream().flatMap(r -> r.verdicts().stream()).filter(v -> !v.valid()).toList();
  }

  /** Throws an AssertionError carrying the whole report unless every verdict is valid. */
  public HarnessReport requireValid() {
    if (!valid()) {
      throw new AssertionError(failures().size() + " checker(s) found violations: "
          + failures().stream().map(Verdict::checker).collect(Collectors.joining(", ")) + System.lineSeparator()
          + report());
    }
    return this;
  }

  /** The nemesis's timeline, then each workload's summary and verdicts. */
  public String report() {
    String nl = System.lineSeparator();
    return "load " + load.toMillis() / 1000.0 + " s" + nl
        + timeline.stream().map(t -> "  nemesis " + t).collect(Collectors.joining(nl)) + nl
        + results.stream().map(WorkloadResult::report).collect(Collectors.joining(nl));
  }
}
