package dev.parley.testkit.http;

import dev.parley.testkit.checker.Verdict;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one workload's clients saw besides its history, from any number of threads: how many answers
 * of each kind ({@link Answer#label()}), and the answers the HTTP contract does not allow for the
 * request sent (a 200 to a malformed request, a missing field), grouped by kind with the first
 * example of each kind kept.
 */
final class Observations {

  private final String workload;
  private final Map<String, Long> answers = new TreeMap<>();
  private final Map<String, Long> breaches = new LinkedHashMap<>();
  private final Map<String, String> examples = new LinkedHashMap<>();

  Observations(String workload) {
    this.workload = workload;
  }

  /** Counts {@code a} and returns it. */
  synchronized Answer count(Answer a) {
    answers.merge(a.label(), 1L, Long::sum);
    return a;
  }

  /** Records an answer outside the contract: {@code kind} groups them, {@code example} shows this one. */
  synchronized void breach(String kind, String example) {
    breaches.merge(kind, 1L, Long::sum);
    examples.putIfAbsent(kind, example);
  }

  synchronized Map<String, Long> answers() {
    return Map.copyOf(answers);
  }

  synchronized long breaches() {
    return breaches.values().stream().mapToLong(Long::longValue).sum();
  }

  /** The verdict on the answers: valid if every one was one the contract allows. */
  synchronized Verdict contract() {
    String name = "http contract: " + workload;
    long total = answers.values().stream().mapToLong(Long::longValue).sum();
    if (breaches.isEmpty()) {
      return Verdict.valid(name, total + " answers, each one the contract allows");
    }
    List<String> lines = new ArrayList<>();
    breaches.forEach((kind, n) -> {
      lines.add(n + " x " + kind);
      lines.add("    e.g. " + examples.get(kind));
    });
    return Verdict.invalid(name, breaches() + " of " + total + " answers outside the contract ("
        + breaches.size() + " kinds)", lines);
  }
}
