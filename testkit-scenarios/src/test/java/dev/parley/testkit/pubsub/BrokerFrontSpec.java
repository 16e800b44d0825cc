package dev.parley.testkit.pubsub;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.TestProbe;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.pubsub.BrokerFront;
import dev.parley.protocols.pubsub.PubSubClient;
import dev.parley.protocols.pubsub.TopicBroker;
import dev.parley.protocols.pubsub.TopicBroker.Filter;
import dev.parley.protocols.pubsub.TopicBroker.MessagesAccepted;
import dev.parley.protocols.pubsub.TopicBroker.Publish;
import dev.parley.protocols.pubsub.TopicBroker.PublishAck;
import dev.parley.testkit.ParleyTestKit;
import dev.parley.testkit.group.LocalGroup;
import dev.parley.testkit.sim.StorageFaults;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The topic broker behind its {@link BrokerFront}, as real actors over a journal with storage
 * faults: publishes that arrive while a write is under way are taken and go as the next write, one
 * write for all of them; nothing is acknowledged or delivered before its write completed; a crash
 * with a write under way and a batch gathered loses nothing acknowledged, and the publishers'
 * retries are taken once; with writes failing, each publisher's messages reach a durable
 * subscriber in its order, each once.
 */
class BrokerFrontSpec {

  @RegisterExtension static final ParleyTestKit parley = new ParleyTestKit();

  static final NodeId BROKER = NodeId.of("broker");
  static final Duration PATIENCE = Duration.ofSeconds(30);
  /** Every write of the broker takes 300 ms: publishes sent meanwhile arrive while it writes. */
  static final StorageFaults SLOW = StorageFaults.NONE.withWriteDelay(Delay.fixed(Duration.ofMillis(300)));
  static final PubSubClient.Settings CLIENT = new PubSubClient.Settings(Duration.ofMillis(200), 100,
      Duration.ofSeconds(1));

  private static LocalGroup<Object> broker(StorageFaults faults, String name, long seed) {
    return parley.group(List.of(BROKER)).seed(seed).storage(BROKER, faults).start((peers, env, upcalls) ->
        BrokerFront.inGroup(BROKER, name, TopicBroker.Settings.DEFAULT, CLIENT, peers, env, upcalls.narrow()));
  }

  private static TestProbe<TopicBroker.Reply> subscribe(LocalGroup<Object> group) {
    TestProbe<TopicBroker.Reply> subscriber = parley.actorTestKit().createTestProbe();
    group.tell(BROKER, new TopicBroker.Subscribe("s", "t", Filter.ALL, true, true, subscriber.getRef()));
    subscriber.expectMessageClass(TopicBroker.Subscribed.class, PATIENCE);
    return subscriber;
  }

  private static Publish publish(String publisher, long seq, TestProbe<TopicBroker.Reply> replyTo) {
    return new Publish(publisher, seq, "t", null, publisher + "-" + seq, replyTo.getRef());
  }

  /** The seqs of each publisher in the journal's accepted messages, in the journal's order. */
  private static Map<String, List<Long>> journaled(LocalGroup<Object> group) {
    Map<String, List<Long>> seqs = new TreeMap<>();
    for (Object e : group.journal(BROKER).events()) {
      if (e instanceof MessagesAccepted a) {
        a.messages().forEach(m -> seqs.computeIfAbsent(m.publisherId(), p -> new ArrayList<>()).add(m.seq()));
      }
    }
    return seqs;
  }

  /**
   * Sends {@code publishes} and sends again, in order, those not yet acknowledged, until every one
   * is (as a publisher retries); asserts that each acknowledgement comes once its message is in the
   * journal. Returns the acknowledgements, duplicates included.
   */
  private static List<PublishAck> publishUntilAcknowledged(LocalGroup<Object> group, List<Publish> publishes,
      TestProbe<TopicBroker.Reply> publisher) {
    Map<String, Publish> unacked = new LinkedHashMap<>();
    publishes.forEach(p -> unacked.put(p.publisherId() + "/" + p.seq(), p));
    List<PublishAck> acks = new ArrayList<>();
    long deadline = System.nanoTime() + PATIENCE.multipliedBy(2).toNanos();
    while (!unacked.isEmpty()) {
      assertThat(System.nanoTime()).as("every publish acknowledged within " + PATIENCE.multipliedBy(2)
          + "; still unacknowledged: " + unacked.keySet()).isLessThan(deadline);
      unacked.values().forEach(p -> group.tell(BROKER, p));
      List<TopicBroker.Reply> replies = new ArrayList<>();
      try {
        replies.add(publisher.receiveMessage(Duration.ofSeconds(1)));
        while (true) {
          replies.add(publisher.receiveMessage(Duration.ofMillis(200)));
        }
      } catch (AssertionError quiet) {
        // no more replies for now: send again what is not acknowledged
      }
      for (TopicBroker.Reply r : replies) {
        if (r instanceof PublishAck a) {
          assertThat(journaled(group).getOrDefault(a.publisherId(), List.of()))
              .as("the journal holds %s/%d when it is acknowledged", a.publisherId(), a.seq()).contains(a.seq());
          acks.add(a);
          unacked.remove(a.publisherId() + "/" + a.seq());
        }
      }
    }
    return acks;
  }

