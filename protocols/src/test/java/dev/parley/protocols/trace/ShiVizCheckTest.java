package dev.parley.protocols.trace;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The checker rejects each thing ShiViz rejects, with ShiViz's reason, and accepts a valid log. */
class ShiVizCheckTest {

  private static final String VALID = """
      # a header line ShiViz skips
      [raft] send Ping to n2
      n1 {"n1":1}
      [raft] receive Ping from n1
      n2 {"n1":1, "n2":1}
      [raft] upcall Elected
      n1 {"n1":2}
      """;

  @Test
  void acceptsAValidLogWithHeaderLines() {
    ShiVizCheck.Report r = ShiVizCheck.check(VALID);
    assertThat(r.problems()).isEmpty();
    assertThat(r.eventsPerHost()).containsEntry("n1", 2).containsEntry("n2", 1);
  }

  @Test
  void rejectsAClockThatNamesAnEventItsHostDidNotLog() {
    ShiVizCheck.Report r = ShiVizCheck.check(VALID.replace("{\"n1\":1, \"n2\":1}", "{\"n1\":3, \"n2\":1}"));
    assertThat(r.valid()).isFalse();
    assertThat(r.problems()).anyMatch(p -> p.contains("invalid clock value 3 for host n1"));
  }

  @Test
  void rejectsAHostWhoseClockDoesNotStartAtOne() {
    ShiVizCheck.Report r = ShiVizCheck.check(VALID.replace("{\"n1\":1, \"n2\":1}", "{\"n1\":1, \"n2\":2}"));
    assertThat(r.problems()).anyMatch(p -> p.contains("host n2's clock starts at 2, not 1"));
  }

  @Test
  void rejectsAGapInAHostsClock() {
    ShiVizCheck.Report r = ShiVizCheck.check(VALID.replace("n1 {\"n1\":2}", "n1 {\"n1\":3}"));
    assertThat(r.problems()).anyMatch(p -> p.contains("goes from 1 to 3"));
  }

  @Test
  void rejectsAClockNamingAHostWithNoEvents() {
    ShiVizCheck.Report r = ShiVizCheck.check(VALID.replace("n1 {\"n1\":2}", "n1 {\"n1\":2, \"n3\":1}"));
    assertThat(r.problems()).anyMatch(p -> p.contains("names host n3, which has no events"));
  }

  @Test
  void rejectsAClockWithoutItsOwnHostAndOneThatIsNotJson() {
    assertThat(ShiVizCheck.check(VALID.replace("n1 {\"n1\":2}", "n1 {\"n2\":1}")).problems())
        .anyMatch(p -> p.contains("has no entry for n1"));
    assertThat(ShiVizCheck.check(VALID.replace("n1 {\"n1\":2}", "n1 {n1:2}")).problems())
        .anyMatch(p -> p.contains("not JSON"));
  }

  @Test
  void rejectsTextThatIsNoEventRatherThanSkipItSilently() {
    ShiVizCheck.Report r = ShiVizCheck.check(VALID + "a line left over\n");
    assertThat(r.problems()).anyMatch(p -> p.contains("not part of any event: a line left over"));
    assertThat(ShiVizCheck.check("nothing here").valid()).isFalse();
  }
}
