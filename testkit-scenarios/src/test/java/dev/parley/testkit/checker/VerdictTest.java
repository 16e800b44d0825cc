package dev.parley.testkit.checker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.protocols.trace.RunRecord;
import java.util.List;
import org.junit.jupiter.api.Test;

class VerdictTest {

  private final Verdict ok = Verdict.valid("p: a", "fine");
  private final Verdict bad = Verdict.invalid("p: b", "broken", List.of("line 1", "line 2"));
  private final Verdict unsure = Verdict.unknown("p: c", "gave up");

  @Test
  void combinedVerdictIsInvalidIfAnyPartIs() {
    Verdict v = Verdict.allOf("p", List.of(ok, unsure, bad));

    assertThat(v.outcome()).isEqualTo(Verdict.Outcome.INVALID);
    assertThat(v.summary()).isEqualTo("p: b: broken");
    assertThat(v.counterexample()).containsExactly("[p: b] broken", "  line 1", "  line 2");
  }

  @Test
  void combinedVerdictIsUnknownIfNoPartFailedButOneGaveUp() {
    assertThat(Verdict.allOf("p", List.of(ok, unsure)).outcome()).isEqualTo(Verdict.Outcome.UNKNOWN);
    assertThat(Verdict.allOf("p", List.of(ok)).valid()).isTrue();
  }

  @Test
  void reportIsAHeadlineThenTheCounterexample() {
    assertThat(bad.report()).isEqualTo(String.join(System.lineSeparator(),
        "p: b: INVALID - broken", "    line 1", "    line 2"));
  }

  @Test
  void requireValidThrowsTheReport() {
    assertThat(ok.requireValid()).isSameAs(ok);
    assertThatThrownBy(bad::requireValid).isInstanceOf(AssertionError.class).hasMessageContaining("line 2");
  }

  @Test
  void aCombinedVerdictBlamesWhatItsInvalidPartsBlameAndTheExplorerSeesIt() {
    Verdict blaming = Verdict.invalid("p: d", "stuck", List.of("op 7"), List.of(7L));

    Verdict v = Verdict.allOf("p", List.of(bad, blaming, ok));

    assertThat(bad.blamed()).as("a verdict made without blame").isEmpty();
    assertThat(v.blamed()).containsExactly(7L);
    assertThat(v.forExplorer()).isEqualTo(new RunRecord.Verdict(
        "p", "INVALID", "p: b: broken; p: d: stuck", v.counterexample(), List.of(7L)));
  }
}
