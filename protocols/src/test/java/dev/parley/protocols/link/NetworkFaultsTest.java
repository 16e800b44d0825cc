package dev.parley.protocols.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.NemesisCommand.Faults;
import dev.parley.protocols.link.NemesisCommand.Heal;
import dev.parley.protocols.link.NemesisCommand.Lossy;
import dev.parley.protocols.link.NemesisCommand.Partition;
import dev.parley.protocols.link.NemesisCommand.Slow;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class NetworkFaultsTest {

  private static final Set<NodeId> FIVE =
      IntStream.rangeClosed(1, 5).mapToObj(NodeId::n).collect(Collectors.toSet());
  private static final FaultPlan INITIAL = FaultPlan.NONE.withDuplicate(0.1);

  private final NetworkFaults whole = NetworkFaults.whole(FIVE, INITIAL);

  private static TreeSet<NodeId> ids(int... ns) {
    return IntStream.of(ns).mapToObj(NodeId::n).collect(Collectors.toCollection(TreeSet::new));
  }

  /** Checks every directed link: cut exactly when its ends are on different sides. */
  private static void assertCutExactlyAcross(NetworkFaults net, List<Set<NodeId>> sides) {
    for (NodeId from : FIVE) {
      for (NodeId to : FIVE) {
        boolean sameSide = sides.stream().anyMatch(s -> s.contains(from) && s.contains(to));
        assertThat(net.planFor(from, to).cut()).as("link %s -> %s", from, to).isEqualTo(!sameSide);
        assertThat(net.connected(from, to)).as("%s and %s connected", from, to).isEqualTo(sameSide);
      }
    }
  }

  @Test
  void aWholeNetworkCutsNothing() {
    assertCutExactlyAcross(whole, List.of(FIVE));
    assertThat(whole.planFor(NodeId.n(1), NodeId.n(2))).isEqualTo(INITIAL);
  }

  @Test
  void aPartitionCutsExactlyTheLinksAcrossSidesBothWays() {
    NetworkFaults net = whole.apply(Partition.parse("n1,n2/n3,n4,n5"));
    assertCutExactlyAcross(net, List.of(ids(1, 2), ids(3, 4, 5)));
    assertThat(net.planFor(NodeId.n(1), NodeId.n(2))).as("links within a side keep the plan").isEqualTo(INITIAL);
    assertThat(net.planFor(NodeId.n(1), NodeId.n(3))).isEqualTo(INITIAL.withCut(true));
  }

  @Test
  void membersNamedInNoSideFormASideOfTheirOwn() {
    NetworkFaults net = whole.apply(Partition.parse("n1/n3"));
    assertCutExactlyAcross(net, List.of(ids(1), ids(3), ids(2, 4, 5)));
    assertThat(net.sides()).containsExactly(ids(1), ids(2, 4, 5), ids(3));
  }

  @Test
  void anUnknownNodeIsRejectedNamingIt() {
    assertThatThrownBy(() -> whole.apply(Partition.parse("n1/n9")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown node n9")
        .hasMessageContaining("members are");
  }

  @Test
  void aNodeOnTwoSidesIsRejectedNamingIt() {
    assertThatThrownBy(() -> whole.apply(Partition.parse("n1,n2/n2,n3")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("node n2 is on two sides");
  }

  @Test
  void aNewPartitionReplacesTheOldOne() {
    NetworkFaults net = whole.apply(Partition.parse("n1,n2/n3")).apply(Partition.parse("n1,n3/n2"));
    assertCutExactlyAcross(net, List.of(ids(1, 3), ids(2), ids(4, 5)));
  }

  @Test
  void healRestoresTheInitialPlanEverywhere() {
    NetworkFaults net =
        whole
            .apply(new Lossy(0.5))
            .apply(new Slow(Delay.fixed(Duration.ofMillis(100))))
            .apply(Partition.parse("n1/n2,n3"))
            .apply(new Heal());
    assertCutExactlyAcross(net, List.of(FIVE));
    for (NodeId from : FIVE) {
      for (NodeId to : FIVE) {
        assertThat(net.planFor(from, to)).isEqualTo(INITIAL);
      }
    }
  }

  @Test
  void lossyKeepsThePartitionAndMakesEveryLinkLossy() {
    NetworkFaults net = whole.apply(Partition.parse("n1,n2/n3")).apply(new Lossy(0.4));
    assertCutExactlyAcross(net, List.of(ids(1, 2), ids(3), ids(4, 5)));
    assertThat(net.planFor(NodeId.n(1), NodeId.n(2)).drop()).isEqualTo(0.4);
    assertThat(net.planFor(NodeId.n(1), NodeId.n(2)).duplicate()).as("the rest of the plan stays").isEqualTo(0.1);
  }

  @Test
  void slowKeepsThePartitionAndDelaysEveryLink() {
    Delay slow = Delay.fixed(Duration.ofMillis(250));
    NetworkFaults net = whole.apply(Partition.parse("n1,n2/n3")).apply(new Slow(slow));
    assertCutExactlyAcross(net, List.of(ids(1, 2), ids(3), ids(4, 5)));
    assertThat(net.planFor(NodeId.n(4), NodeId.n(5)).delay()).isEqualTo(slow);
  }

  @Test
  void faultsReplaceThePlanAndKeepThePartition() {
    FaultPlan plan = FaultPlan.NONE.withReorder(0.2);
    NetworkFaults net = whole.apply(Partition.parse("n5/n4")).apply(new Faults(plan));
    assertCutExactlyAcross(net, List.of(ids(5), ids(4), ids(1, 2, 3)));
    assertThat(net.planFor(NodeId.n(1), NodeId.n(2))).isEqualTo(plan);
  }

  @Test
  void aPartitionKeepsEarlierLossiness() {
    NetworkFaults net = whole.apply(new Lossy(0.3)).apply(Partition.parse("n1/n2"));
    assertThat(net.planFor(NodeId.n(3), NodeId.n(4)).drop()).isEqualTo(0.3);
  }
}
