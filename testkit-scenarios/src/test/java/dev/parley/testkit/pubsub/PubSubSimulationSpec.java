package dev.parley.testkit.pubsub;

import static dev.parley.testkit.pubsub.PubSubRuns.BROKER;
import static dev.parley.testkit.pubsub.PubSubRuns.ms;
import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.TestInbox;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.pubsub.BrokenBrokers;
import dev.parley.protocols.pubsub.PubSubClient.PublishTo;
import dev.parley.protocols.pubsub.PubSubClient.Received;
import dev.parley.protocols.pubsub.PubSubClient.SubscribeTo;
import dev.parley.protocols.pubsub.TopicBroker;
import dev.parley.protocols.pubsub.TopicBroker.Filter;
import dev.parley.protocols.pubsub.TopicBroker.Pulled;
import dev.parley.testkit.checker.PubSubChecker;
import dev.parley.testkit.checker.Verdict;
import dev.parley.testkit.sim.SimProtocol;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import dev.parley.testkit.sim.StorageFaults;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The topic broker in the deterministic simulation: over links that lose, duplicate, delay and
 * reorder, with a subscriber partitioned away, a durable subscriber absent, a late subscriber and
 * two broker crashes recovered from the journal (also with that journal slow and failing), every
 * subscriber's application gets every message owed to it once, in each publisher's order, and only
 * what its filter matches. A broker that acknowledges publishes before writing them loses
 * acknowledged messages (in its commit window, or in a slow or failed write), and the checker says so.
 */
class PubSubSimulationSpec {

  private final PubSubChecker checker = new PubSubChecker();

  @Test
  void everySubscriberGetsEveryOwedMessageOnceInPublisherOrderAcrossLossAndBrokerCrashes() {
    Simulations.forSeeds(1, 300, seed -> {
      Simulation<Object> sim = PubSubRuns.builder(PubSubRuns.BROKER_SETTINGS, PubSubRuns.LOSSY).seed(seed).build();
      PubSubChecker.Run run = PubSubRuns.run(sim, seed);
      checker.check(run).requireValid();
      assertThat(run.published()).allMatch(PubSubChecker.Sent::acknowledged);
      assertThat(sim.incarnation(BROKER)).isEqualTo(3);
      TopicBroker.Status status = status(sim);
      assertThat(status.accepted()).isEqualTo(2L * PubSubRuns.PER_PUBLISHER);
      assertThat(status.retained()).as("acknowledged messages leave the broker").isZero();
      assertThat(status.subscriptions()).allMatch(s -> s.queued() == 0);
    });
  }

  @Test
  void aBrokerThatAcknowledgesBeforeWritingLosesAcknowledgedMessagesAndTheCheckerCatchesIt() {
    TopicBroker.Settings settings = PubSubRuns.BROKER_SETTINGS.withCommitWindow(ms(20));
    SimProtocol<Object> unsafe = (peers, env, upcalls) -> BrokenBrokers.ackingOnArrival(
        BROKER, "orders-broker", settings, PubSubRuns.CLIENT_SETTINGS, peers, env, upcalls);
    int lossy = 0;
    for (long seed = 1; seed <= 6; seed++) {
      Simulation<Object> sim = PubSubRuns.builder(unsafe, PubSubRuns.LOSSY).seed(seed).build();
      PubSubChecker.Run run = PubSubRuns.run(sim, seed);
      Set<String> written = sim.persistedEvents(BROKER).stream()
          .filter(e -> e instanceof TopicBroker.MessagesAccepted)
          .flatMap(e -> ((TopicBroker.MessagesAccepted) e).messages().stream())
          .map(m -> m.publisherId() + "#" + m.seq())
          .collect(Collectors.toSet());
      boolean lost = run.published().stream()
          .anyMatch(s -> s.acknowledged() && !written.contains(s.publisherId() + "#" + s.seq()));
      Verdict verdict = checker.check(run);
      assertThat(verdict.valid()).as("seed %d: acknowledged messages lost: %s; %s", seed, lost, verdict.report())
          .isEqualTo(!lost);
      lossy += lost ? 1 : 0;
    }
    assertThat(lossy).as("runs in which the unsafe broker lost acknowledged messages").isGreaterThanOrEqualTo(2);
  }

