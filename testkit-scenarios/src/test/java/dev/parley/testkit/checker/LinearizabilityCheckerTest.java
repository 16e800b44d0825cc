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
    assertThat(v.summary()).contains("get(x) -> 7 by c2").contains("1").contains("nothing (never written)");
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
