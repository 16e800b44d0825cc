package dev.parley.testkit.checker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.history.History;
import dev.parley.protocols.history.HistoryRecorder;
import dev.parley.protocols.history.HistoryRecorder.Handle;
import dev.parley.protocols.history.Operation;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SequentialConsistencyCheckerTest {

  private final SequentialConsistencyChecker checker = SequentialConsistencyChecker.forRegisters();
  private final HistoryRecorder r = new HistoryRecorder(() -> 0);

  private Handle put(String p, String k, String v) {
    return r.invoke(p, "put", k, v);
  }

  private Handle get(String p, String k) {
    return r.invoke(p, "get", k, null);
  }

  private Verdict check() {
    return checker.check(r.history());
  }

  @Test
  void aStaleReadIsSequentiallyConsistentThoughNotLinearizable() {
    r.ok(put("c1", "x", "a"));
    r.ok(get("c2", "x"), null);

    assertThat(LinearizabilityChecker.forRegisters().check(r.history()).valid()).isFalse();
    Verdict v = check();
    assertThat(v.valid()).as(v.report()).isTrue();
    assertThat(v.blamed()).isEmpty();
    assertThat(v.summary()).startsWith("2 completed operations of 2 process(es) fit one order");
  }

  /**
   * Each client writes its key, then reads the other's as never written: no order keeps both
   * programs, although each key alone is sequentially consistent (the property is not local).
   */
  @Test
  void twoClientsMissingEachOthersWritesAreNotSequentiallyConsistentThoughEachKeyIs() {
    r.ok(put("c1", "x", "1"));
    r.ok(put("c2", "y", "1"));
    r.ok(get("c1", "y"), null);
    r.ok(get("c2", "x"), null);

    Verdict v = check();

    assertThat(v.valid()).isFalse();
    assertThat(v.summary()).isEqualTo("no order of the 4 completed operations of 2 process(es) keeps each "
        + "process's order and explains every result");
    assertThat(r.history().byKey().values()).allSatisfy(key -> assertThat(checker.check(key).valid()).isTrue());
    assertThat(v.counterexample()).anySatisfy(line -> assertThat(line).contains("get(x)").contains("x holds 1"));
    System.out.println(v.report());
  }

  @Test
  void aReaderSeeingOneWritersWritesInReverseOrderIsRejected() {
    r.ok(put("c1", "x", "a"));
    r.ok(put("c1", "x", "b"));
    r.ok(get("c2", "x"), "b");
    r.ok(get("c2", "x"), "a");

    Verdict v = check();

    assertThat(v.valid()).isFalse();
    assertThat(v.counterexample().get(0)).startsWith("the furthest the search got: ");
    assertThat(v.blamed()).as("one of the reads, by its invocation's index").hasSize(1)
        .allSatisfy(id -> assertThat(id).isIn(4L, 6L));
    System.out.println(v.report());
  }

  @Test
  void aWriteOfUnknownOutcomeMayTakeEffectAfterTheWritersLaterOperations() {
    r.info(put("c1", "x", "a"), "timeout");
    r.ok(put("c1", "x", "b"));
    r.ok(get("c2", "x"), "b");
    r.ok(get("c2", "x"), "a");

    assertThat(check().valid()).isTrue();
  }

  @Test
  void aFailedWriteHadNoEffect() {
    r.fail(put("c1", "x", "a"), "refused");
    r.ok(get("c2", "x"), "a");

    assertThat(check().valid()).isFalse();
  }

  @Test
  void casIsModelled() {
    r.ok(put("c1", "x", "a"));
    r.ok(r.invoke("c2", "cas", "x", List.of("a", "b")));
    r.ok(r.invoke("c3", "cas", "x", List.of("a", "c")));

    assertThat(check().valid()).isFalse();
  }

  @Test
  void linearizableHistoriesAreSequentiallyConsistent() {
    for (long seed = 1; seed <= 30; seed++) {
      History h = RegisterHistories.linearizable(seed, 3, 36, 2, 0.1);
      Verdict v = checker.check(h);
      assertThat(v.valid()).as("seed %d: %s", seed, v.report()).isTrue();
    }
  }

  @Test
  void aTooSmallBudgetGivesUnknown() {
    r.ok(put("c1", "x", "1"));
    r.ok(put("c2", "y", "1"));
    r.ok(get("c1", "y"), null);
    r.ok(get("c2", "x"), null);

    Verdict v = checker.withBudget(1).check(r.history());

    assertThat(v.outcome()).isEqualTo(Verdict.Outcome.UNKNOWN);
  }

  /** A counter with {@code add} and {@code read}: reads that go down are not sequentially consistent. */
  @Test
  void aUsersModelIsOneObjectForTheWholeHistory() {
    Model<Long> counter = new Model<>() {
      @Override
      public Long initialState() {
        return 0L;
      }

      @Override
      public Optional<Long> step(Long state, Operation op, boolean definite) {
        if (op.f().equals("read")) {
          return !definite || op.result().equals(state) ? Optional.of(state) : Optional.empty();
        }
        return Optional.of(state + (Long) op.argument());
      }

      @Override
      public boolean isRead(Operation op) {
        return op.f().equals("read");
      }
    };
    r.ok(r.invoke("c1", "add", "a", 1L));
    r.ok(r.invoke("c2", "add", "b", 2L));
    r.ok(r.invoke("c3", "read", null, null), 2L);
    r.ok(r.invoke("c3", "read", null, null), 3L);
    assertThat(SequentialConsistencyChecker.forModel(counter).check(r.history()).valid()).isTrue();

    r.ok(r.invoke("c3", "read", null, null), 1L);
    Verdict v = SequentialConsistencyChecker.forModel(counter).check(r.history());
    assertThat(v.valid()).isFalse();
    assertThat(v.counterexample()).anySatisfy(line -> assertThat(line).contains("the object was then"));
  }
}
