package dev.parley.protocols.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import akka.actor.testkit.typed.javadsl.TestInbox;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PeersTest {

  private final TestInbox<String> n1 = TestInbox.create("n1");
  private final TestInbox<String> n2 = TestInbox.create("n2");
  private final TestInbox<String> n10 = TestInbox.create("n10");

  private Peers<String> viewOf(NodeId self) {
    Map<NodeId, TestInbox<String>> all = Map.of(NodeId.n(1), n1, NodeId.n(2), n2, NodeId.n(10), n10);
    java.util.HashMap<NodeId, akka.actor.typed.ActorRef<String>> others = new java.util.HashMap<>();
    all.forEach((id, inbox) -> {
      if (!id.equals(self)) {
        others.put(id, inbox.getRef());
      }
    });
    return Peers.of(self, others);
  }

  @Test
  void othersExcludeSelfAndMembersIncludeIt() {
    Peers<String> peers = viewOf(NodeId.n(2));
    assertThat(peers.others()).containsExactly(NodeId.n(1), NodeId.n(10));
    assertThat(peers.members()).containsExactly(NodeId.n(1), NodeId.n(2), NodeId.n(10));
    assertThat(peers.size()).isEqualTo(3);
    assertThat(peers.contains(NodeId.n(2))).isTrue();
  }

  @Test
  void successorIsTheNextIdInNaturalOrderAndWrapsAround() {
    assertThat(viewOf(NodeId.n(1)).successor()).isEqualTo(NodeId.n(2));
    assertThat(viewOf(NodeId.n(2)).successor()).as("n2 < n10").isEqualTo(NodeId.n(10));
    assertThat(viewOf(NodeId.n(10)).successor()).as("the highest wraps to the lowest").isEqualTo(NodeId.n(1));
    assertThat(Peers.<String>alone(NodeId.n(4)).successor()).isEqualTo(NodeId.n(4));
  }

  @Test
  void theRefOfAnUnknownNodeIsAnErrorNamingItAndTheKnownPeers() {
    Peers<String> peers = viewOf(NodeId.n(1));
    assertThatThrownBy(() -> peers.ref(NodeId.n(7)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown peer n7")
        .hasMessageContaining("n2")
        .hasMessageContaining("n10");
    assertThatThrownBy(() -> peers.ref(NodeId.n(1)))
        .as("a node does not reach itself through its peers")
        .hasMessageContaining("unknown peer n1");
  }

  @Test
  void aViewWhoseOthersContainSelfIsRejected() {
    assertThatThrownBy(() -> Peers.of(NodeId.n(1), Map.of(NodeId.n(1), n1.getRef())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must not include n1");
  }

  @Test
  void tellOthersReachesEveryOtherMemberOnce() {
    viewOf(NodeId.n(2)).tellOthers("hello");
    assertThat(n1.getAllReceived()).containsExactly("hello");
    assertThat(n10.getAllReceived()).containsExactly("hello");
    assertThat(n2.hasMessages()).isFalse();
  }
}
