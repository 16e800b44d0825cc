package dev.parley.testkit.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Merging PIT's reports of two modules: a mutant is killed if either module's tests killed it. */
class MutationScoresTest {

  private static String mutation(String cls, int line, int index, String status) {
    return "<mutation detected='false' status='" + status + "' numberOfTestsRun='1'><sourceFile>X.java</sourceFile>"
        + "<mutatedClass>" + cls + "</mutatedClass><mutatedMethod>m</mutatedMethod><methodDescription>()V"
        + "</methodDescription><lineNumber>" + line + "</lineNumber><mutator>org.pitest.Negate</mutator>"
        + "<indexes><index>" + index + "</index></indexes><blocks><block>0</block></blocks>"
        + "<killingTest/><description>negated conditional</description></mutation>";
  }

  private static ByteArrayInputStream report(String... mutations) {
    String xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><mutations partial=\"false\">"
        + String.join("", mutations) + "</mutations>";
    return new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aMutantKilledInEitherModuleCountsAsKilledAndOnlyOnce() {
    MutationScores scores = new MutationScores()
        .add(report(
            mutation("a.b.X", 1, 1, "SURVIVED"),
            mutation("a.b.X", 1, 2, "NO_COVERAGE"), // same line, another instruction: another mutant
            mutation("a.b.X", 2, 1, "TIMED_OUT"),
            mutation("a.c.Y", 3, 1, "NO_COVERAGE")), "protocols")
        .add(report(
            mutation("a.b.X", 1, 1, "KILLED"),
            mutation("a.b.X", 1, 2, "SURVIVED"),
            mutation("a.b.X", 2, 1, "SURVIVED"),
            mutation("a.c.Y", 3, 1, "NO_COVERAGE")), "specs");

    assertThat(scores.counts()).containsExactly(
        new MutationScores.Counts("a.b", 3, 1, 1, 1, 0),
        new MutationScores.Counts("a.c", 1, 0, 0, 0, 1),
        new MutationScores.Counts("all", 4, 1, 1, 1, 1));
    assertThat(scores.counts().get(2).score()).isEqualTo(50.0);
    assertThat(scores.counts().get(2).scoreWithoutTimedOut()).isEqualTo(25.0);
    assertThat(String.join("\n", scores.table())).contains("a.b").contains("66.7%").contains("50.0%");
  }

  @Test
  void aReportThatIsNotPitsOrNotFinishedIsRefusedByName() {
    assertThatThrownBy(() -> new MutationScores().add(
        new ByteArrayInputStream("not xml".getBytes(StandardCharsets.UTF_8)), "broken.xml"))
        .hasMessageContaining("broken.xml is not a PIT XML report");
    assertThatThrownBy(() -> new MutationScores().add(report(mutation("a.X", 1, 1, "STARTED")), "partial.xml"))
        .hasMessageContaining("partial.xml").hasMessageContaining("run it again to the end");
    assertThatThrownBy(() -> new MutationScores().add(Path.of("no/such/mutations.xml")))
        .hasMessageContaining("no PIT report at no/such/mutations.xml");
  }
}
