package dev.parley.testkit.checker;

import dev.parley.testkit.report.TextTable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Convergence of replicas (gossip, anti-entropy, CRDTs, eventually consistent stores): given each
 * replica's final state as a map of keys to values, the run converged iff every replica holds the same
 * map. The counterexample lists the keys on which replicas differ, with each replica's value (or
 * {@code (absent)}; strings are shown quoted). Values are compared with {@code equals}.
 *
 * <p>Complexity: O(r * k) for r replicas and k keys in all.
 *
 * <pre>{@code
 * Verdict v = new ConvergenceChecker().check(Map.of("n1", Map.of("x", 1L), "n2", Map.of("x", 1L)));
 * }</pre>
 */
public final class ConvergenceChecker implements Checker<Map<String, ? extends Map<String, ?>>> {

  private static final int KEYS_SHOWN = 10;
  private static final String ABSENT = "(absent)";

  @Override
  public String name() {
    return "convergence";
  }

  @Override
  public Verdict check(Map<String, ? extends Map<String, ?>> replicas) {
    TreeMap<String, Map<String, ?>> sorted = new TreeMap<>(replicas);
    TreeSet<String> keys = new TreeSet<>();
    sorted.values().forEach(state -> keys.addAll(state.keySet()));
    List<String> differing = new ArrayList<>();
    for (String key : keys) {
      boolean same = sorted.values().stream()
          .map(state -> state.containsKey(key) ? Arrays.asList(state.get(key)) : ABSENT)
          .distinct().count() == 1;
      if (!same) {
        differing.add(key);
      }
    }
    if (differing.isEmpty()) {
      return Verdict.valid(name(), sorted.size() + " replica(s) hold the same " + keys.size() + " key(s)");
    }
    List<String> header = new ArrayList<>();
    header.add("key");
    header.addAll(sorted.keySet());
    TextTable table = new TextTable(header.toArray(String[]::new));
    for (String key : differing.subList(0, Math.min(KEYS_SHOWN, differing.size()))) {
      List<Object> row = new ArrayList<>();
      row.add(key);
      sorted.values().forEach(state -> row.add(state.containsKey(key) ? show(state.get(key)) : ABSENT));
      table.row(row.toArray());
    }
    List<String> lines = new ArrayList<>(table.lines());
    if (differing.size() > KEYS_SHOWN) {
      lines.add("... and " + (differing.size() - KEYS_SHOWN) + " more keys");
    }
    return Verdict.invalid(name(), sorted.size() + " replicas differ on " + differing.size() + " of "
        + keys.size() + " key(s)", lines);
  }

  /** Strings quoted, so that "1" and 1, or an empty string, can be told apart. */
  private static String show(Object value) {
    return value instanceof String s ? '"' + s + '"' : String.valueOf(value);
  }
}
