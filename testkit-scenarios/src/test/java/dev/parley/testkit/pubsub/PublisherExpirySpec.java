package dev.parley.testkit.pubsub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.pubsub.PublisherExpiry;
import dev.parley.protocols.pubsub.TopicBroker;
import dev.parley.protocols.pubsub.TopicBroker.Publish;
import dev.parley.protocols.pubsub.TopicBroker.PublishAck;
import dev.parley.protocols.pubsub.TopicBroker.SeqReused;
import dev.parley.testkit.ParleyTestKit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The broker's publisher table stays bounded ({@link PublisherExpiry}): thousands of publishers come
 * and go, the table keeps only those active lately, a publisher that keeps publishing is never
 * refused, an expired publisher's retry is refused (never published twice), also after a restart
 * from the journal, and one that goes on with its next number is taken.
 */
class PublisherExpirySpec {

  @RegisterExtension static final ParleyTestKit parley = new ParleyTestKit();

  static final Duration PATIENCE = Duration.ofSeconds(30);
  /** Forgotten after 500 messages of others; a million buckets, so new publishers are not mistaken for expired ones. */
  static final PublisherExpiry EXPIRY = new PublisherExpiry(500, 1 << 20);

  private static ActorRef<TopicBroker.Command> broker(String name, PublisherExpiry expiry) {
    return parley.actorTestKit().spawn(TopicBroker.create(name, Peers.alone(NodeId.of("broker")),
        TopicBroker.Settings.DEFAULT.withPublisherExpiry(expiry)));
  }

  private static Publish publish(String publisher, long seq, TestProbe<TopicBroker.Reply> replyTo) {
    return new Publish(publisher, seq, "t", null, publisher + "-" + seq, replyTo.getRef());
  }

  private static TopicBroker.Reply ask(ActorRef<TopicBroker.Command> broker, Publish p,
      TestProbe<TopicBroker.Reply> replies) {
    broker.tell(p);
    return replies.receiveMessage(PATIENCE);
  }

  private static TopicBroker.Status status(ActorRef<TopicBroker.Command> broker) {
    TestProbe<TopicBroker.Status> probe = parley.actorTestKit().createTestProbe();
    broker.tell(new TopicBroker.GetStatus(probe.getRef()));
    return probe.receiveMessage(PATIENCE);
  }

  @Test
  void thousandsOfPublishersComeAndGoTheTableStaysBoundedAndAnExpiredPublishersRetryIsRefused() {
    ActorRef<TopicBroker.Command> broker = broker("expiry", EXPIRY);
    TestProbe<TopicBroker.Reply> replies = parley.actorTestKit().createTestProbe();
    int publishers = 3_000;
    long live = 0;
    int largestTable = 0;
    for (int round = 0; round < publishers / 100; round++) {
      List<Publish> sent = new ArrayList<>();
      for (int i = round * 100; i < round * 100 + 100; i++) {
        sent.add(publish("p" + i, 1, replies));
        sent.add(publish("p" + i, 2, replies));
      }
      sent.add(publish("live", ++live, replies)); // one in every 201 messages: never silent for 500
      sent.forEach(broker::tell);
      List<TopicBroker.Reply> got = replies.receiveSeveralMessages(sent.size(), PATIENCE);
      assertThat(got).as("every publish of round %d taken once, the live publisher's too", round)
          .allSatisfy(r -> assertThat(r).isInstanceOfSatisfying(PublishAck.class,
              a -> assertThat(a.duplicate()).isFalse()));
      largestTable = Math.max(largestTable, status(broker).publishers().size());
    }
    TopicBroker.Status after = status(broker);
    assertThat(after.accepted()).isEqualTo(2L * publishers + live);
    assertThat(largestTable).as("at most the publishers of the last 1.5 x 500 messages, and the live one")
        .isLessThanOrEqualTo(750 / 2 + 2);
    assertThat(after.publishers()).containsKey("live").doesNotContainKey("p0");

    assertThat(ask(broker, publish("p0", 2, replies), replies)).as("an expired publisher's retry")
        .isInstanceOfSatisfying(SeqReused.class, r -> assertThat(r.reason()).contains("not known to this broker")
            .contains("not above 2").contains("was not published now"));
    assertThat(ask(broker, publish("p0", 3, replies), replies)).as("the expired publisher going on")
        .isInstanceOfSatisfying(PublishAck.class, a -> assertThat(a.duplicate()).isFalse());
    assertThat(ask(broker, publish("fresh", 1, replies), replies)).as("a new publisher")
        .isInstanceOfSatisfying(PublishAck.class, a -> assertThat(a.duplicate()).isFalse());
    assertThat(ask(broker, publish("live", live + 1, replies), replies)).isInstanceOf(PublishAck.class);
    assertThat(status(broker).accepted()).isEqualTo(2L * publishers + live + 3);

    java.util.Map<String, Long> table = status(broker).publishers();
    parley.actorTestKit().stop(broker);
    ActorRef<TopicBroker.Command> recovered = broker("expiry", EXPIRY);
    assertThat(status(recovered).publishers()).as("the table, recovered from the journal").isEqualTo(table);
    assertThat(ask(recovered, publish("p1", 1, replies), replies)).as("a retry after a restart from the journal")
        .isInstanceOf(SeqReused.class);
    assertThat(status(recovered).accepted()).isEqualTo(2L * publishers + live + 3);
  }

  @Test
  void withOneBucketANewPublisherIsToldWhereToStartAndTakenThere() {
    ActorRef<TopicBroker.Command> broker = broker("one-bucket", new PublisherExpiry(3, 1));
    TestProbe<TopicBroker.Reply> replies = parley.actorTestKit().createTestProbe();
    for (int seq = 1; seq <= 5; seq++) {
      assertThat(ask(broker, publish("old", seq, replies), replies)).isInstanceOf(PublishAck.class);
    }
    for (int seq = 1; seq <= 4; seq++) { // "old" is silent for these: it expires
      assertThat(ask(broker, publish("other", seq, replies), replies)).isInstanceOf(PublishAck.class);
    }
    assertThat(status(broker).publishers()).doesNotContainKey("old");
    assertThat(ask(broker, publish("new", 1, replies), replies)).as("every name shares the one bucket")
        .isInstanceOfSatisfying(SeqReused.class, r -> assertThat(r.reason()).contains("not above 5")
            .contains("numbers its next message above 5"));
    assertThat(ask(broker, publish("new", 6, replies), replies)).isInstanceOf(PublishAck.class);
    assertThat(ask(broker, publish("old", 5, replies), replies)).as("the expired one's retry")
        .isInstanceOf(SeqReused.class);
  }

  @Test
  void impossibleExpirySettingsAreRefusedSayingWhatTheyMean() {
    assertThatThrownBy(() -> new PublisherExpiry(0, 16)).hasMessageContaining("at least 1, got 0")
        .hasMessageContaining("before the broker forgets it");
    assertThatThrownBy(() -> new PublisherExpiry(10, 0)).hasMessageContaining("from 1 to 1048576, got 0");
  }
}
