package dev.parley.testkit.pubsub;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.SerializationTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import akka.serialization.jackson.JacksonObjectMapperProvider;
import dev.parley.protocols.pubsub.PubSubClient;
import dev.parley.protocols.pubsub.PublisherExpiry;
import dev.parley.protocols.pubsub.BrokerState;
import dev.parley.protocols.pubsub.TopicBroker;
import dev.parley.protocols.pubsub.TopicBroker.Filter;
import dev.parley.protocols.pubsub.TopicBroker.Message;
import dev.parley.testkit.ParleyTestKit;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every topic broker message, journal event and state (the snapshot) round-trips through the
 * cluster's serializer, with the reply addresses they carry, so publishers and subscribers on other
 * JVMs reach the broker and a broker recovers from a real journal.
 */
class PubSubWireFormatSpec {

  @RegisterExtension static final ParleyTestKit parley = new ParleyTestKit();

  @Test
  void messagesEventsAndStateRoundTrip() {
    SerializationTestKit serialization = new SerializationTestKit(parley.actorTestKit().system());
    TestProbe<TopicBroker.Reply> replies = parley.actorTestKit().createTestProbe();
    TestProbe<TopicBroker.Status> status = parley.actorTestKit().createTestProbe();
    Message m = new Message(7, "p1", 3, "orders", "a1", "{\"qty\":2}");
    Message noKey = new Message(8, "p2", 1, "orders", null, "text");
    Filter filter = new Filter("a1", "a", "qty");
    BrokerState.Subscription sub = new BrokerState.Subscription("s1", "orders", filter, true, true, replies.getRef(),
        true, 4, 2, List.of(new BrokerState.Entry(3, 7), new BrokerState.Entry(4, 8)));
    List<Object> all = List.of(
        new TopicBroker.Publish("p1", 3, "orders", "a1", "{\"qty\":2}", replies.getRef()),
        new TopicBroker.Publish("p2", 0, "orders", null, "text", null),
        new TopicBroker.Subscribe("s1", "orders", filter, true, true, replies.getRef()),
        new TopicBroker.Subscribe("s2", "orders", Filter.ALL, false, false, null),
        new TopicBroker.Leave("s1", replies.getRef()),
        new TopicBroker.Unsubscribe("s1", null),
        new TopicBroker.Ack("s1", 4),
        new TopicBroker.Pull("s2", 3, 10, Duration.ofMillis(1500), replies.getRef()),
        new TopicBroker.Tick(TopicBroker.TimerKey.REDELIVER),
        new TopicBroker.PullExpired("s2", 5),
        new TopicBroker.GetStatus(status.getRef()),
        new TopicBroker.PublishAck("p1", 3, 7, false),
        new TopicBroker.OutOfOrder("p1", 9, 4),
        new TopicBroker.Subscribed("s1", "orders", true, 2),
        new TopicBroker.Deliver("s1", 3, m),
        new TopicBroker.Pulled("s2", List.of(new TopicBroker.Deliver("s2", 1, noKey))),
        new TopicBroker.Pulled("s2", List.of()),
        new TopicBroker.Pushed("s1", List.of(new TopicBroker.Deliver("s1", 3, m), new TopicBroker.Deliver("s1", 4, noKey))),
        new TopicBroker.SubscribeLive("s3", "orders", filter, replies.getRef()),
        new TopicBroker.SubscribeLive("s4", "orders", Filter.ALL, null),
        new TopicBroker.FlushLive(),
        new TopicBroker.PublishLive("p1/live", 4, "orders", null, "tick"),
        new TopicBroker.LiveMessages("s3", List.of(m, noKey)),
        new TopicBroker.Left("s1", true),
        new TopicBroker.Unsubscribed("s1", false),
        new TopicBroker.NotSubscribed("s9"),
        new TopicBroker.Status(8, 2, List.of(new TopicBroker.SubscriptionStatus("s1", "orders", filter, true, true,
            true, 2, 2)), Map.of("p1", 3L)),
        new TopicBroker.SubscriptionOpened("s1", "orders", filter, true, true, replies.getRef()),
        new TopicBroker.SubscriptionOpened("s2", "orders", Filter.ALL, false, false, null),
        new TopicBroker.SubscriptionLeft("s1"),
        new TopicBroker.SubscriptionClosed("s1"),
        new TopicBroker.MessagesAccepted(List.of(m, noKey)),
        new TopicBroker.MessagesAcked("s1", 4),
        new BrokerState(8, List.of(new BrokerState.PublisherSeq("p1", 3, List.of("aaa", "bbb"))), List.of(sub),
            List.of(m, noKey)),
        new BrokerState(9, Map.of("p1", new BrokerState.PublisherSeq("p1", 3, List.of("aaa"), 7)), Map.of("s1", sub),
            Map.of(7L, m), Map.of(4, 3L, 9, 2L), 16),
        new TopicBroker.PublishBatch(List.of(new TopicBroker.Publish("p1", 3, "orders", "a1", "x", replies.getRef())),
            List.of(new TopicBroker.Ack("s1", 4)), null),
        new TopicBroker.BatchWritten(1),
        new TopicBroker.PublishLiveBatch(List.of(new TopicBroker.PublishLive("p1/live", 4, "orders", null, "tick"))),
        new TopicBroker.AckBatch(List.of(new TopicBroker.Ack("s1", 4), new TopicBroker.Ack("s2", 1))),
        new PublisherExpiry(500, 1024),
        new TopicBroker.SeqReused("p1", 2, "publisher p1's seq 2 was published with another payload", 7),
        new PubSubClient.PublishTo("orders", "a1", "x"),
        new PubSubClient.SubscribeTo("orders", filter, true, false),
        new PubSubClient.ListenTo("orders", filter),
        new PubSubClient.PublishLiveTo("orders", "a1", "tick"),
        new PubSubClient.LeaveTopic(),
        new PubSubClient.UnsubscribeTopic(),
        new PubSubClient.Received("s1", 3, m),
        new PubSubClient.Published("p1", 3),
        new PubSubClient.PublishRefused("p1", 2, new PubSubClient.PublishTo("orders", "a1", "x"), "not above 5"));
    for (Object o : all) {
      assertThat(serialization.verifySerialization(o, true)).as(o.toString()).isEqualTo(o);
    }
  }

  /**
   * A snapshot from before publishers expired (no counters, no last offset per publisher) reads as a
   * state with no publisher expired, each publisher's last offset unknown (it counts as active from
   * the next sweep): old journals keep recovering.
   */
  @Test
  void aSnapshotFromBeforePublishersExpiredStillReads() throws Exception {
    ObjectMapper cbor = JacksonObjectMapperProvider.get(parley.actorTestKit().system())
        .getOrCreate("jackson-cbor", java.util.Optional.empty());
    BrokerState now = new BrokerState(8, List.of(new BrokerState.PublisherSeq("p1", 3, List.of("aaa", "bbb"))),
        List.of(), List.of());
    ObjectNode old = cbor.valueToTree(now);
    old.remove("expiredFloors");
    old.remove("floorBuckets");
    ((ObjectNode) old.get("publishersById").get("p1")).remove("lastOffset");
    BrokerState read = cbor.treeToValue(old, BrokerState.class);
    assertThat(read).isEqualTo(now);
    assertThat(read.expiredFloors()).isEmpty();
    assertThat(read.publishersById().get("p1").lastOffset()).isZero();
  }
}