  /** The broker's writes take up to 4 ms; one in 20 fails, and the broker restarts 20 ms later. */
  static final StorageFaults SLOW_FAILING_JOURNAL = StorageFaults.NONE
      .withWriteDelay(Delay.uniform(Duration.ZERO, ms(4))).withFailRate(0.05).withRestartAfter(ms(20));

  /**
   * The same workload with the broker's journal slow (acknowledgements and deliveries wait for the
   * write, and so does everything that arrives meanwhile) and failing (the broker stops and restarts
   * from its journal): every subscriber still gets every owed message once, in publisher order.
   */
  @Test
  void everySubscriberGetsEveryOwedMessageOnceWithTheBrokersJournalSlowAndFailing() {
    long[] failedWrites = new long[1];
    Simulations.forSeeds(1, 8, seed -> {
      Simulation<Object> sim = PubSubRuns.builder(PubSubRuns.BROKER_SETTINGS, PubSubRuns.LOSSY).seed(seed)
          .storage(BROKER, SLOW_FAILING_JOURNAL).build();
      PubSubChecker.Run run = PubSubRuns.run(sim, seed);
      checker.check(run).requireValid();
      assertThat(run.published()).allMatch(PubSubChecker.Sent::acknowledged);
      assertThat(sim.incarnation(BROKER)).as("two crashes, and a restart after each failed write")
          .isGreaterThanOrEqualTo(3);
      TopicBroker.Status status = status(sim);
      assertThat(status.accepted()).isEqualTo(2L * PubSubRuns.PER_PUBLISHER);
      assertThat(status.retained()).as("acknowledged messages leave the broker").isZero();
      assertThat(status.subscriptions()).allMatch(s -> s.queued() == 0);
      failedWrites[0] += sim.incarnation(BROKER) - 3;
    });
    assertThat(failedWrites[0]).as("the broker's restarts after a failed write").isGreaterThan(8);
  }

  /**
   * A broker that acknowledges a publish when it takes it, with no commit window: its write starts in
   * the same step, so only a write that is slow (a crash lands in it) or fails can lose a message it
   * acknowledged. The journal faults catch it on some seeds.
   */
  @Test
  void aBrokerThatAcknowledgesBeforeItsWriteCompletesIsCaughtByTheJournalFaults() {
    TopicBroker.Settings eachAtOnce = PubSubRuns.BROKER_SETTINGS.withCommitWindow(Duration.ZERO);
    SimProtocol<Object> unsafe = (peers, env, upcalls) -> BrokenBrokers.ackingOnArrival(
        BROKER, "orders-broker", eachAtOnce, PubSubRuns.CLIENT_SETTINGS, peers, env, upcalls);
    List<Long> caught = new ArrayList<>();
    for (long seed = 1; seed <= 6; seed++) {
      Simulation<Object> sim = PubSubRuns.builder(unsafe, PubSubRuns.LOSSY).seed(seed)
          .storage(BROKER, SLOW_FAILING_JOURNAL).build();
      if (!checker.check(PubSubRuns.run(sim, seed)).valid()) {
        caught.add(seed);
      }
    }
    assertThat(caught).as("seeds whose subscribers miss an acknowledged message").hasSizeGreaterThan(1);
  }

