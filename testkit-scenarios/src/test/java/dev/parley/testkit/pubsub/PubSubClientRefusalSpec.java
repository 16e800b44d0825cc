package dev.parley.testkit.pubsub;

import static dev.parley.testkit.pubsub.PubSubRuns.P1;
import static dev.parley.testkit.pubsub.PubSubRuns.P2;
import static dev.parley.testkit.pubsub.PubSubRuns.S1;
import static dev.parley.testkit.pubsub.PubSubRuns.S2;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.pubsub.PubSubClient.PublishRefused;
import dev.parley.protocols.pubsub.PubSubClient.PublishTo;
import dev.parley.protocols.pubsub.PubSubClient.Published;
import dev.parley.protocols.pubsub.PubSubClient.SubscribeTo;
import dev.parley.protocols.pubsub.PublisherExpiry;
import dev.parley.protocols.pubsub.TopicBroker;
import dev.parley.protocols.pubsub.TopicBroker.Filter;
import dev.parley.testkit.checker.PubSubChecker;
import dev.parley.testkit.sim.Simulation;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What {@code PubSubClient} does with the broker's {@link TopicBroker.SeqReused}, in the simulation:
 * with one expiry bucket every publisher the broker does not know shares the floor of the one that
 * expired, so a new publisher's first message (number 1) is refused. The refusal reaches the
 * application once, with the message and the broker's reason (not silently dropped, not resent
 * forever); the client then numbers above the floor the refusal names, so the message told again is
 * taken and delivered to a subscriber exactly once, as are the client's later messages. A client
 * restarted with its numbering back at 1 learns from its first refusal where to go on.
 */
class PubSubClientRefusalSpec {

  private static final String TOPIC = "orders";

  @Test
  void aRefusedPublishReachesTheApplicationOnceAndIsTakenWhenToldAgain() {
    Simulation<Object> sim = PubSubRuns.builder(PubSubRuns.BROKER_SETTINGS
        .withPublisherExpiry(new PublisherExpiry(3, 1)), FaultPlan.none()).seed(7).build();
    sim.tell(S2, new SubscribeTo(TOPIC, Filter.ALL, true, true));
    sim.runUntil(v -> !v.upcalls(S2, TopicBroker.Subscribed.class).isEmpty());
    for (int i = 1; i <= 5; i++) {
      sim.tell(P1, new PublishTo(TOPIC, "k", "p1-" + i));
    }
    sim.runUntil(v -> v.upcalls(P1, Published.class).size() == 5);
    for (int i = 1; i <= 4; i++) { // p1 is silent for these: it expires, its last number (5) the one floor
      sim.tell(P2, new PublishTo(TOPIC, "k", "p2-" + i));
    }
    sim.runUntil(v -> v.upcalls(P2, Published.class).size() == 4);

    PublishTo first = new PublishTo(TOPIC, "k", "s1-first");
    sim.tell(S1, first);
    sim.runUntil(v -> !v.upcalls(S1, PublishRefused.class).isEmpty());
    sim.runFor(PubSubRuns.ms(500)); // ten retry periods: a refused publish is not sent again
    List<PublishRefused> refused = sim.upcalls(S1, PublishRefused.class);
    assertThat(refused).as("the refusal, once").hasSize(1);
    assertThat(refused.get(0).seq()).isEqualTo(1);
    assertThat(refused.get(0).publish()).isEqualTo(first);
    assertThat(refused.get(0).reason()).contains("not above 5").contains("numbers its next message above 5");
    assertThat(sim.upcalls(S1, Published.class)).isEmpty();

    sim.tell(S1, refused.get(0).publish()); // told again: a new number, above the floor
    sim.tell(S1, new PublishTo(TOPIC, "k", "s1-second"));
    sim.runUntil(v -> v.upcalls(S1, Published.class).size() == 2);
    assertThat(sim.upcalls(S1, Published.class)).containsExactly(new Published("s1", 6), new Published("s1", 7));
    sim.runUntil(v -> PubSubRuns.received(sim, S2).stream().filter(g -> g.publisherId().equals("s1")).count() == 2);
    sim.runFor(PubSubRuns.ms(500));
    assertThat(PubSubRuns.received(sim, S2).stream().filter(g -> g.publisherId().equals("s1"))
        .map(PubSubChecker.Got::payload).toList()).as("each delivered once, in order")
        .containsExactly("s1-first", "s1-second");
    assertThat(sim.upcalls(S1, PublishRefused.class)).hasSize(1);
  }

  @Test
  void aRestartedPublisherLearnsFromItsFirstRefusalWhereToGoOn() {
    Simulation<Object> sim = PubSubRuns.builder(PubSubRuns.BROKER_SETTINGS, FaultPlan.none()).seed(11).build();
    sim.tell(S2, new SubscribeTo(TOPIC, Filter.ALL, true, true));
    sim.runUntil(v -> !v.upcalls(S2, TopicBroker.Subscribed.class).isEmpty());
    for (int i = 1; i <= 3; i++) { // one at a time: tells at the same instant reach the client in any order
      int published = i;
      sim.tell(P1, new PublishTo(TOPIC, "k", "before-" + i));
      sim.runUntil(v -> v.upcalls(P1, Published.class).size() == published);
    }
    sim.crash(sim.elapsed(), P1);
    sim.restart(sim.elapsed().plus(PubSubRuns.ms(10)), P1);
    sim.runFor(PubSubRuns.ms(50));

    PublishTo after = new PublishTo(TOPIC, "k", "after-1");
    sim.tell(P1, after); // numbered 1 again by the restarted client: the broker holds 1 to 3 as used
    sim.runUntil(v -> !v.upcalls(P1, PublishRefused.class).isEmpty());
    PublishRefused refused = sim.upcalls(P1, PublishRefused.class).get(0);
    assertThat(refused.seq()).isEqualTo(1);
    assertThat(refused.publish()).isEqualTo(after);
    assertThat(refused.reason()).contains("published with another topic, key or payload");

    sim.tell(P1, refused.publish());
    sim.runUntil(v -> v.upcalls(P1, Published.class).size() == 4);
    assertThat(sim.upcalls(P1, Published.class).get(3)).isEqualTo(new Published("p1", 4));
    sim.runUntil(v -> PubSubRuns.received(sim, S2).stream().filter(g -> g.publisherId().equals("p1")).count() == 4);
    assertThat(PubSubRuns.received(sim, S2).stream().filter(g -> g.publisherId().equals("p1"))
        .map(PubSubChecker.Got::payload).toList()).as("each delivered once, in order")
        .containsExactly("before-1", "before-2", "before-3", "after-1");
    assertThat(sim.upcalls(P1, PublishRefused.class)).hasSize(1);
  }
}