  /** The payloads pushed to {@code subscriber} until it has {@code count}, acknowledging each push. */
  private static List<String> receive(LocalGroup<Object> group, TestProbe<TopicBroker.Reply> subscriber, int count) {
    List<String> got = new ArrayList<>();
    while (got.size() < count) {
      TopicBroker.Reply r = subscriber.receiveMessage(PATIENCE);
      if (r instanceof TopicBroker.Pushed pushed) {
        for (TopicBroker.Deliver d : pushed.messages()) {
          if (d.n() == got.size() + 1) {
            got.add(d.message().payload());
          }
        }
        group.tell(BROKER, new TopicBroker.Ack("s", got.size()));
      }
    }
    return got;
  }

  private static List<String> payloads(String publisher, int from, int to) {
    return IntStream.rangeClosed(from, to).mapToObj(i -> publisher + "-" + i).toList();
  }

  @Test
  void publishesThatArriveDuringAWriteAreTakenAndGoAsTheNextWriteAcknowledgedOnlyOnceWritten() {
    try (LocalGroup<Object> group = broker(SLOW, "front-batch", 1)) {
      TestProbe<TopicBroker.Reply> subscriber = subscribe(group);
      TestProbe<TopicBroker.Reply> publisher = parley.actorTestKit().createTestProbe();
      group.tell(BROKER, publish("p", 1, publisher));
      group.await(PATIENCE, () -> assertThat(group.journal(BROKER).underWay()).isEqualTo(1));
      List<Publish> rest = IntStream.rangeClosed(2, 50).mapToObj(i -> publish("p", i, publisher)).toList();
      List<PublishAck> acks = publishUntilAcknowledged(group, rest, publisher); // sent while 1 is written
      assertThat(acks).filteredOn(a -> !a.duplicate()).extracting(PublishAck::seq)
          .as("1 (acknowledged once its write completed), then the 49, each once")
          .containsExactlyElementsOf(IntStream.rangeClosed(1, 50).mapToObj(i -> (long) i).toList());
      List<Integer> writes = group.journal(BROKER).events().stream()
          .filter(e -> e instanceof MessagesAccepted).map(e -> ((MessagesAccepted) e).messages().size()).toList();
      assertThat(writes).as("one write for 1, one for the 49 taken while it was written").containsExactly(1, 49);
      assertThat(receive(group, subscriber, 50)).containsExactlyElementsOf(payloads("p", 1, 50));
    }
  }

  @Test
  void aCrashWithAWriteUnderWayAndABatchGatheredLosesNothingAcknowledgedAndRetriesAreTakenOnce() {
    try (LocalGroup<Object> group = broker(SLOW, "front-crash", 2)) {
      TestProbe<TopicBroker.Reply> subscriber = subscribe(group);
      TestProbe<TopicBroker.Reply> publisher = parley.actorTestKit().createTestProbe();
      List<Publish> first = IntStream.rangeClosed(1, 5).mapToObj(i -> publish("p", i, publisher)).toList();
      assertThat(publishUntilAcknowledged(group, first, publisher)).filteredOn(a -> !a.duplicate()).hasSize(5);

      group.tell(BROKER, publish("p", 6, publisher));
      group.await(PATIENCE, () -> assertThat(group.journal(BROKER).underWay()).isEqualTo(1));
      List<Publish> gathered = IntStream.rangeClosed(7, 20).mapToObj(i -> publish("p", i, publisher)).toList();
      gathered.forEach(p -> group.tell(BROKER, p)); // gathered by the front while 6 is written
      group.crash(BROKER);
      assertThat(group.journal(BROKER).lostUnderWay()).isEqualTo(1);
      publisher.expectNoMessage(Duration.ofMillis(500)); // nothing of 6..20 was acknowledged
      group.restart(BROKER);

      List<Publish> retries = new ArrayList<>();
      retries.add(publish("p", 3, publisher)); // a retry of one written before the crash
      retries.addAll(IntStream.rangeClosed(6, 20).mapToObj(i -> publish("p", i, publisher)).toList());
      List<PublishAck> acks = publishUntilAcknowledged(group, retries, publisher);
      assertThat(acks).filteredOn(a -> a.seq() == 3).allMatch(PublishAck::duplicate);
      assertThat(acks).filteredOn(a -> !a.duplicate()).extracting(PublishAck::seq).as("6..20, each taken once")
          .containsExactlyElementsOf(IntStream.rangeClosed(6, 20).mapToObj(i -> (long) i).toList());
      assertThat(journaled(group)).containsExactly(Map.entry("p",
          IntStream.rangeClosed(1, 20).mapToObj(i -> (long) i).toList()));
      assertThat(receive(group, subscriber, 20)).containsExactlyElementsOf(payloads("p", 1, 20));
    }
  }

