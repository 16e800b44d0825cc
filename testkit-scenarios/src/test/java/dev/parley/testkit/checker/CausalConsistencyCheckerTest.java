package dev.parley.testkit.checker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static dev.parley.testkit.checker.Verdict.Outcome.INVALID;
import static dev.parley.testkit.checker.Verdict.Outcome.UNKNOWN;
import static dev.parley.testkit.checker.Verdict.Outcome.VALID;

import dev.parley.protocols.history.History;
import dev.parley.protocols.history.HistoryRecorder;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import dev.parley.testkit.checker.Verdict.Outcome;
import org.junit.jupiter.api.Test;

class CausalConsistencyCheckerTest {

  private final HistoryRecorder r = new HistoryRecorder(() -> 0);

  private void put(String p, String k, String v) {
    r.ok(r.invoke(p, "put", k, v));
  }

  private void get(String p, String k, String v) {
    r.ok(r.invoke(p, "get", k, null), v);
  }

  /** Each checker's outcome on the history so far. */
  private Map<String, Outcome> verdicts() {
    Map<String, Outcome> outcomes = new TreeMap<>();
    for (Supplier<CausalConsistencyChecker> c : List.<Supplier<CausalConsistencyChecker>>of(
        CausalConsistencyChecker::readYourWrites, CausalConsistencyChecker::monotonicReads,
        CausalConsistencyChecker::monotonicWrites, CausalConsistencyChecker::writesFollowReads,
        CausalConsistencyChecker::sessionGuarantees, CausalConsistencyChecker::causal)) {
      CausalConsistencyChecker checker = c.get();
      outcomes.put(checker.name(), checker.check(r.history()).outcome());
    }
    return outcomes;
  }

  private static Map<String, Outcome> expect(Outcome ryw, Outcome mr, Outcome mw, Outcome wfr, Outcome sessions,
      Outcome causal) {
    return new TreeMap<>(Map.of("read your writes", ryw, "monotonic reads", mr, "monotonic writes", mw,
        "writes follow reads", wfr, "session guarantees", sessions, "causal consistency", causal));
  }

  @Test
  void aClientNotSeeingItsOwnWriteBreaksReadYourWrites() {
    put("c1", "x", "a");
    get("c1", "x", null);

    assertThat(verdicts()).isEqualTo(expect(INVALID, VALID, UNKNOWN, UNKNOWN, INVALID, INVALID));
    Verdict v = CausalConsistencyChecker.readYourWrites().check(r.history());
    assertThat(v.summary()).isEqualTo("c1 read nothing of x although a write of it was visible");
    assertThat(v.counterexample()).containsExactly("c1 get(x) = nothing [op 2] returned nothing, although x = a"
        + " [c1 op 0] was visible to it: c1 wrote it before, read your writes");
  }

  /**
   * A client reads its older write after its newer one: read your writes alone allows it (it does not
   * order the client's two writes); with monotonic writes it is a cycle (the newer write was lost).
   */
  @Test
  void readingOnesOlderWriteIsCaughtOnlyWithMonotonicWrites() {
    put("c1", "x", "a");
    put("c1", "x", "b");
    get("c1", "x", "a");

    assertThat(verdicts()).isEqualTo(expect(VALID, VALID, INVALID, VALID, INVALID, INVALID));
    Verdict v = CausalConsistencyChecker.sessionGuarantees().check(r.history());
    assertThat(v.counterexample()).contains("  c1 wrote x = a before x = b [c1 op 0, c1 op 2] (monotonic writes)");
    System.out.println(v.report());
  }

  @Test
  void aReadOfNothingAfterAReadOfAValueBreaksMonotonicReads() {
    put("c1", "x", "a");
    get("c2", "x", "a");
    get("c2", "x", null);

    assertThat(verdicts()).isEqualTo(expect(VALID, INVALID, UNKNOWN, UNKNOWN, INVALID, INVALID));
  }

  @Test
  void aValueReadAgainAfterAnotherBreaksMonotonicReadsWhateverTheOrderOfTheWrites() {
    put("c1", "x", "a");
    put("c2", "x", "b");
    get("c3", "x", "a");
    get("c3", "x", "b");
    get("c3", "x", "a");

    assertThat(verdicts()).isEqualTo(expect(VALID, INVALID, UNKNOWN, UNKNOWN, INVALID, INVALID));
    Verdict v = CausalConsistencyChecker.monotonicReads().check(r.history());
    assertThat(v.summary()).startsWith("c3's reads need a write to come before itself (a cycle of 2 steps)");
    System.out.println(v.report());
  }

  /** A reader sees c1's second write, then its first: the writes arrived out of order. */
  @Test
  void aReaderSeeingAWritersWritesInReverseBreaksMonotonicWrites() {
    put("c1", "x", "a");
    put("c1", "x", "b");
    get("c2", "x", "b");
    get("c2", "x", "a");

    assertThat(verdicts()).isEqualTo(expect(VALID, VALID, INVALID, VALID, INVALID, INVALID));
  }