  @Test
  void filtersDeliverExactlyTheMatchingMessages() {
    Simulation<Object> sim = PubSubRuns.builder(PubSubRuns.BROKER_SETTINGS, FaultPlan.none()).build();
    sim.tell(ms(0), PubSubRuns.S1, new SubscribeTo("t", Filter.keyEquals("k1"), false, true));
    sim.tell(ms(0), PubSubRuns.S2, new SubscribeTo("t", Filter.keyPrefix("k"), false, false));
    sim.tell(ms(0), PubSubRuns.S3, new SubscribeTo("t", Filter.payloadContains("urgent"), false, true));
    sim.tell(ms(0), PubSubRuns.S4, new SubscribeTo("other", Filter.ALL, false, true));
    sim.tell(ms(10), PubSubRuns.P1, new PublishTo("t", "k1", "plain"));
    sim.tell(ms(11), PubSubRuns.P1, new PublishTo("t", "k2", "urgent: k2"));
    sim.tell(ms(12), PubSubRuns.P1, new PublishTo("t", "x", "urgent: x"));
    sim.tell(ms(13), PubSubRuns.P1, new PublishTo("other", "k1", "elsewhere"));
    sim.runUntil(ms(500));
    assertThat(payloads(sim, PubSubRuns.S1)).containsExactly("plain");
    assertThat(payloads(sim, PubSubRuns.S2)).containsExactly("plain", "urgent: k2");
    assertThat(payloads(sim, PubSubRuns.S3)).containsExactly("urgent: k2", "urgent: x");
    assertThat(payloads(sim, PubSubRuns.S4)).containsExactly("elsewhere");
  }

  @Test
  void aPullWaitsForAMessageAndAnswersEmptyAtItsTimeout() {
    Simulation<Object> sim = PubSubRuns.builder(PubSubRuns.BROKER_SETTINGS, FaultPlan.none()).build();
    TestInbox<TopicBroker.Reply> inbox = TestInbox.create();
    sim.tell(ms(0), BROKER, new TopicBroker.Subscribe("puller", "t", Filter.ALL, true, false, inbox.getRef()));
    sim.tell(ms(10), BROKER, new TopicBroker.Pull("puller", 0, 10, ms(300), inbox.getRef()));
    sim.runUntil(ms(309));
    assertThat(inbox.getAllReceived()).hasSize(1).allMatch(r -> r instanceof TopicBroker.Subscribed);
    sim.runUntil(ms(310));
    assertThat(inbox.getAllReceived()).containsExactly(new Pulled("puller", List.of()));

    sim.tell(ms(320), BROKER, new TopicBroker.Pull("puller", 0, 10, ms(300), inbox.getRef()));
    sim.tell(ms(400), PubSubRuns.P1, new PublishTo("t", "k", "arrives while the pull waits"));
    sim.runUntil(ms(419));
    List<TopicBroker.Reply> answers = inbox.getAllReceived();
    assertThat(answers).hasSize(1);
    Pulled pulled = (Pulled) answers.get(0);
    assertThat(pulled.messages()).extracting(d -> d.message().payload()).containsExactly("arrives while the pull waits");

    sim.tell(ms(420), BROKER, new TopicBroker.Pull("puller", 0, 10, ms(300), inbox.getRef()));
    sim.runUntil(ms(421));
    assertThat(inbox.getAllReceived()).as("unacknowledged, so pulled again at once").hasSize(1);
    sim.tell(ms(430), BROKER, new TopicBroker.Pull("puller", 1, 10, ms(300), inbox.getRef()));
    sim.runUntil(ms(729));
    assertThat(inbox.getAllReceived()).as("acknowledged: nothing until the timeout").isEmpty();
    sim.runUntil(ms(731));
    assertThat(inbox.getAllReceived()).containsExactly(new Pulled("puller", List.of()));
  }

