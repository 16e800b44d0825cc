package dev.parley.testkit.checker;

import dev.parley.protocols.history.History;
import dev.parley.protocols.history.Operation;
import dev.parley.testkit.report.TextTable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Sequential consistency (Lamport 1979): is there one total order of all the operations that keeps
 * each process's operations in the order it issued them (its program order) and in which every
 * operation returns what the object's sequential specification says? Unlike linearizability, real
 * time does not count: an operation may be placed before one that completed long before it was
 * invoked, as long as no process sees its own operations reordered. A linearizable history is
 * sequentially consistent; the converse does not hold.
 *
 * <p>What is checked. {@link #forRegisters}: the whole store as one object, a map from keys to
 * values, with {@code put}, {@code get} and {@code cas} as in the {@link LinearizabilityChecker}. The
 * keys are searched together, not one by one: sequential consistency is not a local property
 * (Herlihy and Wing 1990), so a history can be sequentially consistent key by key and not as a whole
 * (two clients each writing one key and then reading the other's as never written).
 * {@link #forModel}: the whole history as one object of a user's {@link Model}. As for
 * linearizability, an OK operation took effect with its result, a FAIL had no effect, and one of
 * unknown outcome (INFO, or never completed) may have taken effect, with any result, at any point
 * after the operations its process had completed before invoking it (the process went on without
 * knowing), or never.
 *
 * <p>Method: the Wing-Gong-Lowe search of the linearizability checker ({@link WglSearch}), given every
 * call before every return, so that real time constrains nothing, and a state that holds, beside the
 * object, how many operations of each process have been placed: an operation can be placed only when
 * it is its process's next one. Cost: the configurations memoized are at most the product over
 * processes of (operations + 1), times the distinct object states: exponential in the number of
 * processes (4 processes of 15 operations: at most 65,536 times the states), so histories of a few
 * clients check in well under a second, and a budget of configurations turns a longer search into an
 * UNKNOWN verdict. Limits: the whole history is one search, so long histories of many clients are out
 * of reach (the problem is NP-complete, Gibbons and Korach 1997).
 *
 * <p>Counterexample: the furthest point the search reached, that is how many operations of each
 * process it had placed and what the object held then, and each process's next operation, with why it
 * cannot come next.
 */
public final class SequentialConsistencyChecker implements Checker<History> {

  public static final long DEFAULT_BUDGET = 2_000_000;

  private final WglSearch.Spec object;
  private final Object initialState;
  private final Function<Operation, WglSearch.Call> toCall;
  private final boolean registers;
  private final long budget;

  private SequentialConsistencyChecker(WglSearch.Spec object, Object initialState,
      Function<Operation, WglSearch.Call> toCall, boolean registers, long budget) {
    this.object = object;
    this.initialState = initialState;
    this.toCall = toCall;
    this.registers = registers;
    this.budget = budget;
  }

  /** A checker for a store of registers (every key starts empty), with the default budget. */
  public static SequentialConsistencyChecker forRegisters() {
    return new SequentialConsistencyChecker(Registers.INSTANCE, Map.of(), RegisterModel::toCall, true,
        DEFAULT_BUDGET);
  }

  /**
   * A checker for one object of {@code model}: every operation of the history, whatever its key, is
   * an operation on that object, starting in the model's initial state.
   */
  public static <S> SequentialConsistencyChecker forModel(Model<S> model) {
    return new SequentialConsistencyChecker(LinearizabilityChecker.modelSpec(model), model.initialState(),
        op -> op.isFail() ? null : new WglSearch.Call(op, null, op.isOk()), false, DEFAULT_BUDGET);
  }

  /** At most this many distinct configurations before the verdict is UNKNOWN. */
  public SequentialConsistencyChecker withBudget(long configurations) {
    if (configurations <= 0) {
      throw new IllegalArgumentException("budget must be positive, was " + configurations);
    }
    return new SequentialConsistencyChecker(object, initialState, toCall, registers, configurations);
  }

  @Override
  public String name() {
    return "sequential consistency";
  }

  @Override
  public Verdict check(History history) {
    List<String> processes = new ArrayList<>();
    Map<String, List<Operation>> programs = new LinkedHashMap<>();
    List<WglSearch.Call> calls = new ArrayList<>();
    long returnsFrom = history.isEmpty() ? 0 : history.ops().get(history.size() - 1).index() + 1;
    for (Operation op : history.operations()) {
      WglSearch.Call base = toCall.apply(op);
      if (base == null) {
        continue;
      }
      List<Operation> program = programs.computeIfAbsent(op.process(), p -> {
        processes.add(p);
        return new ArrayList<>();
      });
      Placed placed = new Placed(base, processes.indexOf(op.process()), program.size(), base.definite());
      if (base.definite()) {
        program.add(op);
        calls.add(new WglSearch.Call(op, placed, true, op.invocationIndex(), returnsFrom + op.completionIndex()));
      } else {
        calls.add(new WglSearch.Call(op, placed, false, op.invocationIndex(), Long.MAX_VALUE));
      }
    }
    State initial = new State(initialState, new Progress(new int[processes.size()]));
    WglSearch.Result result = WglSearch.search(calls, new ProgramOrder(object), initial, budget);
    long definite = programs.values().stream().mapToLong(List::size).sum();
    if (result instanceof WglSearch.Linearizable ok) {
      return Verdict.valid(name(), definite + " completed operations of " + processes.size()
          + " process(es) fit one order keeping each process's order (" + ok.configurations()
          + " configurations explored)");
    }
    if (result instanceof WglSearch.GaveUp gaveUp) {
      return Verdict.unknown(name(), "gave up after " + gaveUp.configurations() + " configurations");
    }
    WglSearch.NotLinearizable bad = (WglSearch.NotLinearizable) result;
    return Verdict.invalid(name(), "no order of the " + definite + " completed operations of " + processes.size()
            + " process(es) keeps each process's order and explains every result",
        counterexample(processes, programs, (State) bad.statesBefore().get(0)),
        List.of(bad.stuck().operation().invocationIndex()));
  }

  private List<String> counterexample(List<String> processes, Map<String, List<Operation>> programs, State furthest) {
    List<String> lines = new ArrayList<>();
    lines.add("the furthest the search got: " + placed(processes, programs, furthest.progress()));
    lines.add((registers ? "the store then held " : "the object was then ") + show(furthest.object())
        + "; from there no order works. Each process's next operation:");
    TextTable table = new TextTable("process", "op", "next operation", "result", "");
    for (int p = 0; p < processes.size(); p++) {
      List<Operation> program = programs.get(processes.get(p));
      int done = furthest.progress().done()[p];
      if (done == program.size()) {
        table.row(processes.get(p), "", "(none: all placed)", "", "");
        continue;
      }
      Operation next = program.get(done);
      WglSearch.Call base = toCall.apply(next);
      boolean legal = object.step(furthest.object(), base) != WglSearch.IMPOSSIBLE;
      String why = legal ? "possible here, but every order from it fails later" : whyNot(furthest.object(), next);
      table.row(processes.get(p), next.invocationIndex(), OperationText.call(next), OperationText.result(next), why);
    }
    lines.addAll(table.lines());
    return lines;
  }

  private static String placed(List<String> processes, Map<String, List<Operation>> programs, Progress progress) {
    List<String> parts = new ArrayList<>();
    for (int p = 0; p < processes.size(); p++) {
      parts.add(processes.get(p) + " " + progress.done()[p] + " of " + programs.get(processes.get(p)).size());
    }
    return String.join(", ", parts) + " operations placed";
  }

  private String whyNot(Object state, Operation next) {
    if (!registers) {
      return "impossible in that state";
    }
    Object held = ((Map<?, ?>) state).get(next.key());
    return "impossible: " + next.key() + " holds " + (held == null ? "nothing (never written)" : held);
  }

  private String show(Object state) {
    if (!registers) {
      return String.valueOf(state);
    }
    Map<?, ?> values = (Map<?, ?>) state;
    if (values.isEmpty()) {
      return "nothing (no key written)";
    }
    return values.entrySet().stream()
        .sorted(Comparator.comparing(e -> String.valueOf(e.getKey())))
        .map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(", ", "{", "}"));
  }

  /**
   * A call as this search places it: the object's own call, its process (by number), and its place in
   * that process's program: the operations of that process placed before it may be placed (for a
   * definite call: exactly that many; for one of unknown outcome: at least that many).
   */
  private record Placed(WglSearch.Call base, int process, int position, boolean definite) {}

  /** How many operations of each process are placed; an immutable value. */
  private record Progress(int[] done) {

    Progress advance(int process) {
      int[] next = done.clone();
      next[process]++;
      return new Progress(next);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Progress other && Arrays.equals(done, other.done);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(done);
    }

    @Override
    public String toString() {
      return Arrays.toString(done);
    }
  }

  /** The search's state: the object's and each process's progress. */
  private record State(Object object, Progress progress) {}

  /** The object's specification, with program order added: a call comes only when its process is at it. */
  private static final class ProgramOrder implements WglSearch.Spec {
    private final WglSearch.Spec object;

    ProgramOrder(WglSearch.Spec object) {
      this.object = object;
    }

    private static Placed placed(WglSearch.Call call) {
      return (Placed) call.input();
    }

    @Override
    public Object step(Object state, WglSearch.Call call) {
      State s = (State) state;
      Placed p = placed(call);
      int done = s.progress().done()[p.process()];
      if (p.definite() ? done != p.position() : done < p.position()) {
        return WglSearch.IMPOSSIBLE;
      }
      Object next = object.step(s.object(), p.base());
      if (next == WglSearch.IMPOSSIBLE) {
        return WglSearch.IMPOSSIBLE;
      }
      return new State(next, p.definite() ? s.progress().advance(p.process()) : s.progress());
    }

    @Override
    public boolean isRead(WglSearch.Call call) {
      return object.isRead(placed(call).base());
    }

    @Override
    public boolean reachable(WglSearch.Call needed, Object state, Iterable<WglSearch.Call> before) {
      List<WglSearch.Call> bases = new ArrayList<>();
      before.forEach(c -> bases.add(placed(c).base()));
      return object.reachable(placed(needed).base(), ((State) state).object(), bases);
    }

    /** Calls of unknown outcome are interchangeable only within a process (their places differ). */
    @Override
    public Object signature(WglSearch.Call call) {
      return Arrays.asList(object.signature(placed(call).base()), placed(call).process());
    }
  }

  /** A store of registers as one object: an immutable map from each key written to its value. */
  private static final class Registers implements WglSearch.Spec {
    static final Registers INSTANCE = new Registers();

    @Override
    public Object step(Object state, WglSearch.Call call) {
      Map<?, ?> values = (Map<?, ?>) state;
      String key = call.operation().key();
      Object before = values.get(key);
      Object after = RegisterModel.INSTANCE.step(before, call);
      if (after == WglSearch.IMPOSSIBLE) {
        return after;
      }
      if (Objects.equals(before, after)) {
        return state;
      }
      Map<Object, Object> next = new HashMap<>(values);
      if (after == null) {
        next.remove(key);
      } else {
        next.put(key, after);
      }
      return Collections.unmodifiableMap(next);
    }

    @Override
    public boolean isRead(WglSearch.Call call) {
      return RegisterModel.INSTANCE.isRead(call);
    }

    /** The register's pruning, applied to the needed call's key and the calls on that key. */
    @Override
    public boolean reachable(WglSearch.Call needed, Object state, Iterable<WglSearch.Call> before) {
      String key = needed.operation().key();
      List<WglSearch.Call> sameKey = new ArrayList<>();
      before.forEach(c -> {
        if (Objects.equals(c.operation().key(), key)) {
          sameKey.add(c);
        }
      });
      return RegisterModel.INSTANCE.reachable(needed, ((Map<?, ?>) state).get(key), sameKey);
    }

    @Override
    public Object signature(WglSearch.Call call) {
      return Arrays.asList(call.operation().key(), RegisterModel.INSTANCE.signature(call));
    }
  }
}