  /**
   * c2 reads c1's x, then writes y; c3 reads that y, then x as never written: the write of y did
   * not carry what its writer had seen. Causal consistency shows the causal path.
   */
  @Test
  void aWriteArrivingWithoutWhatItsWriterHadSeenBreaksWritesFollowReads() {
    put("c1", "x", "a");
    get("c2", "x", "a");
    put("c2", "y", "b");
    get("c3", "y", "b");
    get("c3", "x", null);

    assertThat(verdicts()).isEqualTo(expect(VALID, VALID, VALID, INVALID, INVALID, INVALID));
    Verdict v = CausalConsistencyChecker.causal().check(r.history());
    assertThat(v.counterexample()).containsExactly("c3 get(x) = nothing [op 8] returned nothing, although x = a"
        + " [c1 op 0] was visible to it: it happened before, c1 put(x, a) [op 0] -read by-> c2 get(x) = a [op 2]"
        + " -then-> c2 put(y, b) [op 4] -read by-> c3 get(y) = b [op 6] -then-> c3 get(x) = nothing [op 8]");
    System.out.println(v.report());
  }

  /** The notes' example: a value read after it was overwritten in the reader's causal past. */
  @Test
  void aValueOverwrittenInTheCausalPastIsCaught() {
    put("c1", "x", "a");
    get("c2", "x", "a");
    put("c2", "x", "b");
    get("c3", "x", "b");
    get("c3", "x", "a");

    Verdict v = CausalConsistencyChecker.causal().check(r.history());

    assertThat(v.valid()).isFalse();
    assertThat(v.summary()).startsWith("c3's reads need a write to come before itself");
    assertThat(v.counterexample()).anySatisfy(line -> assertThat(line).contains("-read by-> c2 get(x) = a"));
    System.out.println(v.report());
  }

  /**
   * Concurrent writes seen in different orders by different clients: causal, with every session
   * guarantee, but not sequentially consistent.
   */
  @Test
  void concurrentWritesMayBeSeenInDifferentOrdersByDifferentClients() {
    put("c1", "x", "a");
    put("c2", "x", "b");
    get("c3", "x", "a");
    get("c3", "x", "b");
    get("c4", "x", "b");
    get("c4", "x", "a");

    assertThat(verdicts()).isEqualTo(expect(VALID, VALID, VALID, VALID, VALID, VALID));
    assertThat(SequentialConsistencyChecker.forRegisters().check(r.history()).valid()).isFalse();
  }

  @Test
  void aValueNobodyWroteIsAViolationOfEveryCheckThatCanJudgeIt() {
    put("c1", "x", "a");
    get("c2", "x", "z");

    assertThat(verdicts()).isEqualTo(expect(INVALID, INVALID, UNKNOWN, UNKNOWN, INVALID, INVALID));
    assertThat(CausalConsistencyChecker.readYourWrites().check(r.history()).summary())
        .isEqualTo("c2 read a value nobody wrote");
  }

  @Test
  void aReadReturningItsSessionsLaterWriteIsACausalityCycle() {
    get("c1", "x", "a");
    put("c1", "x", "a");

    Verdict v = CausalConsistencyChecker.readYourWrites().check(r.history());

    assertThat(v.valid()).isFalse();
    assertThat(v.summary()).isEqualTo("a read returns a write that depends on the read itself");
    assertThat(v.counterexample()).contains("  c1 get(x) = a [op 0] -then-> c1 put(x, a) [op 2]",
        "  c1 put(x, a) [op 2] -read by-> c1 get(x) = a [op 0]");
  }

  @Test
  void writesOfUnknownOutcomeMayBeReadButAreNotOwnWritesForLaterReads() {
    r.info(r.invoke("c1", "put", "x", "a"), "timeout");
    get("c1", "x", null);
    get("c2", "x", "a");

    assertThat(verdicts()).isEqualTo(expect(VALID, VALID, VALID, VALID, VALID, VALID));
  }

  @Test
  void aSuccessfulCasReadsAndWritesAFailedOneDoesNothing() {
    put("c1", "x", "a");
    r.ok(r.invoke("c2", "cas", "x", List.of("a", "b")));
    r.fail(r.invoke("c2", "cas", "x", List.of("q", "c")), "cas failed");
    get("c2", "x", "a");

    assertThat(CausalConsistencyChecker.causal().check(r.history()).valid()).isFalse();
    assertThat(CausalConsistencyChecker.monotonicReads().check(r.history()).valid()).isTrue();
  }

  @Test
  void aValueWrittenTwiceToAKeyIsRefused() {
    put("c1", "x", "a");
    put("c2", "x", "a");

    assertThatThrownBy(() -> CausalConsistencyChecker.causal().check(r.history()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("values written to a key must be unique")
        .hasMessageContaining("c2 put(x, a) [op 2]");
  }

  /** Linearizable implies sequential implies causal implies every session guarantee. */
  @Test
  void linearizableHistoriesAreCausalAndKeepEverySessionGuarantee() {
    for (long seed = 1; seed <= 40; seed++) {
      History h = RegisterHistories.linearizableWithUniqueValues(seed, 4, 60, 2, 0.1);
      assertThat(LinearizabilityChecker.forRegisters().check(h).valid()).isTrue();
      for (CausalConsistencyChecker c : List.of(CausalConsistencyChecker.causal(),
          CausalConsistencyChecker.sessionGuarantees())) {
        Verdict v = c.check(h);
        assertThat(v.valid()).as("seed %d: %s", seed, v.report()).isTrue();
      }
    }
  }
}
