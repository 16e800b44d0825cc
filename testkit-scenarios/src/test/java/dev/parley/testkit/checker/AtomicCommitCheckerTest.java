package dev.parley.testkit.checker;

import static dev.parley.protocols.core.NodeId.n;
import static dev.parley.testkit.checker.CommitRecord.Decision.ABORT;
import static dev.parley.testkit.checker.CommitRecord.Decision.COMMIT;
import static dev.parley.testkit.checker.CommitRecord.Decision.UNDECIDED;
import static dev.parley.testkit.checker.CommitRecord.Vote.NO;
import static dev.parley.testkit.checker.CommitRecord.Vote.NONE;
import static dev.parley.testkit.checker.CommitRecord.Vote.YES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.testkit.checker.CommitRecord.Decision;
import dev.parley.testkit.checker.CommitRecord.Vote;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class AtomicCommitCheckerTest {

  private final AtomicCommitChecker checker = AtomicCommitChecker.create();

  private static CommitRecord r(String t, int node, Vote vote, Decision decision) {
    return CommitRecord.of(t, n(node), vote, decision);
  }

  @Test
  void unanimousCommitAndAbortOnNoAreValid() {
    List<CommitRecord> log = List.of(
        r("t1", 1, YES, COMMIT), r("t1", 2, YES, COMMIT),
        r("t2", 1, YES, ABORT), r("t2", 2, NO, ABORT),
        r("t3", 1, YES, ABORT), r("t3", 2, NONE, ABORT));

    Verdict v = checker.check(log);

    assertThat(v.valid()).as(v.report()).isTrue();
    assertThat(v.summary()).isEqualTo("3 transaction(s) atomic; none blocked");
  }

  @Test
  void participantsDecidingDifferentlyDisagree() {
    List<CommitRecord> log = List.of(r("t1", 1, YES, COMMIT), r("t1", 2, YES, ABORT), r("t1", 3, YES, COMMIT));

    Verdict v = checker.check(log);

    assertThat(v.valid()).isFalse();
    assertThat(v.summary()).startsWith("1 transaction(s) where participants disagree: [t1]");
    assertThat(v.counterexample()).hasSize(5)
        .first().isEqualTo("transaction t1: participants decided both COMMIT and ABORT:");
    System.out.println(v.report());
  }

  @Test
  void commitDespiteANoVoteIsInvalid() {
    Verdict v = checker.check(List.of(r("t9", 1, YES, COMMIT), r("t9", 2, NO, UNDECIDED)));

    assertThat(v.valid()).isFalse();
    assertThat(v.summary()).startsWith("1 committed without a unanimous YES: [t9]");
  }

  @Test
  void commitWithAMissingVoteIsInvalid() {
    assertThat(checker.check(List.of(r("t1", 1, YES, COMMIT), r("t1", 2, NONE, UNDECIDED))).valid()).isFalse();
  }

  @Test
  void blockedParticipantsAreReported() {
    List<CommitRecord> log = List.of(
        r("t1", 1, YES, COMMIT), r("t1", 2, YES, COMMIT),
        r("t2", 1, YES, UNDECIDED), r("t2", 2, YES, UNDECIDED));

    Verdict strict = checker.check(log);
    Verdict lenient = checker.allowingBlocked().check(log);

    assertThat(strict.valid()).isFalse();
    assertThat(strict.summary()).isEqualTo("1 blocked (voted YES, no decision): [t2]");
    assertThat(strict.counterexample()).anySatisfy(l -> assertThat(l).endsWith("blocked"));
    assertThat(lenient.valid()).isTrue();
    assertThat(lenient.summary()).endsWith("1 blocked (voted YES, no decision): [t2]");
    assertThat(checker.blockedTransactions(log)).containsExactly("t2");
  }

  @Test
  void aNoVoterWithoutDecisionIsNotBlocked() {
    assertThat(checker.check(List.of(r("t1", 1, NO, UNDECIDED), r("t1", 2, YES, ABORT))).valid()).isTrue();
  }

  @Test
  void twoRecordsForOneParticipantAreRefused() {
    assertThatThrownBy(() -> checker.check(List.of(r("t1", 1, YES, COMMIT), r("t1", 1, YES, ABORT))))
        .hasMessageContaining("transaction t1 has two records for participant n1");
  }

  /** A correct two-phase commit decides COMMIT iff all voted YES, and everybody learns it. */
  @Property(tries = 200)
  void correctTwoPhaseCommitAlwaysPasses(@ForAll long seed) {
    Random random = new Random(seed);
    List<CommitRecord> log = new ArrayList<>();
    for (int t = 0; t < 20; t++) {
      int participants = 1 + random.nextInt(5);
      List<Vote> votes = new ArrayList<>();
      for (int p = 0; p < participants; p++) {
        votes.add(random.nextInt(6) == 0 ? NO : random.nextInt(10) == 0 ? NONE : YES);
      }
      Decision decision = votes.stream().allMatch(v -> v == YES) ? COMMIT : ABORT;
      for (int p = 0; p < participants; p++) {
        log.add(r("t" + t, p + 1, votes.get(p), decision));
      }
    }

    assertThat(checker.check(log).valid()).isTrue();
  }
}
