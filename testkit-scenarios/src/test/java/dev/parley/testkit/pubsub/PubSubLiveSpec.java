package dev.parley.testkit.pubsub;

import static dev.parley.testkit.pubsub.PubSubRuns.BROKER;
import static dev.parley.testkit.pubsub.PubSubRuns.P1;
import static dev.parley.testkit.pubsub.PubSubRuns.P2;
import static dev.parley.testkit.pubsub.PubSubRuns.S1;
import static dev.parley.testkit.pubsub.PubSubRuns.S3;
import static dev.parley.testkit.pubsub.PubSubRuns.ms;
import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.TestInbox;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.pubsub.PubSubClient;
import dev.parley.protocols.pubsub.PubSubClient.LeaveTopic;
import dev.parley.protocols.pubsub.PubSubClient.ListenTo;
import dev.parley.protocols.pubsub.PubSubClient.PublishTo;
import dev.parley.protocols.pubsub.PubSubClient.Received;
import dev.parley.protocols.pubsub.PubSubClient.SubscribeTo;
import dev.parley.protocols.pubsub.TopicBroker;
import dev.parley.protocols.pubsub.TopicBroker.Filter;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Live subscriptions of the topic broker (at most once, nothing journaled), in the deterministic
 * simulation: a live subscriber gets each publisher's messages in order and never one twice, over
 * lossy, duplicating, reordering links and across broker crashes (when publishers retry what the
 * broker took but never wrote, and the broker sends it again); with nothing failing it gets every
 * message; the broker's journal holds nothing about it; and it resumes by itself after a restart.
 * At-most-once publishes reach live subscribers only, in order, once, and are never written.
 */
class PubSubLiveSpec {

  private static final String TOPIC = "ticks";

  @Test
  void withNothingFailingALiveSubscriberGetsEveryMatchingMessageInPublisherOrder() {
    Simulation<Object> sim = PubSubRuns.builder(PubSubRuns.BROKER_SETTINGS, FaultPlan.none()).seed(1).build();
    sim.tell(ms(0), S3, new ListenTo(TOPIC, Filter.keyPrefix("a")));
    sim.runUntil(v -> !v.upcalls(S3, TopicBroker.Subscribed.class).isEmpty());
    assertThat(sim.upcalls(S3, TopicBroker.Subscribed.class))
        .containsExactly(new TopicBroker.Subscribed("s3", TOPIC, false, 0));
    List<String> expected = new ArrayList<>();
    for (int i = 1; i <= 30; i++) {
      String key = i % 3 == 0 ? "b" : "a";
      sim.tell(sim.elapsed().plus(ms(1)), P1, new PublishTo(TOPIC, key, "p1-" + i));
      sim.tell(sim.elapsed().plus(ms(1)), P2, new PublishTo(TOPIC, key, "p2-" + i));
      sim.runFor(ms(1));
      if (key.equals("a")) {
        expected.add("p1-" + i);
        expected.add("p2-" + i);
      }
    }
    sim.runFor(ms(1_000));
    List<String> got = sim.upcalls(S3, Received.class).stream().map(r -> r.message().payload()).toList();
    assertThat(got).containsExactlyInAnyOrderElementsOf(expected);
    assertInPublisherOrderOnce(sim.upcalls(S3, Received.class));
  }

