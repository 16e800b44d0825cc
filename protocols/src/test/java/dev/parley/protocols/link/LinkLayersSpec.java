package dev.parley.protocols.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import com.typesafe.config.ConfigFactory;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Spawner;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The link layers over links that fail on purpose, each across several seeds. */
class LinkLayersSpec {

  static final ActorTestKit testKit = ActorTestKit.create();
  static final NodeId A = NodeId.of("a");
  static final NodeId B = NodeId.of("b");
  static final HmacKey KEY = HmacKey.fromBase64("c2VjcmV0LWtleS1vZi1hdC1sZWFzdC0xNg==");

  /** Loses 30%, duplicates 10%, reorders 30%: a fair-loss link at its worst. */
  static final FaultPlan HOSTILE =
      FaultPlan.NONE
          .withDrop(0.3)
          .withDuplicate(0.1)
          .withReorder(0.3, Duration.ofMillis(10))
          .withDelay(Delay.uniform(Duration.ZERO, Duration.ofMillis(2)));

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  /** Every spec builds its own links: suffix names so they never collide in the shared kit. */
  static final Spawner unique =
      new Spawner() {
        final AtomicInteger next = new AtomicInteger();

        @Override
        public <T> ActorRef<T> spawn(Behavior<T> behavior, String name) {
          return testKit.spawn(behavior, name + "-" + next.incrementAndGet());
        }
      };

  private ActorRef<Object> connect(LinkStack stack, FaultPlan plan, TestProbe<Object> far, long seed) {
    Network network = new Network(Set.of(A, B), plan);
    return stack.connect(unique, network, A, B, far.getRef(), seed);
  }

  private static List<Object> range(int n) {
    return IntStream.range(0, n).boxed().map(i -> (Object) i).toList();
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 4, 5})
  void reliableLinkDeliversEverythingExactlyOnceOverThirtyPercentLoss(long seed) {
    TestProbe<Object> far = testKit.createTestProbe();
    ActorRef<Object> link = connect(LinkStack.faulty().reliable(), HOSTILE, far, seed);
    IntStream.range(0, 300).forEach(link::tell);
    List<Object> got = far.receiveSeveralMessages(300, Duration.ofSeconds(20));
    assertThat(got).containsExactlyInAnyOrderElementsOf(range(300));
    far.expectNoMessage(Duration.ofMillis(300));
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3})
  void fifoLinkKeepsOrderOverReorderingAndDuplication(long seed) {
    TestProbe<Object> far = testKit.createTestProbe();
    FaultPlan plan = FaultPlan.NONE.withDuplicate(0.3).withReorder(0.5, Duration.ofMillis(10));
    ActorRef<Object> link = connect(LinkStack.faulty().fifo(), plan, far, seed);
    IntStream.range(0, 300).forEach(link::tell);
    assertThat(far.receiveSeveralMessages(300, Duration.ofSeconds(10))).isEqualTo(range(300));
    far.expectNoMessage(Duration.ofMillis(100));
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3})
  void reliableFifoLinkIsExactlyOnceInOrderOverLoss(long seed) {
    TestProbe<Object> far = testKit.createTestProbe();
    ActorRef<Object> link = connect(LinkStack.faulty().reliable().fifo(), HOSTILE, far, seed);
    IntStream.range(0, 300).forEach(link::tell);
    assertThat(far.receiveSeveralMessages(300, Duration.ofSeconds(20))).isEqualTo(range(300));
    far.expectNoMessage(Duration.ofMillis(300));
  }

  @Test
  void withoutTheLayersTheSamePlanLosesMessages() {
    TestProbe<Object> far = testKit.createTestProbe();
    Network network = new Network(Set.of(A, B), HOSTILE);
    ActorRef<Object> link = LinkStack.faulty().connect(unique, network, A, B, far.getRef(), 9);
    IntStream.range(0, 300).forEach(link::tell);
    TestProbe<LinkControl.LinkStats> stats = testKit.createTestProbe();
    LinkControl.LinkStats s =
        stats.awaitAssert(
            Duration.ofSeconds(5),
            () -> {
              network.links(A, B).get(0).tell(new LinkControl.GetStats(stats.getRef()));
              LinkControl.LinkStats now = stats.receiveMessage();
              assertThat(now.sent()).isEqualTo(300);
              return now;
            });
    assertThat(s.dropped()).isGreaterThan(50);
    assertThat(s.duplicated()).isGreaterThan(5);
  }

  @Test
  void authenticatedLinkDeliversHonestFramesAndRejectsForgedAlteredAndReplayed() {
    TestProbe<Object> far = testKit.createTestProbe();
    TestProbe<Object> wire = testKit.createTestProbe(); // the network, in the attacker's hands
    ActorRef<Object> receiver = testKit.spawn(AuthenticatedLink.receiver(A, B, KEY, far.getRef()));
    ActorRef<Object> sender = testKit.spawn(AuthenticatedLink.sender(A, B, KEY, wire.getRef()));

    sender.tell(new Note("first"));
    sender.tell(new Note("second"));
    AuthenticatedLink.Signed first = (AuthenticatedLink.Signed) wire.receiveMessage();
    AuthenticatedLink.Signed second = (AuthenticatedLink.Signed) wire.receiveMessage();

    receiver.tell(first);
    receiver.tell(second.corrupted(new java.util.Random(1))); // altered in transit
    receiver.tell(second);
    receiver.tell(second); // replayed
    receiver.tell(first); // replayed later

    HmacKey attacker = HmacKey.fromBase64("YXR0YWNrZXIta2V5LW9mLWF0LWxlYXN0LTE2");
    ActorRef<Object> forger = testKit.spawn(AuthenticatedLink.sender(A, B, attacker, receiver));
    forger.tell(new Note("forged"));

    assertThat(far.receiveSeveralMessages(2)).containsExactly(new Note("first"), new Note("second"));
    far.expectNoMessage(Duration.ofMillis(200));
    TestProbe<AuthenticatedLink.Stats> stats = testKit.createTestProbe();
    receiver.tell(new AuthenticatedLink.GetStats(stats.getRef()));
    assertThat(stats.receiveMessage()).isEqualTo(new AuthenticatedLink.Stats(2, 2, 2));
  }

  @Test
  void authenticatedLinkOverAGarblingNetworkDeliversNothing() {
    TestProbe<Object> far = testKit.createTestProbe();
    Network network = new Network(Set.of(A, B), FaultPlan.NONE.withCorrupt(1.0));
    ActorRef<Object> link =
        LinkStack.faulty().authenticated(KEY).connect(unique, network, A, B, far.getRef(), 1);
    IntStream.range(0, 20).forEach(i -> link.tell(new Note("n" + i)));
    far.expectNoMessage(Duration.ofMillis(300));
  }

  @Test
  void authenticatedLinkStackNeedsAKey() {
    assertThatThrownBy(() -> LinkStack.faulty().authenticated(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("needs a key");
    assertThatThrownBy(() -> HmacKey.fromConfig(ConfigFactory.load()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("parley.link.hmac-key is not set");
  }

  /** A user's wire message. */
  public record Note(String text) implements dev.parley.protocols.core.WireMessage {}
}
