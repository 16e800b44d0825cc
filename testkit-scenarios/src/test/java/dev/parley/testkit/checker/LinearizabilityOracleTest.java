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
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

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
