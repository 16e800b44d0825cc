package dev.parley.testkit.checker;

import dev.parley.protocols.history.History;
import dev.parley.protocols.history.Op;
import dev.parley.protocols.history.Operation;
import dev.parley.testkit.report.TextTable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Linearizability of a key-value store whose keys are independent registers with {@code put(v)},
 * {@code get() -> v} and {@code cas([expected, new])}: is there a total order of the operations, one per
 * key, that respects real time (an operation completed before another was invoked comes first) and in
 * which every get returns the latest value put? {@link #forModel} checks any other object given its
 * sequential specification ({@link Model}): a user's replicated state machine.
 *
 * <p>What the history says about each operation: OK took effect with that result; FAIL did not take
 * effect (a failed cas); INFO, or no completion, may have taken effect at any time after its invocation,
 * or never. A key that was never written holds null ({@link #withInitialValue} changes that).
 *
 * <p>Method: by P-compositionality (Herlihy and Wing; Horn and Kroening), a history of independent
 * keys is linearizable iff each key's sub-history is, so each key is searched alone with the
 * Wing-Gong-Lowe algorithm ({@link WglSearch}) memoizing (linearized set, value) configurations. Keys
 * are searched in parallel, on as many threads as there are processors ({@link #withParallelism}; 1
 * searches them one after the other on the calling thread). The verdict is the same whatever the
 * parallelism and whichever search ends first: the first failing key in order of first appearance is
 * reported, with the others named.
 *
 * <p>Guarantees: a VALID verdict means a linearization exists (the search found one); INVALID means
 * none does, up to the search's 128-bit fingerprints of linearized sets, which could make it skip a
 * configuration with a probability below 10^-20 (so report a violation that is not one, never hide a
 * real one); UNKNOWN means a key's search ran out of its budget.
 *
 * <p>Cost: exponential in the worst case (the problem is NP-complete), but bounded by the number of
 * distinct configurations, which for a key with n operations and at most c of them concurrent is about
 * n * 2^c * (distinct values); histories of a few clients run in time close to linear (10,000 operations
 * from 10 clients in a few milliseconds, see docs/benchmarks.md). Operations of unknown outcome stay
 * concurrent with everything after them and so widen c: many of them on one key make the search slow.
 * A budget of configurations per key (memory: 16 bytes each) turns a search that runs too long into an
 * UNKNOWN verdict. The time is the largest key's search, or the sum of all divided by the threads,
 * whichever is larger.
 *
 * <p>Counterexample: the key, the operation whose completion the search could not get past (no order
 * of the operations before it explains its result), and every state the register (or the model) could
 * hold just before that completion: the states after every order of the operations invoked before it
 * in which those that completed before it took effect. Below, the operations concurrent with it and the
 * last few that completed before it was invoked; operations the search ignored (a FAIL, which took no
 * effect; a read of unknown outcome, which returned nothing) are left out and counted.
 */
public final class LinearizabilityChecker implements Checker<History> {

  public static final long DEFAULT_BUDGET = 2_000_000;
  private static final int PRECEDING_SHOWN = 3;
  private static final int CONCURRENT_SHOWN = 12;

  private final Object initialValue;
  private final long budget;
  private final int parallelism;
  private final WglSearch.Spec spec;
  private final Function<Operation, WglSearch.Call> toCall;

  private LinearizabilityChecker(Object initialValue, long budget, int parallelism, WglSearch.Spec spec,
      Function<Operation, WglSearch.Call> toCall) {
    this.initialValue = initialValue;
    this.budget = budget;
    this.parallelism = parallelism;
    this.spec = spec;
    this.toCall = toCall;
  }

  private static int defaultParallelism() {
    return Runtime.getRuntime().availableProcessors();
  }

  /** A checker for registers that start empty (null), with the default search budget. */
  public static LinearizabilityChecker forRegisters() {
    return new LinearizabilityChecker(null, DEFAULT_BUDGET, defaultParallelism(), RegisterModel.INSTANCE,
        RegisterModel::toCall);
  }

  /**
   * A checker for objects of {@code model} (one per key of the history; give every operation the same
   * key for one object), starting in its initial state, with the default search budget. A FAIL is
   * taken to have had no effect. Keys are searched in parallel, so the model's methods may be called
   * from several threads at once (a model of immutable states, as {@link Model} asks, is safe).
   */
  public static <S> LinearizabilityChecker forModel(Model<S> model) {
    return new LinearizabilityChecker(model.initialState(), DEFAULT_BUDGET, defaultParallelism(),
        modelSpec(model), op -> op.isFail() ? null : new WglSearch.Call(op, null, op.isOk()));
  }

  /** The search's view of a user's model: a call's step is the model's step of its operation. */
  @SuppressWarnings("unchecked")
  static <S> WglSearch.Spec modelSpec(Model<S> model) {
    return new WglSearch.Spec() {
      @Override
      public Object step(Object state, WglSearch.Call call) {
        return model.step((S) state, call.operation(), call.definite()).map(Object.class::cast)
            .orElse(WglSearch.IMPOSSIBLE);
      }

      @Override
      public boolean isRead(WglSearch.Call call) {
        return model.isRead(call.operation());
      }
    };
  }

  /** The value every key holds before its first put. */
  public LinearizabilityChecker withInitialValue(Object value) {
    return new LinearizabilityChecker(Op.normalize(value, "initial value"), budget, parallelism, spec, toCall);
  }

  /** At most this many distinct configurations per key before the verdict is UNKNOWN. */
  public LinearizabilityChecker withBudget(long configurationsPerKey) {
    if (configurationsPerKey <= 0) {
      throw new IllegalArgumentException("budget must be positive, was " + configurationsPerKey);
    }
    return new LinearizabilityChecker(initialValue, configurationsPerKey, parallelism, spec, toCall);
  }

  /**
   * Searches at most this many keys at once, each on its own thread (by default as many as there are
   * processors; 1 searches the keys one after the other on the calling thread). The verdict does not
   * depend on it.
   */
  public LinearizabilityChecker withParallelism(int threads) {
    if (threads <= 0) {
      throw new IllegalArgumentException("parallelism must be positive, was " + threads);
    }
    return new LinearizabilityChecker(initialValue, budget, threads, spec, toCall);
  }

  @Override
  public String name() {
    return "linearizability";
  }

  @Override
  public Verdict check(History history) {
    Map<String, List<Operation>> keys = new LinkedHashMap<>();
    history.operations().forEach(o -> keys.computeIfAbsent(o.key(), k -> new ArrayList<>()).add(o));
    List<String> names = new ArrayList<>(keys.keySet());
    List<Searched> results = searchAll(names.stream().map(keys::get).toList());
    int firstFailed = -1;
    List<String> failed = new ArrayList<>();
    List<String> undecided = new ArrayList<>();
    long configurations = 0;
    for (int k = 0; k < names.size(); k++) {
      WglSearch.Result result = results.get(k).result();
      if (result instanceof WglSearch.Linearizable ok) {
        configurations += ok.configurations();
      } else if (result instanceof WglSearch.NotLinearizable) {
        firstFailed = failed.isEmpty() ? k : firstFailed;
        failed.add(names.get(k));
      } else {
        undecided.add(names.get(k));
      }
    }
    int opCount = history.operations().size();
    if (firstFailed >= 0) {
      String key = names.get(firstFailed);
      List<WglSearch.Call> calls = results.get(firstFailed).calls();
      WglSearch.Call stuck = ((WglSearch.NotLinearizable) results.get(firstFailed).result()).stuck();
      WglSearch.ReachableStates states = WglSearch.statesBefore(calls, stuck, spec, initialValue, budget);
      String where = failed.size() == 1 ? "" : " (" + failed.size() + " keys fail: " + failed + ")";
      return Verdict.invalid(name(), describe(key, stuck.operation(), states) + where,
          counterexample(key, keys.get(key), calls, stuck.operation()), List.of(stuck.operation().invocationIndex()));
    }
    if (!undecided.isEmpty()) {
      return Verdict.unknown(name(), "gave up after " + budget + " configurations on key(s) " + undecided
          + "; the " + (keys.size() - undecided.size()) + " other key(s) are linearizable");
    }
    return Verdict.valid(name(), opCount + " operations on " + keys.size() + " key(s) are linearizable ("
        + configurations + " configurations explored)");
  }

  /** One key's operations as the search saw them, and what it concluded. */
  private record Searched(List<WglSearch.Call> calls, WglSearch.Result result) {}

  /**
   * Each key's operations searched, in the order given, on up to {@code parallelism} threads ({@link
   * ParallelSearches}): the verdict does not depend on which search ends first, and a search that
   * throws (on an operation the model does not know, say) rethrows here, the first by key order, as
   * the sequential search would.
   */
  private List<Searched> searchAll(List<List<Operation>> keys) {
    if (parallelism == 1 || keys.size() <= 1) {
      return keys.stream().map(this::search).toList();
    }
    return ParallelSearches.map(keys, List::size, this::search, parallelism);
  }

  private Searched search(List<Operation> operations) {
    List<WglSearch.Call> calls = operations.stream().map(toCall).filter(Objects::nonNull).toList();
    return new Searched(calls, WglSearch.search(calls, spec, initialValue, budget));
  }

  private String describe(String key, Operation op, WglSearch.ReachableStates states) {
    return "key " + key + ": " + OperationText.call(op) + " -> " + OperationText.result(op) + " by "
        + op.process() + " (op " + op.invocationIndex() + ") cannot be linearized; just before it "
        + (spec == RegisterModel.INSTANCE ? "the register could only hold " : "the state could only be ")
        + states.states().stream().map(String::valueOf).collect(Collectors.joining(" or "))
        + (states.complete() ? "" : ", or more: listing them ran out of budget");
  }

  /**
   * The operations a reader needs to see why {@code stuck} cannot be linearized: those the search
   * considered (not a FAIL, which took no effect, nor a read of unknown outcome, which neither changed
   * nor returned anything) that overlap it, nearest first, and the last few that completed before it.
   */
  private static List<String> counterexample(String key, List<Operation> all, List<WglSearch.Call> calls,
      Operation stuck) {
    Set<Operation> considered = Collections.newSetFromMap(new IdentityHashMap<>());
    calls.forEach(c -> considered.add(c.operation()));
    List<Operation> preceding = all.stream()
        .filter(o -> considered.contains(o) && o.isOk() && o.completionIndex() < stuck.invocationIndex())
        .sorted(Comparator.comparingLong(Operation::completionIndex).reversed())
        .limit(PRECEDING_SHOWN)
        .toList();
    List<Operation> overlapping = all.stream().filter(o -> o != stuck && overlaps(o, stuck)).toList();
    List<Operation> concurrent = overlapping.stream()
        .filter(considered::contains)
        .sorted(Comparator.comparingLong(o -> Math.abs(o.invocationIndex() - stuck.invocationIndex())))
        .toList();
    List<Operation> shown = new ArrayList<>(preceding);
    shown.add(stuck);
    shown.addAll(concurrent.subList(0, Math.min(CONCURRENT_SHOWN, concurrent.size())));
    shown.sort(Comparator.comparingLong(Operation::invocationIndex));

    TextTable table = new TextTable("invoked", "completed", "process", "call", "result", "");
    for (Operation o : shown) {
      table.row(o.invocationIndex(), o.isIndeterminate() ? "-" : o.completionIndex(), o.process(),
          OperationText.call(o), OperationText.result(o), o == stuck ? "<- no linearization explains this" : "");
    }
    List<String> lines = new ArrayList<>();
    lines.add("key " + key + ", operations around op " + stuck.invocationIndex()
        + " (concurrent with it, and the last " + PRECEDING_SHOWN + " completed before it):");
    lines.addAll(table.lines());
    if (concurrent.size() > CONCURRENT_SHOWN) {
      lines.add("... and " + (concurrent.size() - CONCURRENT_SHOWN) + " more concurrent operations");
    }
    long ignored = overlapping.size() - concurrent.size();
    if (ignored > 0) {
      lines.add("(not shown: " + ignored + " concurrent operation(s) that took no effect and returned nothing:"
          + " failed ones, or reads of unknown outcome)");
    }
    return lines;
  }

  private static boolean overlaps(Operation a, Operation b) {
    return a.invocationIndex() < b.completionIndex() && b.invocationIndex() < a.completionIndex();
  }
}