  @Test
  void aDurableSubscriberAwayDuringABrokerRestartGetsEverythingWhenItReturns() {
    Simulation<Object> sim = PubSubRuns.builder(PubSubRuns.BROKER_SETTINGS, PubSubRuns.LOSSY).seed(7).build();
    sim.tell(ms(0), PubSubRuns.S1, new SubscribeTo("t", Filter.ALL, true, true));
    sim.runUntil(v -> !v.upcalls(PubSubRuns.S1, TopicBroker.Subscribed.class).isEmpty());
    sim.tell(PubSubRuns.S1, new dev.parley.protocols.pubsub.PubSubClient.LeaveTopic());
    sim.runUntil(v -> !v.upcalls(PubSubRuns.S1, TopicBroker.Left.class).isEmpty());
    Duration t = sim.elapsed();
    for (int i = 1; i <= 10; i++) {
      sim.tell(t.plus(ms(i)), PubSubRuns.P1, new PublishTo("t", "k", "m" + i));
    }
    sim.runUntil(v -> v.upcalls(PubSubRuns.P1, dev.parley.protocols.pubsub.PubSubClient.Published.class).size() == 10);
    sim.restart(sim.elapsed().plus(ms(1)), BROKER);
    sim.runFor(ms(50));
    assertThat(sim.upcalls(PubSubRuns.S1, Received.class)).isEmpty();
    sim.tell(PubSubRuns.S1, new SubscribeTo("t", Filter.ALL, true, true));
    sim.runFor(ms(1_000));
    assertThat(payloads(sim, PubSubRuns.S1)).containsExactly("m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9", "m10");
  }

  @Test
  void aNonDurableSubscriberThatLeavesIsDroppedAndAnUnsubscribedDurableOneToo() {
    Simulation<Object> sim = PubSubRuns.builder(PubSubRuns.BROKER_SETTINGS, PubSubRuns.LOSSY).seed(3).build();
    sim.tell(ms(0), PubSubRuns.S3, new SubscribeTo("t", Filter.ALL, false, true));
    sim.tell(ms(0), PubSubRuns.S1, new SubscribeTo("t", Filter.ALL, true, true));
    sim.runUntil(v -> !v.upcalls(PubSubRuns.S3, TopicBroker.Subscribed.class).isEmpty()
        && !v.upcalls(PubSubRuns.S1, TopicBroker.Subscribed.class).isEmpty());
    sim.tell(PubSubRuns.P1, new PublishTo("t", "k", "before"));
    sim.runUntil(v -> v.upcalls(PubSubRuns.S3, Received.class).size() == 1
        && v.upcalls(PubSubRuns.S1, Received.class).size() == 1);
    sim.tell(PubSubRuns.S3, new dev.parley.protocols.pubsub.PubSubClient.LeaveTopic());
    sim.tell(PubSubRuns.S1, new dev.parley.protocols.pubsub.PubSubClient.UnsubscribeTopic());
    sim.runUntil(v -> !v.upcalls(PubSubRuns.S3, TopicBroker.Left.class).isEmpty()
        && !v.upcalls(PubSubRuns.S1, TopicBroker.Unsubscribed.class).isEmpty());
    assertThat(sim.upcalls(PubSubRuns.S3, TopicBroker.Left.class)).containsExactly(new TopicBroker.Left("s3", false));
    assertThat(status(sim).subscriptions()).isEmpty();

    sim.tell(PubSubRuns.P1, new PublishTo("t", "k", "while away"));
    sim.runFor(ms(500));
    sim.tell(PubSubRuns.S3, new SubscribeTo("t", Filter.ALL, false, true));
    sim.runUntil(v -> v.upcalls(PubSubRuns.S3, TopicBroker.Subscribed.class).size() == 2);
    sim.tell(PubSubRuns.P1, new PublishTo("t", "k", "after"));
    sim.runFor(ms(1_000));
    assertThat(payloads(sim, PubSubRuns.S3)).containsExactly("before", "after");
    assertThat(payloads(sim, PubSubRuns.S1)).containsExactly("before");
  }

  private static List<String> payloads(Simulation<Object> sim, NodeId node) {
    return sim.upcalls(node, Received.class).stream().map(r -> r.message().payload()).toList();
  }

  private static TopicBroker.Status status(Simulation<Object> sim) {
    TestInbox<TopicBroker.Status> inbox = TestInbox.create();
    sim.tell(BROKER, new TopicBroker.GetStatus(inbox.getRef()));
    sim.runFor(Duration.ZERO);
    return inbox.receiveMessage();
  }
}
