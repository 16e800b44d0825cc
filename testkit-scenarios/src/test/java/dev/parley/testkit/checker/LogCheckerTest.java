package dev.parley.testkit.checker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.testkit.checker.LogChecker.Append;
import dev.parley.testkit.checker.LogChecker.Entry;
import dev.parley.testkit.checker.LogChecker.Read;
import dev.parley.testkit.checker.LogChecker.Run;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The log checker passes valid histories and catches each kind of violation in hand-made ones. */
class LogCheckerTest {

  static final LogChecker CHECKER = new LogChecker();

  /** Times in ms, as nanos. */
  static long ms(long ms) {
    return ms * 1_000_000;
  }

  static Append ok(String value, long from, long to, int partition, long offset) {
    return Append.ok("c", "k-" + value, value, ms(from), ms(to), partition, offset);
  }

  static Entry rec(long offset, String value) {
    return new Entry(offset, "k-" + value, value);
  }

  static Read read(long from, long to, int partition, long fromOffset, long end, Entry... records) {
    return new Read("r", ms(from), ms(to), partition, fromOffset, 100, 0, end, List.of(records));
  }

  static Verdict check(List<Append> appends, Read... reads) {
    return CHECKER.check(new Run(appends, List.of(reads)));
  }

  // a: p0@0, b: p0@1 (b invoked after a was acknowledged), c: p1@0 concurrent with b
  static final Append A = ok("a", 0, 10, 0, 0);
  static final Append B = ok("b", 20, 30, 0, 1);
  static final Append C = ok("c", 25, 35, 1, 0);
  static final Append FAILED = Append.failed("c", "k-x", "x", ms(40), ms(41));
  static final Append UNKNOWN = Append.unknown("c", "k-u", "u", ms(42), Long.MAX_VALUE);
  static final List<Append> APPENDS = List.of(A, B, C, FAILED, UNKNOWN);

  @Test
  void aValidHistoryIsValid() {
    Verdict v = check(APPENDS,
        read(5, 6, 0, 0, 0),
        read(12, 13, 0, 0, 1, rec(0, "a")),
        read(50, 51, 0, 0, 3, rec(0, "a"), rec(1, "b"), rec(2, "u")),
        read(52, 53, 0, 1, 3, rec(1, "b"), rec(2, "u")),
        read(54, 55, 1, 0, 1, rec(0, "c")));
    assertThat(v.valid()).as(v.report()).isTrue();
    assertThat(v.summary()).contains("3 appends acknowledged, 1 failed, 1 unknown; 5 reads");
  }

  @Test
  void anUnknownAppendMayAppearTwiceOrNever() {
    assertThat(check(APPENDS, read(50, 51, 0, 0, 4, rec(0, "a"), rec(1, "b"), rec(2, "u"), rec(3, "u"))).valid())
        .as("at-least-once: a retried append of unknown outcome may be in the log twice").isTrue();
    assertThat(check(APPENDS, read(50, 51, 0, 0, 2, rec(0, "a"), rec(1, "b"))).valid()).isTrue();
  }

  @Test
  void aReadThatDoesNotSpanTheOffsetSaysNothingAboutIt() {
    Read limited = new Read("r", ms(50), ms(51), 0, 0, 1, 0, 2, List.of(rec(0, "a")));
    assertThat(check(APPENDS, limited).valid()).as("max=1 stops before b's offset").isTrue();
  }

  @Test
  void anAcknowledgedAppendMissingFromTheEndIsLost() {
    Verdict v = check(APPENDS, read(50, 51, 0, 0, 1, rec(0, "a")));
    assertThat(v.valid()).isFalse();
    assertThat(v.report()).contains("acknowledged appends").contains("lost: append 'b'")
        .contains("says the partition ends at 1");
  }

  @Test
  void aReadBeforeTheAcknowledgementMayMissIt() {
    assertThat(check(APPENDS, read(25, 26, 0, 0, 1, rec(0, "a"))).valid())
        .as("b was not yet acknowledged when that read was invoked").isTrue();
  }

  @Test
  void anotherRecordAtAnAcknowledgedOffsetIsLoss() {
    Verdict v = check(APPENDS, read(50, 51, 0, 0, 2, rec(0, "a"), rec(1, "u")));
    assertThat(v.valid()).isFalse();
    assertThat(v.report()).contains("lost: append 'b'").contains("has 'u' (key k-u) there");
  }

  @Test
  void anAcknowledgedRecordAtAnotherOffsetMoved() {
    Verdict v = check(APPENDS, read(50, 51, 0, 0, 3, rec(0, "a"), rec(1, "b"), rec(2, "b")));
    assertThat(v.valid()).isFalse();
    assertThat(v.report()).contains("moved: append 'b'").contains("has it at p0@2");
    Verdict otherPartition = check(APPENDS, read(50, 51, 1, 0, 2, rec(0, "c"), rec(1, "a")));
    assertThat(otherPartition.report()).contains("moved: append 'a'").contains("has it at p1@1");
  }

