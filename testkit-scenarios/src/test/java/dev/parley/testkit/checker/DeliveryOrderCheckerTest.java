package dev.parley.testkit.checker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.multicast.MessageId;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DeliveryOrderCheckerTest {

  static final NodeId N1 = NodeId.n(1);
  static final NodeId N2 = NodeId.n(2);
  static final NodeId N3 = NodeId.n(3);

  static MessageId m(int node, long seq) {
    return new MessageId(NodeId.n(node), seq);
  }

  static Map<NodeId, List<MessageId>> logs(List<MessageId> n1, List<MessageId> n2, List<MessageId> n3) {
    Map<NodeId, List<MessageId>> out = new LinkedHashMap<>();
    out.put(N1, n1);
    out.put(N2, n2);
    out.put(N3, n3);
    return out;
  }

  static List<MessageId> l(MessageId... ids) {
    return Arrays.asList(ids);
  }

  // n1 sends a; n2 delivers a, then sends b (b causally after a); n3 gets both.
  static final MessageId A = m(1, 1);
  static final MessageId B = m(2, 1);

  @Test
  void causalAcceptsDeliveryOfCausesFirst() {
    Verdict v = DeliveryOrderChecker.causal(logs(l(A, B), l(A, B), l(A, B)));
    assertThat(v.valid()).isTrue();
  }

  @Test
  void causalAcceptsConcurrentMessagesInAnyOrder() {
    // n1 sends a, n2 sends b before delivering a: concurrent; n3 may deliver b first
    Verdict v = DeliveryOrderChecker.causal(logs(l(A, B), l(B, A), l(B, A)));
    assertThat(v.valid()).isTrue();
  }

  @Test
  void causalRejectsAReplyDeliveredBeforeWhatItAnswers() {
    Verdict v = DeliveryOrderChecker.causal(logs(l(A, B), l(A, B), l(B, A)));
    assertThat(v.outcome()).isEqualTo(Verdict.Outcome.INVALID);
    assertThat(v.summary()).isEqualTo("at n3, n2#1 was delivered before n1#1, which happened before it");
    assertThat(v.counterexample().get(0)).contains("n2 multicast n2#1 after delivering n1#1");
  }

  @Test
  void causalFollowsChainsOfDeliveries() {
    // a at n1 -> n2 delivers a, sends b -> n3 delivers b, sends c; n1 delivers c before b: violation
    MessageId c = m(3, 1);
    Verdict v = DeliveryOrderChecker.causal(logs(l(A, c, B), l(A, B, c), l(A, B, c)));
    assertThat(v.outcome()).isEqualTo(Verdict.Outcome.INVALID);
    assertThat(v.summary()).contains("at n1, n3#1 was delivered before n2#1");
  }

  @Test
  void causalReportsTheEarliestViolationAtAThirdParty() {
    // n3 delivers b before a, then multicasts c: the first wrong step is reported
    MessageId c = m(3, 1);
    Verdict v = DeliveryOrderChecker.causal(logs(l(A, B, c), l(A, B, c), l(B, A, c)));
    assertThat(v.outcome()).isEqualTo(Verdict.Outcome.INVALID);
    assertThat(v.summary()).contains("at n3, n2#1 was delivered before n1#1");
  }

  @Test
  void causalIsUnknownWithoutSelfDelivery() {
    Verdict v = DeliveryOrderChecker.causal(logs(l(), l(A), l(A)));
    assertThat(v.outcome()).isEqualTo(Verdict.Outcome.UNKNOWN);
    assertThat(v.summary()).contains("deliver its own message");
  }

  @Test
  void fifoRejectsASendersMessagesOutOfOrder() {
    Verdict v = DeliveryOrderChecker.fifo(logs(l(m(1, 1), m(1, 2)), l(m(1, 2), m(1, 1)), l()));
    assertThat(v.outcome()).isEqualTo(Verdict.Outcome.INVALID);
    assertThat(v.counterexample().get(0)).contains("n1#2 came before n1#1");
    assertThat(DeliveryOrderChecker.fifo(logs(l(m(1, 1), m(1, 2)), l(m(1, 1), B, m(1, 2)), l())).valid())
        .isTrue();
  }

  @Test
  void totalRejectsTwoMembersDisagreeingOnOrder() {
    Verdict v = DeliveryOrderChecker.total(logs(l(A, B), l(A, B), l(B, A)));
    assertThat(v.outcome()).isEqualTo(Verdict.Outcome.INVALID);
    assertThat(v.counterexample()).containsExactly("n1 delivered n1#1 before n2#1", "n3 delivered n2#1 before n1#1");
    assertThat(DeliveryOrderChecker.total(logs(l(B, A), l(B, A), l(B, A))).valid()).isTrue();
  }

  @Test
  void exactlyOnceReportsMissingDuplicatedAndInventedMessages() {
    MessageId ghost = m(9, 1);
    Verdict v = DeliveryOrderChecker.exactlyOnce(logs(l(A, B), l(A, A, B), l(A, ghost)), Set.of(A, B));
    assertThat(v.outcome()).isEqualTo(Verdict.Outcome.INVALID);
    assertThat(v.counterexample())
        .containsExactly(
            "n2 delivered more than once [n1#1 x2]",
            "n3 never delivered [n2#1]",
            "n3 delivered messages nobody sent [n9#1]");
    assertThat(DeliveryOrderChecker.exactlyOnce(logs(l(A, B), l(B, A), l(A, B)), Set.of(A, B)).valid())
        .isTrue();
  }
}
