package dev.parley.testkit.checker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConvergenceCheckerTest {

  private final ConvergenceChecker checker = new ConvergenceChecker();

  @Test
  void identicalReplicasConverged() {
    Map<String, Map<String, Object>> replicas = Map.of(
        "n1", Map.of("x", 1L, "y", "a"),
        "n2", Map.of("y", "a", "x", 1L),
        "n3", Map.of("x", 1L, "y", "a"));

    Verdict v = checker.check(replicas);

    assertThat(v.valid()).isTrue();
    assertThat(v.summary()).isEqualTo("3 replica(s) hold the same 2 key(s)");
  }

  @Test
  void differingKeysAreListedWithEachReplicasValue() {
    Map<String, Map<String, Object>> replicas = new LinkedHashMap<>();
    replicas.put("n2", Map.of("x", 1L, "y", "a", "z", 0L));
    replicas.put("n1", Map.of("x", 2L, "y", "a", "z", 0L));
    replicas.put("n3", Map.of("y", "a", "z", 0L));

    Verdict v = checker.check(replicas);

    assertThat(v.valid()).isFalse();
    assertThat(v.summary()).isEqualTo("3 replicas differ on 1 of 3 key(s)");
    assertThat(v.counterexample()).containsExactly(
        "key  n1  n2  n3",
        "x    2   1   (absent)");
  }

  @Test
  void nullDiffersFromAbsentAndFromTheStringNull() {
    Map<String, Object> withNull = new HashMap<>();
    withNull.put("x", null);

    assertThat(checker.check(Map.of("n1", withNull, "n2", Map.of())).valid()).isFalse();
    assertThat(checker.check(Map.of("n1", withNull, "n2", Map.of("x", "null"))).valid()).isFalse();
    assertThat(checker.check(Map.of("n1", withNull, "n2", new HashMap<>(withNull))).valid()).isTrue();
  }

  @Test
  void aStringAndANumberThatPrintAlikeAreToldApart() {
    Verdict v = checker.check(Map.of("n1", Map.of("x", "1"), "n2", Map.of("x", 1L)));

    assertThat(v.counterexample()).containsExactly("key  n1   n2", "x    \"1\"  1");
  }

  @Test
  void noReplicasOrOneReplicaTriviallyConverged() {
    assertThat(checker.check(Map.of()).valid()).isTrue();
    assertThat(checker.check(Map.of("n1", Map.of("x", 1L))).valid()).isTrue();
  }
}