  @Test
  void twoAppendsAcknowledgedAtOneOffsetAreCaught() {
    List<Append> appends = new ArrayList<>(APPENDS);
    appends.add(ok("d", 60, 70, 1, 0));
    Verdict v = check(appends);
    assertThat(v.valid()).isFalse();
    assertThat(v.report()).contains("two appends acknowledged at p1@0");
  }

  @Test
  void twoReadsDisagreeingOnAnOffsetAreCaught() {
    List<Append> appends = List.of(Append.unknown("c", "k-u", "u", ms(0), ms(1)),
        Append.unknown("c", "k-w", "w", ms(0), ms(1)));
    Verdict v = check(appends, read(10, 11, 2, 0, 1, rec(0, "u")), read(12, 13, 2, 0, 1, rec(0, "w")));
    assertThat(v.valid()).isFalse();
    assertThat(v.report()).contains("agreement").contains("two records at p2@0: 'u' (key k-u) in read #0")
        .contains("'w' (key k-w) in read #1");
  }

  @Test
  void aGapInARead() {
    Verdict v = check(APPENDS, read(50, 51, 0, 0, 3, rec(0, "a"), rec(2, "u")));
    assertThat(v.valid()).isFalse();
    assertThat(v.report()).contains("reads well-formed").contains("jumps from offset 0 to 2");
  }

  @Test
  void aReadStartingElsewhereThanAskedOrBeyondItsEnd() {
    Verdict late = check(APPENDS, read(50, 51, 0, 0, 3, rec(1, "b"), rec(2, "u")));
    assertThat(late.report()).contains("starts at offset 1, not at 0");
    Verdict beyond = check(APPENDS, read(50, 51, 0, 0, 2, rec(0, "a"), rec(1, "b"), rec(2, "u")));
    assertThat(beyond.report()).contains("returns offset 2, at or beyond the end 2");
    Read trimmed = new Read("r", ms(50), ms(51), 0, 0, 100, 1, 3, List.of(rec(1, "b"), rec(2, "u")));
    assertThat(check(APPENDS, trimmed).valid()).as("records before start were deleted by retention").isTrue();
  }

  @Test
  void anAppendAcknowledgedBeforeAnotherWasInvokedMustComeFirst() {
    List<Append> appends = List.of(ok("a", 0, 10, 0, 1), ok("b", 20, 30, 0, 0));
    Verdict v = check(appends);
    assertThat(v.valid()).isFalse();
    assertThat(v.report()).contains("real-time order")
        .contains("append 'b' (key k-b) by c [20.0, 30.0] ms acknowledged at p0@0 was invoked after append 'a'");
    List<Append> concurrent = List.of(ok("a", 0, 30, 0, 1), ok("b", 20, 40, 0, 0));
    assertThat(check(concurrent).valid()).as("concurrent appends may go in either order").isTrue();
  }

  @Test
  void aFailedAppendThatTookEffectIsCaught() {
    Verdict v = check(APPENDS, read(50, 51, 0, 0, 3, rec(0, "a"), rec(1, "b"), rec(2, "x")));
    assertThat(v.valid()).isFalse();
    assertThat(v.report()).contains("failed appends").contains("failed append took effect: append 'x'")
        .contains("has it at p0@2");
  }

  @Test
  void aRecordNobodyAppendedOrUnderAnotherKeyIsAPhantom() {
    Verdict v = check(APPENDS, read(50, 51, 0, 0, 3, rec(0, "a"), rec(1, "b"), rec(2, "ghost")));
    assertThat(v.report()).contains("no phantoms").contains("'ghost' (key k-ghost) at p0@2, which no append wrote");
    Verdict rekeyed = check(APPENDS, read(50, 51, 1, 0, 1, new Entry(0, "other", "c")));
    assertThat(rekeyed.report()).contains("appended with key k-c");
    Verdict early = check(APPENDS, read(1, 2, 0, 0, 3, rec(0, "a"), rec(1, "b"), rec(2, "u")));
    assertThat(early.report()).contains("before append 'u'");
  }

  @Test
  void aKeyAcknowledgedInTwoPartitionsIsCaught() {
    List<Append> appends = List.of(Append.ok("c", "same", "v1", ms(0), ms(1), 0, 0),
        Append.ok("c", "same", "v2", ms(2), ms(3), 3, 0));
    assertThat(check(appends).report()).contains("key same was acknowledged in partitions [0, 3]");
  }

  @Test
  void twoAppendsWithOneValueAreRefused() {
    assertThatThrownBy(() -> check(List.of(ok("a", 0, 1, 0, 0), ok("a", 2, 3, 0, 1))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unique values");
  }

  @Test
  void manyViolationsAreCountedAndTheFirstFewShown() {
    List<Append> appends = new ArrayList<>();
    List<Entry> records = new ArrayList<>();
    for (int i = 0; i < 15; i++) {
      appends.add(Append.failed("c", "k-f" + i, "f" + i, ms(i), ms(i)));
      records.add(rec(i, "f" + i));
    }
    Verdict v = check(appends, new Read("r", ms(100), ms(101), 0, 0, 100, 0, 15, records));
    assertThat(v.summary()).contains("15 record(s) of failed appends read");
    assertThat(v.report()).contains("... and 5 more");
  }
}
