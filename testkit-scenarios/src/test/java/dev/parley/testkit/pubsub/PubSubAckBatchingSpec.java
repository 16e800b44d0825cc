package dev.parley.testkit.pubsub;

import static dev.parley.testkit.pubsub.PubSubRuns.BROKER;
import static dev.parley.testkit.pubsub.PubSubRuns.P1;
import static dev.parley.testkit.pubsub.PubSubRuns.P2;
import static dev.parley.testkit.pubsub.PubSubRuns.S1;
import static dev.parley.testkit.pubsub.PubSubRuns.S2;
import static dev.parley.testkit.pubsub.PubSubRuns.ms;
import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.TestInbox;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.pubsub.PubSubClient.PublishTo;
import dev.parley.protocols.pubsub.PubSubClient.Published;
import dev.parley.protocols.pubsub.PubSubClient.Received;
import dev.parley.protocols.pubsub.PubSubClient.SubscribeTo;
import dev.parley.protocols.pubsub.TopicBroker;
import dev.parley.protocols.pubsub.TopicBroker.Filter;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Batched pushes and cumulative acknowledgements of durable subscriptions, in the deterministic
 * simulation: a burst of publishes reaches a durable subscriber as a few pushes, each acknowledged
 * once; and with the broker crashing while acknowledgements are taken but not yet written, right
 * after it wrote publishes it had not yet acknowledged or delivered, and right after it wrote
 * acknowledgements, every durable subscriber still gets every message exactly once, in each
 * publisher's order, and every publish is acknowledged.
 */
class PubSubAckBatchingSpec {

  private static final String TOPIC = "orders";

  @Test
  void aBurstReachesADurableSubscriberAsAFewPushesEachAcknowledgedOnce() {
    Simulation<Object> sim = PubSubRuns.builder(PubSubRuns.BROKER_SETTINGS, FaultPlan.none()).seed(1).build();
    TestInbox<TopicBroker.Reply> inbox = TestInbox.create();
    sim.tell(ms(0), BROKER, new TopicBroker.Subscribe("raw", TOPIC, Filter.ALL, true, true, inbox.getRef()));
    sim.runFor(ms(10));
    inbox.getAllReceived();
    TestInbox<TopicBroker.Reply> publisher = TestInbox.create();
    for (int i = 1; i <= 50; i++) {
      sim.tell(ms(20).plusNanos(1_000L * i), BROKER,
          new TopicBroker.Publish("pub", i, TOPIC, "k", "m" + i, publisher.getRef()));
    }
    sim.runFor(ms(100));
    assertThat(publisher.getAllReceived()).as("every publish acknowledged once written").hasSize(50);
    List<TopicBroker.Pushed> pushes = inbox.getAllReceived().stream()
        .filter(r -> r instanceof TopicBroker.Pushed).map(r -> (TopicBroker.Pushed) r).toList();
    assertThat(pushes).as("one push per write, not one per message").hasSizeLessThanOrEqualTo(5);
    List<Long> numbers = pushes.stream().flatMap(p -> p.messages().stream()).map(TopicBroker.Deliver::n).toList();
    assertThat(numbers).containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, 50).boxed().toList());

    sim.tell(BROKER, new TopicBroker.Ack("raw", 50));
    sim.runFor(ms(300));
    assertThat(inbox.getAllReceived()).as("acknowledged: nothing is pushed again").isEmpty();
    TopicBroker.Status status = status(sim);
    assertThat(status.subscriptions()).singleElement().satisfies(s -> {
      assertThat(s.acked()).isEqualTo(50);
      assertThat(s.queued()).isZero();
    });
    assertThat(status.retained()).as("acknowledged messages leave the broker").isZero();
  }

  @Test
  void noDurableMessageIsLostOrDeliveredTwiceWhenTheBrokerCrashesAroundBatchedAcknowledgements() {
    List<Predicate<Object>> crashPoints = List.of(
        e -> e instanceof TopicBroker.MessagesAccepted,
        e -> e instanceof TopicBroker.MessagesAcked);
    Simulations.forSeeds(1, 30, seed -> {
      Simulation<Object> sim = PubSubRuns.builder(PubSubRuns.BROKER_SETTINGS, PubSubRuns.LOSSY).seed(seed).build();
      sim.tell(ms(0), S1, new SubscribeTo(TOPIC, Filter.ALL, true, true));
      sim.tell(ms(0), S2, new SubscribeTo(TOPIC, Filter.ALL, true, false));
      sim.runUntil(v -> !v.upcalls(S1, TopicBroker.Subscribed.class).isEmpty()
          && !v.upcalls(S2, TopicBroker.Subscribed.class).isEmpty());
      long t0 = sim.elapsed().toMillis() + 1;
      sim.crashAfterWriting(BROKER, crashPoints.get((int) (seed % 2)));
      // a crash between an acknowledgement's arrival and its write (the flush waits up to ackFlush)
      sim.crash(ms(t0 + 120 + seed % 40), BROKER);
      sim.restart(ms(t0 + 150 + seed % 40), BROKER);
      List<String> sent = new ArrayList<>();
      for (int i = 1; i <= 40; i++) {
        for (NodeId p : List.of(P1, P2)) {
          sim.runUntil(ms(Math.max(t0 + 5L * i, sim.elapsed().toMillis())));
          if (!sim.isUp(BROKER) && sim.elapsed().toMillis() < t0 + 110) {
            sim.restart(sim.elapsed(), BROKER); // the crash after a write
          }
          sim.tell(p, new PublishTo(TOPIC, "k", p.name() + "-" + i));
          sent.add(p.name() + "-" + i);
        }
      }
      sim.runUntil(ms(t0 + 5_000));
      if (!sim.isUp(BROKER)) {
        sim.restart(sim.elapsed(), BROKER);
        sim.runFor(ms(5_000));
      }

      assertThat(sim.upcalls(P1, Published.class).size() + sim.upcalls(P2, Published.class).size())
          .as("seed %d: every publish acknowledged", seed).isEqualTo(80);
      for (NodeId s : List.of(S1, S2)) {
        List<String> got = sim.upcalls(s, Received.class).stream().map(r -> r.message().payload()).toList();
        assertThat(got).as("seed %d: %s gets every message once", seed, s).containsExactlyInAnyOrderElementsOf(sent);
        for (String publisher : List.of("p1", "p2")) {
          assertThat(got.stream().filter(g -> g.startsWith(publisher + "-")).toList())
              .as("seed %d: %s gets %s's messages in its order", seed, s, publisher)
              .isEqualTo(sent.stream().filter(g -> g.startsWith(publisher + "-")).toList());
        }
      }
      assertThat(sim.incarnation(BROKER)).as("seed %d: the broker crashed twice", seed).isGreaterThanOrEqualTo(3);
    });
  }

  private static TopicBroker.Status status(Simulation<Object> sim) {
    TestInbox<TopicBroker.Status> inbox = TestInbox.create();
    sim.tell(BROKER, new TopicBroker.GetStatus(inbox.getRef()));
    sim.runFor(java.time.Duration.ZERO);
    return inbox.receiveMessage();
  }
}
