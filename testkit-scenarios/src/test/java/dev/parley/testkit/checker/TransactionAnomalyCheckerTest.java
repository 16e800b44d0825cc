package dev.parley.testkit.checker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.protocols.history.History;
import dev.parley.protocols.history.HistoryRecorder;
import dev.parley.testkit.checker.TransactionAnomalyChecker.Anomaly;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TransactionAnomalyCheckerTest {

  private final TransactionAnomalyChecker serializable = TransactionAnomalyChecker.serializable();
  private final HistoryRecorder r = new HistoryRecorder(() -> 0);

  private static TxnOp read(String key, Object value) {
    return TxnOp.read(key, value);
  }

  private static TxnOp write(String key, Object value) {
    return TxnOp.write(key, value);
  }

  /** Invokes a transaction with its reads' values unknown, as a client would. */
  private HistoryRecorder.Handle invoke(String process, TxnOp... steps) {
    List<TxnOp> asked = new ArrayList<>();
    for (TxnOp s : steps) {
      asked.add(s.isRead() ? read(s.key(), null) : s);
    }
    return r.invoke(process, "txn", null, TxnOp.toValue(asked));
  }

  private void committed(String process, TxnOp... steps) {
    r.ok(invoke(process, steps), TxnOp.toValue(List.of(steps)));
  }

  private void aborted(String process, TxnOp... steps) {
    r.fail(invoke(process, steps), "aborted");
  }

  private List<Anomaly> anomalies() {
    return List.copyOf(serializable.anomalies(r.history()).keySet());
  }

  @Test
  void transactionsOneAfterAnotherAreSerializable() {
    committed("c1", write("x", 1), write("y", 1));
    committed("c2", read("x", 1), read("y", 1), write("x", 2));
    committed("c3", read("x", 2), read("y", 1));

    Verdict v = serializable.check(r.history());

    assertThat(v.valid()).as(v.report()).isTrue();
    assertThat(v.summary()).isEqualTo("3 committed transaction(s) of 3, 5 dependencies: no forbidden anomaly");
  }

  @Test
  void twoTransactionsEachOverwritingTheOthersWriteAreAWriteCycle() {
    committed("c1", read("y", 2), write("x", 1), write("y", 1));
    committed("c2", read("x", 1), write("x", 2), write("y", 2));

    assertThat(anomalies()).contains(Anomaly.G0, Anomaly.G1C);
    Verdict v = serializable.check(r.history());
    assertThat(v.summary()).startsWith("G0 (write cycle), G1c (circular information flow)");
    System.out.println(v.report());
  }

  @Test
  void readingAnAbortedWriteIsG1a() {
    aborted("c1", write("x", 1));
    committed("c2", read("x", 1));

    assertThat(anomalies()).containsExactly(Anomaly.G1A);
    assertThat(serializable.check(r.history()).counterexample()).containsExactly("G1a (aborted read):",
        "  T2 (c2: r x 1) read x = 1, written by T0 (c1, aborted: w x 1), which aborted");
  }

  @Test
  void readingAnIntermediateWriteIsG1b() {
    committed("c1", write("x", 1), write("x", 2));
    committed("c2", read("x", 1));

    assertThat(anomalies()).containsExactly(Anomaly.G1B);
  }

  @Test
  void eachReadingTheOthersWriteIsCircularInformationFlow() {
    committed("c1", read("y", 2), write("x", 1));
    committed("c2", read("x", 1), write("y", 2));

    assertThat(anomalies()).containsExactly(Anomaly.G1C);
  }

  /** T3 reads x before T2's update and y after it: read skew, one anti-dependency. */
  @Test
  void readSkewIsGSingle() {
    committed("c1", write("x", 1), write("y", 1));
    committed("c2", read("x", 1), write("x", 2), read("y", 1), write("y", 2));
    committed("c3", read("x", 1), read("y", 2));

    assertThat(anomalies()).containsExactly(Anomaly.G_SINGLE);
    Verdict v = serializable.check(r.history());
    assertThat(v.counterexample()).containsExactly("G-single (one anti-dependency):",
        "  T4 -rw-> T2 -wr-> T4",
        "  rw: T4 (c3: r x 1, r y 2) read x = 1, which T2 (c2: r x 1, w x 2, r y 1, w y 2) overwrote with 2"
            + " (T2 (c2: r x 1, w x 2, r y 1, w y 2) read x = 1 before writing 2)",
        "  wr: T4 (c3: r x 1, r y 2) read y = 2, which T2 (c2: r x 1, w x 2, r y 1, w y 2) wrote");
    System.out.println(v.report());
  }

  /** Each reads both keys as never written and writes one: write skew, two anti-dependencies. */
  @Test
  void writeSkewIsG2AndAllowedUnderReadCommitted() {
    committed("c1", read("x", null), read("y", null), write("x", 1));
    committed("c2", read("x", null), read("y", null), write("y", 2));

    assertThat(anomalies()).containsExactly(Anomaly.G2);
    assertThat(serializable.check(r.history()).counterexample()).contains("  T0 -rw-> T2 -rw-> T0");
    Verdict readCommitted = TransactionAnomalyChecker.readCommitted().check(r.history());
    assertThat(readCommitted.valid()).isTrue();
    assertThat(readCommitted.summary()).endsWith("(allowed here: G2 (anti-dependency cycle))");
  }

  @Test
  void notReadingOnesOwnWriteIsInternallyInconsistent() {
    committed("c1", write("x", 1), read("x", null));

    assertThat(anomalies()).containsExactly(Anomaly.INTERNAL);
  }

  @Test
  void aValueNobodyWroteIsReported() {
    committed("c1", read("x", 7));

    assertThat(anomalies()).containsExactly(Anomaly.UNWRITTEN);
  }

  @Test
  void aTransactionOfUnknownOutcomeCommittedIfItsWriteWasRead() {
    r.info(invoke("c1", write("x", 1)), "timeout");
    committed("c2", read("x", 1));
    r.info(invoke("c3", write("y", 1)), "timeout");

    Verdict v = serializable.check(r.history());

    assertThat(v.valid()).isTrue();
    assertThat(v.summary()).startsWith("2 committed transaction(s) of 3");
  }

  @Test
  void aValueWrittenTwiceToAKeyIsRefused() {
    committed("c1", write("x", 1));
    committed("c2", write("x", 1));

    assertThatThrownBy(() -> serializable.check(r.history())).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("values written to a key must be unique");
  }

  /** Single-key operations of a linearizable register store, each a transaction: serializable. */
  @Test
  void linearizableSingleKeyOperationsAreSerializable() {
    for (long seed = 1; seed <= 40; seed++) {
      History h = RegisterHistories.linearizableWithUniqueValues(seed, 4, 60, 2, 0.1);
      Verdict v = serializable.check(h);
      assertThat(v.valid()).as("seed %d: %s", seed, v.report()).isTrue();
    }
  }

  /** A cas history whose cas chain forks (two cas from the same value both succeed) is a lost update. */
  @Test
  void twoCasFromTheSameValueBothSucceedingAreAnAntiDependencyCycle() {
    r.ok(r.invoke("c1", "put", "x", 1L));
    r.ok(r.invoke("c2", "cas", "x", List.of(1L, 2L)));
    r.ok(r.invoke("c3", "cas", "x", List.of(1L, 3L)));

    assertThat(anomalies()).containsExactly(Anomaly.G2);
  }
}
