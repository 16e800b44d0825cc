package dev.parley.protocols.link;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.LinkControl.Connect;
import dev.parley.protocols.link.LinkControl.GetStats;
import dev.parley.protocols.link.LinkControl.LinkStats;
import dev.parley.protocols.link.LinkControl.SetPlan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class FaultyLinkSpec {

  static final ActorTestKit testKit = ActorTestKit.create();
  static final NodeId A = NodeId.of("a");
  static final NodeId B = NodeId.of("b");

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private ActorRef<Object> link(TestProbe<Object> far, FaultPlan plan, long seed) {
    return testKit.spawn(FaultyLink.create(A, B, far.getRef(), plan, new Random(seed)));
  }

  private LinkStats stats(ActorRef<Object> link) {
    TestProbe<LinkStats> probe = testKit.createTestProbe();
    link.tell(new GetStats(probe.getRef()));
    return probe.receiveMessage();
  }

  @Test
  void withoutFaultsEveryMessageArrivesOnceInOrder() {
    TestProbe<Object> far = testKit.createTestProbe();
    ActorRef<Object> link = link(far, FaultPlan.NONE, 1);
    IntStream.range(0, 100).forEach(link::tell);
    assertThat(far.receiveSeveralMessages(100)).containsExactlyElementsOf(range(100));
    far.expectNoMessage(Duration.ofMillis(50));
    assertThat(stats(link)).isEqualTo(new LinkStats(100, 100, 0, 0, 0, 0));
  }

  @Test
  void aCutLinkPassesNothingUntilHealed() {
    TestProbe<Object> far = testKit.createTestProbe();
    ActorRef<Object> link = link(far, FaultPlan.NONE, 2);
    link.tell(new SetPlan(FaultPlan.NONE.withCut(true)));
    link.tell("lost");
    far.expectNoMessage(Duration.ofMillis(100));
    link.tell(new SetPlan(FaultPlan.NONE));
    link.tell("through");
    far.expectMessage("through");
    assertThat(stats(link).dropped()).isEqualTo(1);
  }

  @Test
  void dropLosesAboutItsFractionAndNothingElse() {
    TestProbe<Object> far = testKit.createTestProbe();
    ActorRef<Object> link = link(far, FaultPlan.NONE.withDrop(0.3), 3);
    IntStream.range(0, 2000).forEach(link::tell);
    LinkStats s = awaitStats(link, 2000);
    assertThat(s.dropped()).isBetween(500L, 700L);
    List<Object> got = far.receiveSeveralMessages((int) s.delivered());
    assertThat(got).doesNotHaveDuplicates().isSubsetOf(range(2000));
    assertThat(got).isSortedAccordingTo((x, y) -> Integer.compare((Integer) x, (Integer) y));
  }

  @Test
  void duplicateDeliversTwice() {
    TestProbe<Object> far = testKit.createTestProbe();
    ActorRef<Object> link = link(far, FaultPlan.NONE.withDuplicate(1.0), 4);
    link.tell("m");
    assertThat(far.receiveSeveralMessages(2)).containsExactly("m", "m");
    assertThat(stats(link).duplicated()).isEqualTo(1);
  }

  @Test
  void delayHoldsMessagesBack() {
    TestProbe<Object> far = testKit.createTestProbe();
    ActorRef<Object> link = link(far, FaultPlan.NONE.withDelay(Delay.fixed(Duration.ofMillis(300))), 5);
    link.tell("late");
    far.expectNoMessage(Duration.ofMillis(150));
    far.expectMessage(Duration.ofSeconds(3), "late");
  }

  @Test
  void reorderLetsLaterMessagesOvertakeButLosesNone() {
    TestProbe<Object> far = testKit.createTestProbe();
    ActorRef<Object> link =
        link(far, FaultPlan.NONE.withReorder(0.5, Duration.ofMillis(30)), 6);
    IntStream.range(0, 200).forEach(link::tell);
    List<Object> got = far.receiveSeveralMessages(200, Duration.ofSeconds(5));
    assertThat(got).containsExactlyInAnyOrderElementsOf(range(200));
    assertThat(got).isNotEqualTo(range(200));
  }

  @Test
  void corruptionGarblesCorruptibleFramesAndLosesPlainMessages() {
    TestProbe<Object> far = testKit.createTestProbe();
    ActorRef<Object> link = link(far, FaultPlan.NONE.withCorrupt(1.0), 7);
    link.tell("plain");
    link.tell(new Frame("abc"));
    Object got = far.receiveMessage();
    assertThat(got).isInstanceOf(Frame.class).isNotEqualTo(new Frame("abc"));
    far.expectNoMessage(Duration.ofMillis(50));
    LinkStats s = stats(link);
    assertThat(s.dropped()).isEqualTo(1);
    assertThat(s.corrupted()).isEqualTo(1);
  }

  @Test
  void anUnconnectedLinkHoldsTrafficUntilConnected() {
    TestProbe<Object> far = testKit.createTestProbe();
    ActorRef<Object> link =
        testKit.spawn(FaultyLink.unconnected(A, B, FaultPlan.NONE, new Random(8)));
    link.tell("early");
    far.expectNoMessage(Duration.ofMillis(50));
    link.tell(new Connect(far.getRef()));
    far.expectMessage("early");
  }

  @Test
  void sameSeedSameFate() {
    List<List<Object>> runs = new ArrayList<>();
    for (int run = 0; run < 2; run++) {
      TestProbe<Object> far = testKit.createTestProbe();
      ActorRef<Object> link = link(far, FaultPlan.NONE.withDrop(0.5), 42);
      IntStream.range(0, 200).forEach(link::tell);
      LinkStats s = awaitStats(link, 200);
      runs.add(far.receiveSeveralMessages((int) s.delivered()));
    }
    assertThat(runs.get(0)).isEqualTo(runs.get(1));
  }

  private LinkStats awaitStats(ActorRef<Object> link, long sent) {
    TestProbe<Object> waiter = testKit.createTestProbe();
    return waiter.awaitAssert(
        Duration.ofSeconds(5),
        () -> {
          LinkStats s = stats(link);
          assertThat(s.sent()).isEqualTo(sent);
          return s;
        });
  }

  private static List<Object> range(int n) {
    return IntStream.range(0, n).boxed().map(i -> (Object) i).toList();
  }

  record Frame(String body) implements Corruptible {
    @Override
    public Object corrupted(Random random) {
      return new Frame(body + "~" + random.nextInt(1000));
    }
  }
}
