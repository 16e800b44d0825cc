package dev.parley.testkit.checker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.protocols.history.HistoryRecorder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventualConsistencyCheckerTest {

  private static final long QUIET = 1_000;

  private final EventualConsistencyChecker checker = new EventualConsistencyChecker();
  private long now;
  private final HistoryRecorder r = new HistoryRecorder(() -> now);

  private void put(String p, String k, String v) {
    r.ok(r.invoke(p, "put", k, v));
  }

  /** A read after the quiet point. */
  private void finalRead(String p, String k, String v) {
    now = Math.max(now, QUIET);
    r.ok(r.invoke(p, "get", k, null), v);
  }

  private Verdict check(Map<String, ? extends Map<String, ?>> replicas) {
    return checker.check(new EventualConsistencyChecker.Quiesced(r.history(), QUIET, replicas));
  }

  @Test
  void finalReadsAndReplicasAgreeingOnAWrittenValueConverged() {
    put("c1", "x", "a");
    put("c2", "x", "b");
    finalRead("n1", "x", "a");
    finalRead("n2", "x", "a");

    Verdict v = check(Map.of("n1", Map.of("x", "a"), "n2", Map.of("x", "a")));

    assertThat(v.valid()).as(v.report()).isTrue();
    assertThat(v.summary()).isEqualTo("1 key(s) converged to one written value each (2 final reads agree, as 2"
        + " replicas hold)");
  }

  @Test
  void finalReadsThatDisagreeAreShownWithWhoReadWhat() {
    put("c1", "x", "a");
    put("c2", "x", "b");
    finalRead("n1", "x", "a");
    finalRead("n2", "x", "b");

    Verdict v = check(Map.of());

    assertThat(v.valid()).isFalse();
    assertThat(v.summary()).isEqualTo("after the quiet point, reads of x still return 2 different values");
    assertThat(v.counterexample()).containsExactly("the final reads of x:", "process  op  read", "n1       4   a",
        "n2       6   b");
  }

  @Test
  void replicasThatDifferAreNotConverged() {
    put("c1", "x", "a");

    Verdict v = check(Map.of("n1", Map.of("x", "a"), "n2", Map.of()));

    assertThat(v.valid()).isFalse();
    assertThat(v.summary()).startsWith("the replicas still differ after the quiet point");
    assertThat(v.counterexample()).anySatisfy(line -> assertThat(line).startsWith("x").endsWith("(absent)"));
  }

  @Test
  void aValueNobodyWroteIsNotConvergence() {
    put("c1", "x", "a");
    finalRead("n1", "x", "z");

    Verdict v = check(Map.of());

    assertThat(v.valid()).isFalse();
    assertThat(v.summary()).isEqualTo("x converged to z, which nobody wrote");
  }

  @Test
  void anAcknowledgedWriteMustNotVanish() {
    put("c1", "x", "a");
    r.info(r.invoke("c1", "put", "y", "b"), "timeout");
    finalRead("n1", "x", null);
    finalRead("n1", "y", null);

    Verdict v = check(Map.of());

    assertThat(v.summary()).isEqualTo("x converged to nothing although a write of it was acknowledged");
  }

  @Test
  void replicasAndFinalReadsMustAgree() {
    put("c1", "x", "a");
    put("c1", "x", "b");
    finalRead("n1", "x", "a");

    Verdict v = check(Map.of("n1", Map.of("x", "b")));

    assertThat(v.summary()).isEqualTo("the replicas hold x = b but the final reads return a");
  }

  @Test
  void withNothingReadAndNoReplicaTheVerdictIsUnknown() {
    put("c1", "x", "a");

    assertThat(check(Map.of()).outcome()).isEqualTo(Verdict.Outcome.UNKNOWN);
  }

  @Test
  void aWriteAfterTheQuietPointIsRefused() {
    finalRead("n1", "x", null);
    put("c1", "x", "a");

    assertThatThrownBy(() -> check(Map.of())).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("writes after the quiet point");
  }
}