  @Test
  void aLiveSubscriberGetsEachPublishersMessagesInOrderAtMostOnceOverLossyLinksAndBrokerCrashes() {
    int[] resent = {0};
    Simulations.forSeeds(1, 40, seed -> {
      Simulation<Object> sim = PubSubRuns.builder(PubSubRuns.BROKER_SETTINGS, PubSubRuns.LOSSY).seed(seed).build();
      TestInbox<TopicBroker.Reply> raw = TestInbox.create();
      CrashedLiveRun run = liveAcrossTwoCrashes(sim, seed, raw);

      List<Received> got = sim.upcalls(S3, Received.class);
      assertInPublisherOrderOnce(got);
      long afterSecondRestart = (run.secondCrash() + 100 - run.start()) / 5;
      assertThat(got).as("seed %d: the live subscriber resumed after the restarts", seed)
          .anyMatch(r -> r.message().seq() > afterSecondRestart);
      assertThat(sim.upcalls(S1, Received.class)).as("the durable subscriber beside it got everything")
          .hasSize(120);
      assertThat(sim.persistedEvents(BROKER)).as("nothing about a live subscription is journaled")
          .noneMatch(e -> "s3".equals(subscriberOf(e)) || "raw".equals(subscriberOf(e)));

      Set<String> seen = new HashSet<>();
      for (TopicBroker.Reply r : raw.getAllReceived()) {
        if (r instanceof TopicBroker.LiveMessages live) {
          for (TopicBroker.Message m : live.messages()) {
            if (!seen.add(m.publisherId() + "#" + m.seq())) {
              resent[0]++;
            }
          }
        }
      }
    });
    assertThat(resent[0]).as("messages the broker sent a live subscriber again after a restart (which the client"
        + " drops): the runs exercise at-most-once across crashes").isPositive();
  }

  @Test
  void anAtMostOncePublishReachesLiveSubscribersInOrderOnlyOnceAndIsNeitherWrittenNorSeenByDurableOnes() {
    Simulation<Object> sim = PubSubRuns.builder(PubSubRuns.BROKER_SETTINGS, FaultPlan.none()).seed(4).build();
    TestInbox<TopicBroker.Reply> raw = TestInbox.create();
    subscribe(sim, raw);
    for (int i = 1; i <= 20; i++) {
      sim.tell(sim.elapsed().plus(ms(1)), P1, new PubSubClient.PublishLiveTo(TOPIC, "k", "live-" + i));
      sim.runFor(ms(1));
    }
    sim.tell(sim.elapsed().plus(ms(1)), BROKER, new TopicBroker.PublishLive("p1/live", 7, TOPIC, "k", "a repeat of 7"));
    sim.runFor(ms(1_000));
    List<String> expected = java.util.stream.IntStream.rangeClosed(1, 20).mapToObj(i -> "live-" + i).toList();
    assertThat(sim.upcalls(S3, Received.class)).extracting(r -> r.message().payload())
        .containsExactlyElementsOf(expected);
    assertThat(raw.getAllReceived().stream().filter(r -> r instanceof TopicBroker.LiveMessages)
        .flatMap(r -> ((TopicBroker.LiveMessages) r).messages().stream()).map(TopicBroker.Message::payload).toList())
        .as("the broker drops a number it took already").containsExactlyElementsOf(expected);
    assertThat(sim.upcalls(S1, Received.class)).as("journaled subscriptions never see at-most-once publishes").isEmpty();
    assertThat(sim.upcalls(P1, dev.parley.protocols.pubsub.PubSubClient.Published.class)).isEmpty();
    assertThat(sim.persistedEvents(BROKER)).noneMatch(e -> e instanceof TopicBroker.MessagesAccepted);
  }

  @Test
  void aLiveSubscriberThatLeavesGetsNothingMoreAndTheBrokerForgetsIt() {
    Simulation<Object> sim = PubSubRuns.builder(PubSubRuns.BROKER_SETTINGS, FaultPlan.none()).seed(2).build();
    sim.tell(ms(0), S3, new ListenTo(TOPIC, Filter.ALL));
    sim.runUntil(v -> !v.upcalls(S3, TopicBroker.Subscribed.class).isEmpty());
    sim.tell(P1, new PublishTo(TOPIC, "k", "before"));
    sim.runUntil(v -> v.upcalls(S3, Received.class).size() == 1);
    sim.tell(S3, new LeaveTopic());
    sim.runUntil(v -> !v.upcalls(S3, TopicBroker.Left.class).isEmpty());
    assertThat(sim.upcalls(S3, TopicBroker.Left.class)).containsExactly(new TopicBroker.Left("s3", false));
    sim.tell(P1, new PublishTo(TOPIC, "k", "after"));
    sim.runFor(ms(1_000));
    assertThat(sim.upcalls(S3, Received.class)).extracting(r -> r.message().payload()).containsExactly("before");
  }

