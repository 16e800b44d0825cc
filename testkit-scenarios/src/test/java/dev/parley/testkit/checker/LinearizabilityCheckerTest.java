package dev.parley.testkit.checker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.protocols.history.History;
import dev.parley.protocols.history.HistoryRecorder;
import dev.parley.protocols.history.HistoryRecorder.Handle;
import java.util.List;
import org.junit.jupiter.api.Test;

class LinearizabilityCheckerTest {

  private final LinearizabilityChecker checker = LinearizabilityChecker.forRegisters();
  private final HistoryRecorder r = new HistoryRecorder(() -> 0);

  private Handle put(String p, String k, long v) {
    return r.invoke(p, "put", k, v);
  }

  private Handle get(String p, String k) {
    return r.invoke(p, "get", k, null);
  }

  private Handle cas(String p, String k, long expected, long next) {
    return r.invoke(p, "cas", k, List.of(expected, next));
  }

  private Verdict check() {
    return checker.check(r.history());
  }

  // ---- known bad ----

  @Test
  void staleReadAfterACompletedWriteIsRejected() {
    r.ok(put("c1", "x", 1));
    r.ok(put("c1", "x", 2));
    r.ok(get("c2", "x"), 1L);

    Verdict v = check();

    assertThat(v.valid()).isFalse();
    assertThat(v.summary()).startsWith("key x: get(x) -> 1 by c2 (op 4) cannot be linearized")
        .endsWith("could only hold 2");
    assertThat(v.blamed()).as("the stale read, by its invocation's index").containsExactly(4L);
    assertThat(v.forExplorer().blamed()).containsExactly(4L);
    assertThat(v.forExplorer().outcome()).isEqualTo("INVALID");
    assertThat(v.counterexample()).anySatisfy(line -> assertThat(line).contains("put(x, 2)"));
    System.out.println(v.report());
  }

  @Test
  void readsThatSeeAValueFlipBackAreRejected() {
    Handle w1 = put("c1", "x", 1);
    r.ok(w1);
    Handle w2 = put("c1", "x", 2);
    Handle r1 = get("c2", "x");
    r.ok(r1, 2L);
    Handle r2 = get("c3", "x");
    r.ok(r2, 1L);
    r.ok(w2);

    Verdict v = check();

    assertThat(v.valid()).isFalse();
    assertThat(v.summary()).contains("get(x) -> 1 by c3");
    System.out.println(v.report());
  }

  @Test
  void casSucceedingTwiceFromTheSameExpectedValueIsRejected() {
    r.ok(put("c1", "x", 0));
    Handle a = cas("c1", "x", 0, 1);
    Handle b = cas("c2", "x", 0, 2);
    r.ok(a);
    r.ok(b);

    Verdict v = check();

    assertThat(v.valid()).isFalse();
    assertThat(v.summary()).contains("cas(x, [0, 2])");
    assertThat(v.counterexample()).anySatisfy(line -> assertThat(line).contains("cas(x, [0, 1])"));
    System.out.println(v.report());
  }

  @Test
  void readOfAValueNeverWrittenIsRejected() {
    Handle w = put("c1", "x", 1);
    Handle g = get("c2", "x");
    r.ok(g, 7L);
    r.ok(w);

    Verdict v = check();

    assertThat(v.valid()).isFalse();
    assertThat(v.summary()).contains("get(x) -> 7 by c2");
    assertThat(statesListed(v)).containsExactlyInAnyOrder("nothing (never written)", "1");
  }

  @Test
  void counterexampleListsEveryStateTheRegisterCouldHoldAndLeavesOutWhatTookNoEffect() {
    r.ok(put("c1", "x", 1));
    Handle two = put("c1", "x", 2);
    Handle three = put("c2", "x", 3);
    Handle failed = cas("c4", "x", 1, 9);
    Handle read = get("c3", "x");
    r.fail(failed, "expected value differs");
    r.ok(read, 7L);
    r.ok(two);
    r.ok(three);
    r.ok(get("c3", "x"), 3L);

    Verdict v = check();

    assertThat(v.summary()).startsWith("key x: get(x) -> 7 by c3");
    assertThat(statesListed(v)).containsExactlyInAnyOrder("1", "2", "3");
    assertThat(v.counterexample())
        .noneSatisfy(line -> assertThat(line).contains("cas(x"))
        .anySatisfy(line -> assertThat(line).contains("not shown: 1 concurrent operation"))
        .anySatisfy(line -> assertThat(line).contains("put(x, 2)"))
        .anySatisfy(line -> assertThat(line).contains("put(x, 3)"));
    System.out.println(v.report());
  }

  @Test
  void statesListedFollowEveryOrderOfTheConcurrentWrites() {
    r.ok(put("c1", "x", 0));
    Handle swap = cas("c1", "x", 0, 1);
    Handle write = put("c2", "x", 5);
    Handle read = get("c3", "x");
    r.ok(read, 8L);
    r.ok(swap);
    r.ok(write);

    Verdict v = check();

    // cas then put: 5; put then cas: the cas cannot happen; put alone: 5; cas alone: 1; neither: 0
    assertThat(statesListed(v)).containsExactlyInAnyOrder("0", "1", "5");
  }