  @Test
  void withWritesFailingEachPublishersMessagesReachADurableSubscriberInOrderOnce() {
    StorageFaults failing = StorageFaults.NONE.withWriteDelay(Delay.fixed(Duration.ofMillis(5)))
        .withFailRate(0.3).withRestartAfter(Duration.ofMillis(100));
    try (LocalGroup<Object> group = broker(failing, "front-failing", 3)) {
      TestProbe<TopicBroker.Reply> subscriber = publishersAfterSubscribing(group);
      TestProbe<TopicBroker.Reply> publisher = parley.actorTestKit().createTestProbe();
      for (int round = 0; round < 10; round++) { // ten rounds of 30: some twenty writes, a few of them failing
        List<Publish> some = new ArrayList<>();
        for (int i = round * 10 + 1; i <= round * 10 + 10; i++) {
          for (String p : List.of("a", "b", "c")) {
            some.add(publish(p, i, publisher));
          }
        }
        publishUntilAcknowledged(group, some, publisher);
      }
      assertThat(group.journal(BROKER).failed()).as("writes failed and the broker restarted").isPositive();
      List<Long> oneToHundred = IntStream.rangeClosed(1, 100).mapToObj(i -> (long) i).toList();
      assertThat(journaled(group)).containsExactly(Map.entry("a", oneToHundred), Map.entry("b", oneToHundred),
          Map.entry("c", oneToHundred));
      List<String> got = receive(group, subscriber, 300);
      assertThat(got).doesNotHaveDuplicates();
      for (String p : List.of("a", "b", "c")) {
        assertThat(got.stream().filter(m -> m.startsWith(p + "-")).toList()).containsExactlyElementsOf(
            payloads(p, 1, 100));
      }
    }
  }

  /** A subscription opened, retried until it is (the journal may fail its write). */
  private static TestProbe<TopicBroker.Reply> publishersAfterSubscribing(LocalGroup<Object> group) {
    TestProbe<TopicBroker.Reply> subscriber = parley.actorTestKit().createTestProbe();
    group.await(PATIENCE, () -> {
      group.tell(BROKER, new TopicBroker.Subscribe("s", "t", Filter.ALL, true, true, subscriber.getRef()));
      subscriber.expectMessageClass(TopicBroker.Subscribed.class, Duration.ofSeconds(2));
    });
    return subscriber;
  }

  @Test
  void atMostOncePublishesPassTheFrontInOrderToLiveSubscribersAndAreNeverWritten() {
    try (LocalGroup<Object> group = broker(StorageFaults.NONE, "front-live", 4)) {
      TestProbe<TopicBroker.Reply> listener = parley.actorTestKit().createTestProbe();
      group.tell(BROKER, new TopicBroker.SubscribeLive("l", "t", Filter.ALL, listener.getRef()));
      listener.expectMessageClass(TopicBroker.Subscribed.class, PATIENCE);
      for (int i = 1; i <= 500; i++) {
        group.tell(BROKER, new TopicBroker.PublishLive("q", i, "t", null, "q-" + i));
      }
      List<String> got = new ArrayList<>();
      while (got.size() < 500) {
        TopicBroker.LiveMessages live = listener.expectMessageClass(TopicBroker.LiveMessages.class, PATIENCE);
        live.messages().forEach(m -> got.add(m.payload()));
      }
      assertThat(got).containsExactlyElementsOf(payloads("q", 1, 500));
      assertThat(group.journal(BROKER).events()).noneMatch(e -> e instanceof MessagesAccepted);
    }
  }
}
