package dev.parley.protocols.link;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.link.LinkControl.GetStats;
import dev.parley.protocols.link.LinkControl.LinkStats;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A protocol's peers on a cluster: while the network never had a fault, its messages go around the
 * fault-injecting link, in order and counted; the first nemesis command puts every later message
 * through the link, so a partition still cuts; a reference the protocol takes itself pins the route.
 */
class LinkShortcutSpec {

  static final ActorTestKit testKit = ActorTestKit.create();
  static final NodeId A = NodeId.of("a");
  static final NodeId B = NodeId.of("b");

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private record Wired(Network network, ActorRef<Object> link, LinkShortcut shortcut, Peers<Object> peers) {}

  private Wired wire(TestProbe<Object> far) {
    Network network = new Network(Set.of(A, B), FaultPlan.NONE);
    ActorRef<Object> link = testKit.spawn(FaultyLink.create(A, B, far.getRef(), FaultPlan.NONE, new Random(1)));
    network.register(A, B, link.narrow());
    LinkShortcut shortcut = new LinkShortcut(A, B, link, far.getRef(), network);
    network.register(shortcut);
    return new Wired(network, link, shortcut, Peers.routed(A, Map.of(B, link), Map.of(B, shortcut)));
  }

  private long linkSent(ActorRef<Object> link) {
    TestProbe<LinkStats> probe = testKit.createTestProbe();
    link.tell(new GetStats(probe.getRef()));
    return probe.receiveMessage().sent();
  }

  @Test
  void withoutFaultsMessagesArriveInOrderAroundTheLinkAndAreCounted() {
    TestProbe<Object> far = testKit.createTestProbe();
    Wired w = wire(far);
    IntStream.range(0, 50).forEach(i -> w.peers().tell(B, i));
    w.peers().tellOthers(50);
    assertThat(far.receiveSeveralMessages(51)).containsExactlyElementsOf(IntStream.rangeClosed(0, 50).boxed().toList());
    assertThat(w.network().faultless()).isTrue();
    assertThat(w.network().bypassed(A, B)).isEqualTo(51);
    assertThat(linkSent(w.link())).isZero();
  }

  @Test
  void aPartitionFromTheNemesisCutsWhatWentAroundTheLinkBefore() {
    TestProbe<Object> far = testKit.createTestProbe();
    Wired w = wire(far);
    w.peers().tell(B, "before");
    far.expectMessage("before");
    w.network().apply(new NemesisCommand.Partition(List.of(Set.of(A), Set.of(B))));
    w.peers().tell(B, "cut off");
    far.expectNoMessage(Duration.ofMillis(200));
    w.network().apply(new NemesisCommand.Heal());
    w.peers().tell(B, "healed");
    far.expectMessage("healed");
    assertThat(w.network().faultless()).isFalse();
    assertThat(w.network().bypassed(A, B)).isEqualTo(1);
    assertThat(linkSent(w.link())).isEqualTo(2);
  }

  @Test
  void aReferenceTheProtocolTakesPinsItsRouteToTheLink() {
    TestProbe<Object> far = testKit.createTestProbe();
    Wired w = wire(far);
    w.peers().tell(B, 1);
    ActorRef<Object> ref = w.peers().ref(B);
    ref.tell(2);
    w.peers().tell(B, 3);
    assertThat(far.receiveSeveralMessages(3)).containsExactly(1, 2, 3);
    assertThat(w.network().bypassed(A, B)).isEqualTo(1);
    assertThat(linkSent(w.link())).isEqualTo(2);
  }

  @Test
  void aRestartedPeerIsReachedAtItsNewReference() {
    TestProbe<Object> old = testKit.createTestProbe();
    TestProbe<Object> restarted = testKit.createTestProbe();
    Wired w = wire(old);
    w.shortcut().retarget(restarted.getRef());
    w.peers().tell(B, "hello again");
    restarted.expectMessage("hello again");
    old.expectNoMessage(Duration.ofMillis(100));
  }
}
