package dev.parley.protocols.pubsub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.pubsub.TopicBroker.Filter;
import dev.parley.protocols.pubsub.TopicBroker.Message;
import dev.parley.protocols.pubsub.TopicBroker.MessagesAccepted;
import dev.parley.protocols.pubsub.TopicBroker.MessagesAcked;
import dev.parley.protocols.pubsub.TopicBroker.SubscriptionClosed;
import dev.parley.protocols.pubsub.TopicBroker.SubscriptionOpened;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The broker keeps a message only while a subscription that wanted it has not acknowledged it, and
 * finds publishers, subscriptions and messages by their ids among many.
 */
class BrokerStateTest {

  private static BrokerState publish(BrokerState state, int from, int count, String topic) {
    List<Message> batch = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      long offset = state.accepted() + 1 + i;
      batch.add(new Message(offset, "p" + ((from + i) % 500), from + i, topic, "k" + i, "v" + (from + i)));
    }
    return state.apply(new MessagesAccepted(batch), PublisherExpiry.DEFAULT);
  }

  @Test
  void aMessageIsDroppedOnceEverySubscriptionThatWantedItAcknowledgedIt() {
    BrokerState s = BrokerState.EMPTY
        .apply(new SubscriptionOpened("a", "orders", Filter.ALL, true, false, null), PublisherExpiry.DEFAULT)
        .apply(new SubscriptionOpened("b", "orders", Filter.ALL, true, false, null), PublisherExpiry.DEFAULT);
    s = publish(s, 1, 10, "orders");
    s = publish(s, 11, 5, "nobody-listens");
    assertThat(s.messages()).as("only messages some subscription wants are kept").hasSize(10);

    s = s.apply(new MessagesAcked("a", 10), PublisherExpiry.DEFAULT);
    assertThat(s.messages()).as("b has not acknowledged them").hasSize(10);
    s = s.apply(new MessagesAcked("b", 4), PublisherExpiry.DEFAULT);
    assertThat(s.messages()).as("messages 5 to 10 wait for b").hasSize(6);
    assertThat(s.message(4)).isNull();
    assertThat(s.message(5).payload()).isEqualTo("v5");
    s = s.apply(new MessagesAcked("b", 10), PublisherExpiry.DEFAULT);
    assertThat(s.messages()).as("every subscription acknowledged everything").isEmpty();
    assertThat(s.subscription("a").queue()).isEmpty();
    assertThat(s.accepted()).isEqualTo(15);
  }

  @Test
  void closingTheLastSubscriptionThatHeldMessagesDropsThem() {
    BrokerState s = BrokerState.EMPTY.apply(new SubscriptionOpened("a", "t", Filter.ALL, true, false, null), PublisherExpiry.DEFAULT);
    s = publish(s, 1, 3, "t");
    assertThat(s.messages()).hasSize(3);
    assertThat(s.apply(new SubscriptionClosed("a"), PublisherExpiry.DEFAULT).messages()).isEmpty();
  }

  @Test
  void manySubscriptionsPublishersAndMessagesAreFoundByTheirIds() {
    BrokerState s = BrokerState.EMPTY;
    for (int i = 0; i < 2000; i++) {
      s = s.apply(new SubscriptionOpened("s" + i, i % 2 == 0 ? "even" : "odd", Filter.ALL, true, false, null), PublisherExpiry.DEFAULT);
    }
    s = publish(s, 1, 1000, "even");
    assertThat(s.subscriptions()).hasSize(2000);
    assertThat(s.subscription("s1998").queue()).hasSize(1000);
    assertThat(s.subscription("s1999").queue()).isEmpty();
    assertThat(s.publishers()).hasSize(500);
    assertThat(s.lastSeq("p7")).isEqualTo(507);
    assertThat(s.message(700).payload()).isEqualTo("v700");
    for (int i = 0; i < 2000; i += 2) {
      s = s.apply(new MessagesAcked("s" + i, 1000), PublisherExpiry.DEFAULT);
    }
    assertThat(s.messages()).isEmpty();
  }
}
