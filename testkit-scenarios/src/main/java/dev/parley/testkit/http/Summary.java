package dev.parley.testkit.http;

import dev.parley.protocols.history.History;
import dev.parley.protocols.history.Operation;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * One workload's counts: its operations by outcome (a retried operation counts once), the answers
 * its requests got by kind ({@code 200}, {@code 409 cas-failed}, {@code 504}, {@code refused}, ...;
 * every attempt counts), and how many answers the HTTP contract does not allow.
 *
 * @param ops operations invoked
 * @param ok operations that took effect (or read) as answered
 * @param fail operations that certainly had no effect
 * @param info operations of unknown outcome, including those still open when the workload stopped
 * @param answers answers by kind
 * @param outsideContract answers the contract does not allow for the request sent
 */
public record Summary(String workload, long ops, long ok, long fail, long info, Map<String, Long> answers,
    long outsideContract) {

  public Summary {
    answers = Map.copyOf(answers);
  }

  static Summary of(String workload, History history, Observations seen) {
    long ok = 0;
    long fail = 0;
    long info = 0;
    for (Operation o : history.operations()) {
      if (o.isOk()) {
        ok++;
      } else if (o.isFail()) {
        fail++;
      } else {
        info++;
      }
    }
    return new Summary(workload, history.operations().size(), ok, fail, info, seen.answers(), seen.breaches());
  }

  /** Answers with a 4xx status. */
  public long clientErrors() {
    return answers.entrySet().stream().filter(e -> e.getKey().startsWith("4")).mapToLong(Map.Entry::getValue).sum();
  }

  /** Answers of kind {@code label}, for example {@code 400} or {@code 409 id-reused}. */
  public long answers(String label) {
    return answers.getOrDefault(label, 0L);
  }

  /** One line, such as {@code kv: 812 ops (ok 700, fail 90, info 22); 4xx 75; answers 200 x700, ...}. */
  public String line() {
    return workload + ": " + ops + " ops (ok " + ok + ", fail " + fail + ", info " + info + "); 4xx " + clientErrors()
        + "; answers " + new TreeMap<>(answers).entrySet().stream().map(e -> e.getKey() + " x" + e.getValue())
        .collect(Collectors.joining(", ")) + "; outside the contract " + outsideContract;
  }
}
