package dev.parley.protocols.clock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.clock.RandomExecution.Kind;
import dev.parley.protocols.clock.RandomExecution.Step;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The brute-force happened-before oracle the clock properties are checked against. */
class RandomExecutionTest {

  // n1 sends m0 to n2; n2 receives it and sends m1 to n3; n3 receives it. n1 then has a local event.
  private final RandomExecution relay =
      RandomExecution.of(
          3,
          List.of(
              new Step(0, 1, 0), // e0 n1 send m0 to n2
              new Step(1, 2, 0), // e1 n2 receive m0
              new Step(1, 1, 0), // e2 n2 send m1 to n3
              new Step(0, 0, 0), // e3 n1 local
              new Step(2, 2, 0))); // e4 n3 receive m1

  @Test
  void stepsBecomeTheEventsTheyDescribe() {
    assertThat(relay.events())
        .extracting(RandomExecution.Event::kind)
        .containsExactly(Kind.SEND, Kind.RECEIVE, Kind.SEND, Kind.LOCAL, Kind.RECEIVE);
    assertThat(relay.events().get(4).peer()).as("n3 receives m1 from n2").isEqualTo(1);
  }

  @Test
  void happenedBeforeFollowsMessageChainsTransitively() {
    assertThat(relay.happenedBefore(0, 4)).as("e0 -> e1 -> e2 -> e4").isTrue();
    assertThat(relay.happenedBefore(0, 3)).as("program order at n1").isTrue();
    assertThat(relay.happenedBefore(4, 0)).isFalse();
    assertThat(relay.happenedBefore(2, 2)).as("irreflexive").isFalse();
  }

  @Test
  void eventsWithNoChainBetweenThemAreConcurrent() {
    assertThat(relay.concurrent(3, 4)).as("n1's local event and n3's receive").isTrue();
    assertThat(relay.concurrent(3, 1)).isTrue();
    assertThat(relay.concurrent(0, 4)).isFalse();
    assertThat(relay.concurrent(2, 2)).isFalse();
  }

  @Test
  void aReceiveWithNothingInFlightIsALocalEvent() {
    RandomExecution x = RandomExecution.of(2, List.of(new Step(1, 2, 7)));
    assertThat(x.events().get(0).kind()).isEqualTo(Kind.LOCAL);
  }

  @Test
  void messagesMayBeReceivedOutOfSendOrder() {
    RandomExecution x =
        RandomExecution.of(
            2,
            List.of(
                new Step(0, 1, 0), // e0 n1 send m0 to n2
                new Step(0, 1, 0), // e1 n1 send m1 to n2
                new Step(1, 2, 1), // e2 n2 receive m1 (the second in flight)
                new Step(1, 2, 0))); // e3 n2 receive m0
    assertThat(x.events().get(2).message()).isEqualTo(1);
    assertThat(x.events().get(3).message()).isEqualTo(0);
    assertThat(x.toString()).contains("e2 n2 receive m1 from n1");
  }
}
