package dev.parley.testkit.checker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.history.History;
import dev.parley.protocols.history.HistoryJson;
import dev.parley.protocols.history.HistoryRecorder;
import dev.parley.protocols.history.Operation;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.statistics.Statistics;

/**
 * The checker agrees with a brute-force search on small random histories, valid or not: this guards
 * the search's prunings (forced reads, unreachable returns, interchangeable unknown calls).
 */
class LinearizabilityOracleTest {

  @Property(tries = 1000)
  void agreesWithExhaustiveSearch(@ForAll long seed) {
    History h = randomHistory(new Random(seed));

    boolean expected = bruteForce(h.operations());
    Verdict v = LinearizabilityChecker.forRegisters().check(h);

    assertThat(v.valid()).as("%s%n%s", v.report(), HistoryJson.toJsonLines(h)).isEqualTo(expected);
  }

  /**
   * When a history is not linearizable, the states the verdict lists are exactly those a brute-force
   * search finds before the completion it names: after every order of the other operations invoked
   * before it that takes in each operation completed before it.
   */
  @Property(tries = 1000)
  void listsEveryStateBeforeTheStuckOperation(@ForAll long seed) {
    History h = randomHistory(new Random(seed));
    Verdict v = LinearizabilityChecker.forRegisters().check(h);
    Statistics.collect(v.valid() ? "linearizable" : "not linearizable");
    if (v.valid()) {
      return;
    }
    Matcher named = Pattern.compile("\\(op (\\d+)\\) cannot be linearized; .* could only hold (.*)$")
        .matcher(v.summary());
    assertThat(named.find()).as(v.summary()).isTrue();
    long invoked = Long.parseLong(named.group(1));
    Operation stuck = h.operations().stream().filter(o -> o.invocationIndex() == invoked).findFirst().orElseThrow();

    Set<String> expected = new HashSet<>();
    List<Operation> ops = h.operations().stream().filter(o -> !o.isFail()).toList();
    statesBefore(ops, stuck, 0L, null, new HashSet<>(), expected);

    assertThat(Set.of(named.group(2).split(" or ")))
        .as("%s%n%s", v.report(), HistoryJson.toJsonLines(h))
        .isEqualTo(expected);
  }

  private static void statesBefore(List<Operation> ops, Operation stuck, long chosen, Object state,
      Set<List<Object>> seen, Set<String> found) {
    if (!seen.add(List.of(chosen, Objects.requireNonNullElse(state, "<none>")))) {
      return;
    }
    boolean past = true;
    for (int i = 0; i < ops.size(); i++) {
      Operation o = ops.get(i);
      if ((chosen & (1L << i)) == 0 && o.isOk() && o.completionIndex() < stuck.completionIndex()) {
        past = false;
      }
    }
    if (past) {
      found.add(state == null ? "nothing (never written)" : String.valueOf(state));
    }
    for (int i = 0; i < ops.size(); i++) {
      Operation o = ops.get(i);
      if ((chosen & (1L << i)) != 0 || o == stuck || o.invocationIndex() > stuck.completionIndex()
          || !mayGoNext(ops, chosen, i)) {
        continue;
      }
      Object next = apply(o, state);
      if (next != NO) {
        statesBefore(ops, stuck, chosen | (1L << i), next == NONE ? null : next, seen, found);
      }
    }
  }

  /**
   * Up to three clients run 4 to 11 operations on one register with random results: gets return random
   * values, cas randomly succeeds or fails, and some operations time out (INFO) or never complete
   * (their client crashed and a new client takes its place).
   */
  private static History randomHistory(Random random) {
    HistoryRecorder r = new HistoryRecorder(() -> 0);
    HistoryRecorder.Handle[] busy = new HistoryRecorder.Handle[3];
    int[] generation = new int[3];
    int operations = 4 + random.nextInt(8);
    int started = 0;
    while (started < operations || Arrays.stream(busy).anyMatch(Objects::nonNull)) {
      int slot = random.nextInt(3);
      HistoryRecorder.Handle h = busy[slot];
      if (h == null && started < operations) {
        started++;
        String f = List.of("put", "get", "cas").get(random.nextInt(3));
        Object arg = switch (f) {
          case "put" -> (long) random.nextInt(3);
          case "cas" -> List.of((long) random.nextInt(3), (long) random.nextInt(3));
          default -> null;
        };
        busy[slot] = r.invoke("c" + slot + "." + generation[slot], f, "x", arg);
        continue;
      }
      if (h == null) {
        continue;
      }
      busy[slot] = null;
      int outcome = random.nextInt(10);
      if (outcome == 0) {
        r.info(h, "timeout");
      } else if (outcome == 1) {
        generation[slot]++;
      } else if (h.invocation().f().equals("get")) {
        r.ok(h, random.nextInt(4) == 0 ? null : (Object) (long) random.nextInt(3));
      } else if (h.invocation().f().equals("cas") && random.nextBoolean()) {
        r.fail(h, "mismatch");
      } else {
        r.ok(h);
      }
    }
    return r.history();
  }

  /** Tries every order of the operations that respects real time; no pruning beyond memoization. */
  private static boolean bruteForce(List<Operation> all) {
    List<Operation> ops = all.stream().filter(o -> !o.isFail()).toList();
    return search(ops, 0L, null, new HashSet<>());
  }

  private static boolean search(List<Operation> ops, long chosen, Object state, Set<List<Object>> seen) {
    if (!seen.add(List.of(chosen, Objects.requireNonNullElse(state, "<none>")))) {
      return false;
    }
    boolean allDefiniteChosen = true;
    for (int i = 0; i < ops.size(); i++) {
      if ((chosen & (1L << i)) == 0 && ops.get(i).isOk()) {
        allDefiniteChosen = false;
      }
    }
    if (allDefiniteChosen) {
      return true;
    }
    for (int i = 0; i < ops.size(); i++) {
      if ((chosen & (1L << i)) != 0 || !mayGoNext(ops, chosen, i)) {
        continue;
      }
      Operation o = ops.get(i);
      Object next = apply(o, state);
      if (next != NO && search(ops, chosen | (1L << i), next == NONE ? null : next, seen)) {
        return true;
      }
    }
    return false;
  }

  private static boolean mayGoNext(List<Operation> ops, long chosen, int i) {
    for (int j = 0; j < ops.size(); j++) {
      if ((chosen & (1L << j)) == 0 && ops.get(j).isOk()
          && ops.get(j).completionIndex() < ops.get(i).invocationIndex()) {
        return false;
      }
    }
    return true;
  }

  private static final Object NO = new Object();
  private static final Object NONE = new Object();

  private static Object apply(Operation o, Object state) {
    Object result = switch (o.f()) {
      case "put" -> o.argument();
      case "get" -> !o.isOk() ? state : Objects.equals(state, o.result()) ? state : NO;
      default -> {
        List<?> pair = (List<?>) o.argument();
        yield Objects.equals(state, pair.get(0)) ? pair.get(1) : NO;
      }
    };
    return result == null ? NONE : result;
  }
}