  /** The subscriber a broker event is about, or null. */
  private static String subscriberOf(Object event) {
    if (event instanceof TopicBroker.SubscriptionOpened o) {
      return o.subscriberId();
    } else if (event instanceof TopicBroker.SubscriptionLeft l) {
      return l.subscriberId();
    } else if (event instanceof TopicBroker.SubscriptionClosed c) {
      return c.subscriberId();
    } else if (event instanceof TopicBroker.MessagesAcked a) {
      return a.subscriberId();
    }
    return null;
  }

  /** Each publisher's messages arrive in increasing number, none twice. */
  private static void assertInPublisherOrderOnce(List<Received> got) {
    Map<String, Long> last = new HashMap<>();
    for (Received r : got) {
      long before = last.getOrDefault(r.message().publisherId(), 0L);
      assertThat(r.message().seq()).as("%s after %s's number %d", r, r.message().publisherId(), before)
          .isGreaterThan(before);
      last.put(r.message().publisherId(), r.message().seq());
    }
  }

  /**
   * S3 listens live, S1 subscribes durably, and {@code raw} takes a live subscription straight at
   * the broker; runs until both clients are subscribed.
   */
  /** When a {@link #liveAcrossTwoCrashes} run began publishing, and when its broker crashed the second time (ms). */
  record CrashedLiveRun(long start, long secondCrash) {}

  /**
   * The live workload across crashes: s3 listens (live), s1 subscribes durably and {@code raw} live
   * straight at the broker; the broker crashes twice at seeded times and {@code raw} subscribes again
   * after each restart; p1 and p2 each publish 60 messages 5 ms apart; the run goes on to 5 s.
   */
  static CrashedLiveRun liveAcrossTwoCrashes(Simulation<Object> sim, long seed, TestInbox<TopicBroker.Reply> raw) {
    subscribe(sim, raw);
    Random random = new Random(seed);
    long t0 = sim.elapsed().toMillis() + 1;
    long crash1 = t0 + 40 + random.nextInt(40);
    long crash2 = t0 + 150 + random.nextInt(40);
    for (long crash : new long[] {crash1, crash2}) {
      sim.crash(ms(crash), BROKER);
      sim.restart(ms(crash + 20), BROKER);
      sim.tell(ms(crash + 21), BROKER, new TopicBroker.SubscribeLive("raw", TOPIC, Filter.ALL, raw.getRef()));
    }
    for (int i = 1; i <= 60; i++) {
      for (NodeId p : List.of(P1, P2)) {
        sim.runUntil(ms(Math.max(t0 + 5L * i, sim.elapsed().toMillis())));
        sim.tell(p, new PublishTo(TOPIC, "k", p.name() + "-" + i));
      }
    }
    sim.runUntil(ms(t0 + 5_000));
    return new CrashedLiveRun(t0, crash2);
  }

  private static void subscribe(Simulation<Object> sim, TestInbox<TopicBroker.Reply> raw) {
    sim.tell(ms(0), S3, new ListenTo(TOPIC, Filter.ALL));
    sim.tell(ms(0), S1, new SubscribeTo(TOPIC, Filter.ALL, true, true));
    sim.tell(ms(0), BROKER, new TopicBroker.SubscribeLive("raw", TOPIC, Filter.ALL, raw.getRef()));
    sim.runUntil(v -> !v.upcalls(S3, TopicBroker.Subscribed.class).isEmpty()
        && !v.upcalls(S1, TopicBroker.Subscribed.class).isEmpty());
  }
}
