package dev.parley.testkit.checker;

import dev.parley.protocols.history.History;
import dev.parley.protocols.history.Operation;
import dev.parley.testkit.report.TextTable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Eventual consistency of a store of registers: once clients stop writing and the store is left alone
 * long enough, every replica holds the same value of each key (convergence exists), and that value is
 * one a client wrote (nothing out of thin air; and not nothing, if a write of the key was
 * acknowledged). It says nothing about what reads return meanwhile.
 *
 * <p>What is checked, given a history whose writes all came before a quiet point, and after it, reads
 * of every key at every replica (the final reads) and, when the store shows them, each replica's final
 * state: the final reads of each key all return the same value; the replicas' states are equal (the
 * {@link ConvergenceChecker}) and agree with the final reads; and every value they hold was written by
 * a put or cas of the history (OK or of unknown outcome), and none is missing for a key whose write
 * was acknowledged. Whether the store was left alone long enough is the caller's choice of quiet point:
 * a store that converges slowly fails a check made too early.
 *
 * <p>Cost: O(n + r * k) for n operations, r replicas and k keys.
 *
 * <p>Counterexample: the key whose final reads disagree, with who read what; or the replicas that
 * differ (the {@link ConvergenceChecker}'s table); or the value nobody wrote, or the acknowledged write
 * that vanished.
 */
public final class EventualConsistencyChecker implements Checker<EventualConsistencyChecker.Quiesced> {

  /**
   * A run that was left alone at the end.
   *
   * @param history every operation of the run: writes, all invoked before {@code quietFromNanos}, and
   *     after it the final reads
   * @param quietFromNanos the time (in the history's clock) from which no client wrote and the store
   *     was left to converge; gets invoked from then on are the final reads
   * @param replicas each replica's final state, by replica name (empty when the store does not show
   *     its replicas: then the final reads alone are judged)
   */
  public record Quiesced(History history, long quietFromNanos, Map<String, ? extends Map<String, ?>> replicas) {

    public Quiesced {
      Objects.requireNonNull(history, "history");
      replicas = Map.copyOf(replicas);
    }
  }

  private static final String NAME = "eventual consistency";
  private static final String NOTHING = "nothing";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Verdict check(Quiesced run) {
    Map<String, Set<Object>> written = new HashMap<>();
    Set<String> acknowledged = new HashSet<>();
    Map<String, List<Operation>> finalReads = new TreeMap<>();
    for (Operation op : run.history().operations()) {
      boolean quiet = op.invocation().timeNanos() >= run.quietFromNanos();
      if (op.f().equals("get")) {
        if (quiet && op.isOk()) {
          finalReads.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
        }
        continue;
      }
      if (quiet) {
        throw new IllegalArgumentException("op " + op.invocationIndex() + " (" + op + ") writes after the quiet"
            + " point; a store is judged on what it holds once clients stop writing");
      }
      if (!op.isFail()) {
        written.computeIfAbsent(op.key(), k -> new HashSet<>()).add(writtenValue(op));
        if (op.isOk()) {
          acknowledged.add(op.key());
        }
      }
    }
    if (finalReads.isEmpty() && run.replicas().isEmpty()) {
      return Verdict.unknown(NAME, "nothing was read after the quiet point and no replica state was given");
    }
    Map<String, Object> converged = new LinkedHashMap<>();
    for (Map.Entry<String, List<Operation>> key : finalReads.entrySet()) {
      Set<List<Object>> values = new HashSet<>();
      key.getValue().forEach(op -> values.add(Arrays.asList(op.result())));
      if (values.size() > 1) {
        TextTable table = new TextTable("process", "op", "read");
        key.getValue().forEach(op -> table.row(op.process(), op.invocationIndex(), show(op.result())));
        List<String> lines = new ArrayList<>();
        lines.add("the final reads of " + key.getKey() + ":");
        lines.addAll(table.lines());
        return Verdict.invalid(NAME, "after the quiet point, reads of " + key.getKey() + " still return "
            + values.size() + " different values", lines);
      }
      converged.put(key.getKey(), key.getValue().get(0).result());
    }
    if (!run.replicas().isEmpty()) {
      Verdict replicas = new ConvergenceChecker().check(run.replicas());
      if (!replicas.valid()) {
        return Verdict.invalid(NAME, "the replicas still differ after the quiet point: " + replicas.summary(),
            replicas.counterexample());
      }
      Map<String, ?> state = run.replicas().values().iterator().next();
      Set<String> keys = new TreeSet<>(state.keySet());
      keys.addAll(converged.keySet());
      for (String key : keys) {
        Object held = state.get(key);
        if (converged.containsKey(key) && !Objects.equals(converged.get(key), held)) {
          return Verdict.invalid(NAME, "the replicas hold " + key + " = " + show(held) + " but the final reads"
              + " return " + show(converged.get(key)), List.of(key + ": replicas " + show(held) + ", final reads "
              + show(converged.get(key))));
        }
        converged.put(key, held);
      }
    }
    for (Map.Entry<String, Object> key : converged.entrySet()) {
      Object value = key.getValue();
      if (value != null && !written.getOrDefault(key.getKey(), Set.of()).contains(value)) {
        return Verdict.invalid(NAME, key.getKey() + " converged to " + value + ", which nobody wrote",
            List.of(key.getKey() + " = " + value + "; the values written to it: "
                + written.getOrDefault(key.getKey(), Set.of())));
      }
      if (value == null && acknowledged.contains(key.getKey())) {
        return Verdict.invalid(NAME, key.getKey() + " converged to nothing although a write of it was acknowledged",
            List.of(key.getKey() + " = nothing; the values written to it: " + written.get(key.getKey())));
      }
    }
    String replicas = run.replicas().isEmpty() ? "" : ", as " + run.replicas().size() + " replicas hold";
    return Verdict.valid(NAME, converged.size() + " key(s) converged to one written value each ("
        + finalReads.values().stream().mapToInt(List::size).sum() + " final reads agree" + replicas + ")");
  }

  private static Object writtenValue(Operation op) {
    if (op.f().equals("cas") && op.argument() instanceof List<?> pair && pair.size() == 2) {
      return pair.get(1);
    }
    if (op.f().equals("put")) {
      return op.argument();
    }
    throw new IllegalArgumentException("op " + op.invocationIndex() + " is '" + op.f()
        + "': the eventual consistency checker reads registers with put, get and cas only");
  }

  private static String show(Object value) {
    return value == null ? NOTHING : String.valueOf(value);
  }
}
