package dev.parley.testkit.checker;

import static dev.parley.protocols.core.NodeId.n;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ElectionCheckerTest {

  private static LeaderAnnouncement says(int node, long t, int leader, long epoch) {
    return LeaderAnnouncement.of(n(node), t, n(leader), epoch);
  }

  private static final Set<NodeId> ALL = Set.of(n(1), n(2), n(3));

  /** The leader n3 crashes at t=10; n2 takes over in epoch 2 and everyone alive follows. */
  private static final List<LeaderAnnouncement> FAILOVER = List.of(
      says(1, 1, 3, 1), says(2, 1, 3, 1), says(3, 1, 3, 1),
      says(2, 12, 2, 2), says(1, 13, 2, 2));

  @Test
  void failoverToANewLeaderInANewEpochIsValid() {
    Verdict v = ElectionChecker.create().withAgreement(Set.of(n(1), n(2)), 20).check(FAILOVER);

    assertThat(v.valid()).as(v.report()).isTrue();
    assertThat(v.summary()).contains("agree on n2 (epoch 2)");
  }

  @Test
  void twoLeadersInOneEpochAreRejected() {
    List<LeaderAnnouncement> log = List.of(says(1, 1, 1, 4), says(2, 2, 2, 4), says(3, 3, 2, 4));

    Verdict v = ElectionChecker.create().safety(log);

    assertThat(v.valid()).isFalse();
    assertThat(v.summary()).isEqualTo("1 epoch(s) with two or more leaders; first: epoch 4");
    assertThat(v.counterexample()).hasSize(4).first().isEqualTo("epoch 4 has leaders [n1, n2]:");
    System.out.println(v.report());
  }

  @Test
  void sameLeaderAnnouncedByManyNodesIsOneLeader() {
    assertThat(ElectionChecker.create().safety(FAILOVER).valid()).isTrue();
  }

  @Test
  void nodesEndingOnDifferentLeadersDisagree() {
    List<LeaderAnnouncement> log = List.of(says(1, 1, 3, 1), says(2, 1, 3, 1), says(3, 1, 3, 1), says(1, 5, 1, 2));

    Verdict v = ElectionChecker.create().withAgreement(ALL, Long.MAX_VALUE).agreement(log);

    assertThat(v.valid()).isFalse();
    assertThat(v.summary()).isEqualTo("live nodes end up naming 2 different leaders");
  }

  @Test
  void agreeingOnACrashedLeaderIsNotAgreement() {
    List<LeaderAnnouncement> log = FAILOVER.subList(0, 3);

    Verdict v = ElectionChecker.create().withAgreement(Set.of(n(1), n(2)), 20).agreement(log);

    assertThat(v.valid()).isFalse();
    assertThat(v.summary()).isEqualTo("all live nodes name n3 (epoch 1), which is not live");
  }

  @Test
  void aLiveNodeThatNeverAnnouncedIsReported() {
    Verdict v = ElectionChecker.create().withAgreement(Set.of(n(1), n(4)), 0).agreement(FAILOVER);

    assertThat(v.summary()).isEqualTo("live node(s) [n4] never announced a leader");
  }

  @Test
  void notHavingSettledByTheSettlingTimeIsReported() {
    Verdict v = ElectionChecker.create().withAgreement(Set.of(n(1), n(2)), 12).agreement(FAILOVER);

    assertThat(v.valid()).isFalse();
    assertThat(v.summary()).isEqualTo("not settled on n2 (epoch 2) by t=12");
    assertThat(v.counterexample()).hasSize(3);
    assertThat(v.counterexample().get(2)).contains("n1").contains("its belief at the settling time");
    System.out.println(v.report());
  }

  @Test
  void flappingAfterTheSettlingTimeIsReported() {
    List<LeaderAnnouncement> log = List.of(
        says(1, 1, 2, 1), says(2, 1, 2, 1), says(1, 30, 1, 2), says(1, 31, 2, 1));

    Verdict v = ElectionChecker.create().withAgreement(Set.of(n(1), n(2)), 10).agreement(log);

    assertThat(v.valid()).isFalse();
    assertThat(v.counterexample()).anySatisfy(l -> assertThat(l).contains("announced after the settling time"));
  }
}