  /** The states the summary says the register could hold just before the stuck operation. */
  private static List<String> statesListed(Verdict v) {
    String marker = "could only hold ";
    assertThat(v.summary()).contains(marker);
    return List.of(v.summary().substring(v.summary().indexOf(marker) + marker.length()).split(" or "));
  }

  @Test
  void failedCasDidNotTakeEffect() {
    r.ok(put("c1", "x", 0));
    r.fail(cas("c1", "x", 0, 5), "lost the race");
    r.ok(get("c2", "x"), 5L);

    assertThat(check().valid()).isFalse();
  }

  @Test
  void onlyTheBrokenKeyIsReported() {
    r.ok(put("c1", "good", 1));
    r.ok(get("c1", "good"), 1L);
    r.ok(put("c2", "bad", 1));
    r.ok(get("c2", "bad"), 2L);

    Verdict v = check();

    assertThat(v.summary()).startsWith("key bad:");
    assertThat(v.counterexample()).noneSatisfy(line -> assertThat(line).contains("good"));
  }

  @Test
  void theVerdictDoesNotDependOnParallelism() {
    RegisterHistories g = new RegisterHistories(7);
    g.runConcurrently(10, 4_000, 20, 0.02, 5);
    g.forgedGet("z1", "k13", 99L);
    g.forgedGet("z2", "k4", 98L);
    g.forgedGet("z3", "k17", 97L);
    History h = g.history();

    Verdict sequential = checker.withParallelism(1).check(h);

    assertThat(sequential.summary()).contains("3 keys fail");
    for (int threads = 2; threads <= 8; threads *= 2) {
      for (int run = 0; run < 5; run++) {
        assertThat(checker.withParallelism(threads).check(h)).isEqualTo(sequential);
      }
    }
  }

  @Test
  void parallelismMustBePositive() {
    assertThatThrownBy(() -> checker.withParallelism(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("parallelism must be positive, was 0");
  }

  // ---- known good ----

  @Test
  void concurrentReadMaySeeTheOldValue() {
    r.ok(put("c1", "x", 1));
    Handle w = put("c1", "x", 2);
    Handle g = get("c2", "x");
    r.ok(g, 1L);
    r.ok(w);

    assertThat(check().valid()).isTrue();
  }

  @Test
  void concurrentReadMaySeeTheNewValue() {
    r.ok(put("c1", "x", 1));
    Handle w = put("c1", "x", 2);
    Handle g = get("c2", "x");
    r.ok(g, 2L);
    r.ok(w);

    assertThat(check().valid()).isTrue();
  }

  @Test
  void infoWriteMayTakeEffectLongAfterItTimedOut() {
    r.ok(put("c1", "x", 1));
    r.info(put("c1", "x", 2), "timeout");
    r.ok(get("c2", "x"), 1L);
    r.ok(get("c2", "x"), 1L);
    r.ok(get("c3", "x"), 2L);

    assertThat(check().valid()).isTrue();
  }

  @Test
  void infoWriteMayNeverTakeEffect() {
    r.ok(put("c1", "x", 1));
    r.info(put("c1", "x", 2), "timeout");
    put("c4", "x", 3);
    r.ok(get("c2", "x"), 1L);

    assertThat(check().valid()).isTrue();
  }

  @Test
  void infoWriteCannotBeUndone() {
    r.ok(put("c1", "x", 1));
    r.info(put("c1", "x", 2), "timeout");
    r.ok(get("c2", "x"), 2L);
    r.ok(get("c2", "x"), 1L);

    assertThat(check().valid()).isFalse();
  }

  @Test
  void readOfAnEmptyRegisterIsNull() {
    r.ok(get("c1", "x"), null);
    r.ok(put("c1", "x", 4));

    assertThat(check().valid()).isTrue();
    assertThat(checker.withInitialValue(0L).check(r.history()).valid()).isFalse();
  }

  @Test
  void unknownOperationIsNamed() {
    r.ok(r.invoke("c1", "acquire", "x", null));

    assertThatThrownBy(this::check)
        .hasMessage("op 0 is 'acquire': the linearizability checker models a register with put, get and cas only");
  }

  @Test
  void exhaustedBudgetGivesUnknown() {
    History h = RegisterHistories.linearizable(3, 5, 400, 1, 0.2);

    Verdict v = checker.withBudget(10).check(h);

    assertThat(v.outcome()).isEqualTo(Verdict.Outcome.UNKNOWN);
    assertThat(v.summary()).startsWith("gave up after 10 configurations on key(s) [k0]");
  }

  // ---- scale ----

  @Test
  void tenThousandOperationsFromTenClientsOverTenKeysAreCheckedInSeconds() {
    History h = RegisterHistories.linearizable(42, 10, 10_000, 10, 0.01);
    assertThat(h.operations()).hasSize(10_000);

    long start = System.nanoTime();
    Verdict v = checker.check(h);
    long millis = (System.nanoTime() - start) / 1_000_000;

    System.out.println("linearizability of 10,000 ops, 10 clients, 10 keys: " + millis + " ms; " + v.summary());
    assertThat(v.valid()).as(v.report()).isTrue();
    assertThat(millis).isLessThan(20_000);
  }
}
