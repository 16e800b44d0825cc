package dev.parley.testkit.pubsub;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.pubsub.TopicBroker;
import dev.parley.protocols.pubsub.TopicBroker.Filter;
import dev.parley.testkit.ParleyTestKit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The topic broker as a real actor under a burst: thousands of publishes and acknowledgements
 * arrive while its writes are under way (Akka Persistence holds them back and replays them one
 * inside the other once a write completes). The broker survives it, acknowledges every publish
 * once, and its durable subscriber gets every message once and in order.
 */
class PubSubBurstSpec {

  @RegisterExtension static final ParleyTestKit parley = new ParleyTestKit();

  /**
   * Publishes sent at once: well past the run of about a thousand that overflowed the stack before
   * the broker bounded its runs of commands without a write, within the 4,096 Akka Persistence holds
   * back during a write (beyond, it drops them, and publishers retry: {@link
   * dev.parley.protocols.pubsub.PubSubClient} does).
   */
  private static final int BURST = 4_000;

  @Test
  void aBrokerTakesABurstOfPublishesWhileItWritesAndLosesNoneAndRepeatsNone() {
    ActorRef<TopicBroker.Command> broker = parley.actorTestKit().spawn(TopicBroker.create("burst",
        Peers.alone(NodeId.of("broker")), TopicBroker.Settings.DEFAULT));
    TestProbe<TopicBroker.Reply> subscriber = parley.actorTestKit().createTestProbe();
    TestProbe<TopicBroker.Reply> publisher = parley.actorTestKit().createTestProbe();
    broker.tell(new TopicBroker.Subscribe("s", "t", Filter.ALL, true, true, subscriber.getRef()));
    subscriber.expectMessageClass(TopicBroker.Subscribed.class, Duration.ofSeconds(30));

    for (int i = 1; i <= BURST; i++) {
      broker.tell(new TopicBroker.Publish("p", i, "t", null, "m" + i, publisher.getRef()));
    }
    List<String> got = new ArrayList<>();
    while (got.size() < BURST) {
      TopicBroker.Pushed pushed =
          subscriber.expectMessageClass(TopicBroker.Pushed.class, Duration.ofSeconds(60));
      for (TopicBroker.Deliver d : pushed.messages()) {
        if (d.n() == got.size() + 1) {
          got.add(d.message().payload());
        }
      }
      broker.tell(new TopicBroker.Ack("s", got.size()));
    }
    assertThat(got).isEqualTo(java.util.stream.IntStream.rangeClosed(1, BURST).mapToObj(i -> "m" + i).toList());
    long acked = publisher.receiveSeveralMessages(BURST, Duration.ofSeconds(60)).stream()
        .filter(r -> r instanceof TopicBroker.PublishAck a && !a.duplicate()).count();
    assertThat(acked).isEqualTo(BURST);
  }
}
