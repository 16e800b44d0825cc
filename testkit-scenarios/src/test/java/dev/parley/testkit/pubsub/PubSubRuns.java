package dev.parley.testkit.pubsub;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.protocols.pubsub.PubSubClient;
import dev.parley.protocols.pubsub.PubSubClient.LeaveTopic;
import dev.parley.protocols.pubsub.PubSubClient.PublishTo;
import dev.parley.protocols.pubsub.PubSubClient.Published;
import dev.parley.protocols.pubsub.PubSubClient.Received;
import dev.parley.protocols.pubsub.PubSubClient.SubscribeTo;
import dev.parley.protocols.pubsub.TopicBroker;
import dev.parley.protocols.pubsub.TopicBroker.Filter;
import dev.parley.testkit.checker.PubSubChecker;
import dev.parley.testkit.sim.SimProtocol;
import dev.parley.testkit.sim.Simulation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The publish/subscribe workload the specs run in the simulation: a broker, two publishers and five
 * subscribers (pushed and pulled, durable and not, filtered, one away for a while, one late), over
 * lossy, duplicating, reordering links, with a partition and two broker crashes.
 */
final class PubSubRuns {

  static final NodeId BROKER = NodeId.of("broker");
  static final NodeId P1 = NodeId.of("p1");
  static final NodeId P2 = NodeId.of("p2");
  /** Pushed, durable, everything; cut off from the broker for a while. */
  static final NodeId S1 = NodeId.of("s1");
  /** Pulled, durable, everything. */
  static final NodeId S2 = NodeId.of("s2");
  /** Pushed, not durable, keys starting with "a". */
  static final NodeId S3 = NodeId.of("s3");
  /** Pushed, durable, payloads containing "x"; leaves and comes back. */
  static final NodeId S4 = NodeId.of("s4");
  /** Pushed, durable, key "b1" exactly; subscribes late. */
  static final NodeId S5 = NodeId.of("s5");

  static final String TOPIC = "orders";
  static final int PER_PUBLISHER = 40;

  static final TopicBroker.Settings BROKER_SETTINGS = TopicBroker.Settings.DEFAULT
      .withCommitWindow(Duration.ofMillis(5)).withRedeliverAfter(Duration.ofMillis(100)).withSnapshotEvery(25);
  static final PubSubClient.Settings CLIENT_SETTINGS =
      new PubSubClient.Settings(Duration.ofMillis(50), 20, Duration.ofMillis(200));

  static final FaultPlan LOSSY = FaultPlan.none()
      .withDelay(Delay.uniform(Duration.ofMillis(1), Duration.ofMillis(8)))
      .withDrop(0.1).withDuplicate(0.05).withReorder(0.2);

  private PubSubRuns() {}

  static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }

  static Simulation.Builder<Object> builder(TopicBroker.Settings broker, FaultPlan faults) {
    return builder((peers, env, upcalls) ->
        TopicBroker.inGroup(BROKER, "orders-broker", broker, CLIENT_SETTINGS, peers, env, upcalls), faults);
  }

  /** A simulation of the broker and clients {@code group} makes (a broken variant's, for instance). */
  static Simulation.Builder<Object> builder(SimProtocol<Object> group, FaultPlan faults) {
    return Simulation.builder(List.of(BROKER, P1, P2, S1, S2, S3, S4, S5), group).faults(faults);
  }

  record Subscription(NodeId node, Filter filter) {}

  static final List<Subscription> SUBSCRIPTIONS = List.of(
      new Subscription(S1, Filter.ALL), new Subscription(S2, Filter.ALL), new Subscription(S3, Filter.keyPrefix("a")),
      new Subscription(S4, Filter.payloadContains("x")), new Subscription(S5, Filter.keyEquals("b1")));

  /**
   * Runs the workload on {@code sim} (seeded choices from {@code seed}) and returns what the checker
   * reads.
   */
  static PubSubChecker.Run run(Simulation<Object> sim, long seed) {
    Random random = new Random(seed);
    sim.tell(ms(0), S1, new SubscribeTo(TOPIC, Filter.ALL, true, true));
    sim.tell(ms(0), S2, new SubscribeTo(TOPIC, Filter.ALL, true, false));
    sim.tell(ms(0), S3, new SubscribeTo(TOPIC, Filter.keyPrefix("a"), false, true));
    sim.tell(ms(0), S4, new SubscribeTo(TOPIC, Filter.payloadContains("x"), true, true));
    sim.runUntil(v -> List.of(S1, S2, S3, S4).stream()
        .allMatch(n -> !v.upcalls(n, TopicBroker.Subscribed.class).isEmpty()));
    long t0 = sim.elapsed().toMillis() + 1;
    sim.tell(ms(t0 + 30), S4, new LeaveTopic());
    sim.crash(ms(t0 + 60 + random.nextInt(20)), BROKER);
    sim.restart(ms(t0 + 95), BROKER);
    sim.tell(ms(t0 + 100), S5, new SubscribeTo(TOPIC, Filter.keyEquals("b1"), true, true));
    sim.nemesis(ms(t0 + 110), NemesisCommand.Partition.parse("s1/broker,p1,p2,s2,s3,s4,s5"));
    sim.crash(ms(t0 + 150 + random.nextInt(30)), BROKER);
    sim.restart(ms(t0 + 185), BROKER);
    sim.nemesis(ms(t0 + 200), new NemesisCommand.Heal());
    sim.tell(ms(t0 + 260), S4, new SubscribeTo(TOPIC, Filter.payloadContains("x"), true, true));

    List<String[]> sent = new ArrayList<>();
    int owedToS5 = -1;
    String[] keys = {"a1", "a2", "b1", "c"};
    for (int i = 0; i < PER_PUBLISHER; i++) {
      for (NodeId p : List.of(P1, P2)) {
        long at = Math.max(t0 + 5L * i + random.nextInt(5), sim.elapsed().toMillis());
        sim.runUntil(ms(at));
        if (owedToS5 < 0 && !sim.upcalls(S5, TopicBroker.Subscribed.class).isEmpty()) {
          owedToS5 = sent.size();
        }
        String key = keys[random.nextInt(keys.length)];
        String payload = p.name() + "-" + (i + 1) + (random.nextInt(3) == 0 ? "-x" : "");
        sim.tell(p, new PublishTo(TOPIC, key, payload));
        sent.add(new String[] {p.name(), String.valueOf(i + 1), key, payload});
      }
    }
    sim.runUntil(ms(t0 + 5_000));

    List<PubSubChecker.Sent> published = new ArrayList<>();
    for (String[] s : sent) {
      NodeId p = NodeId.of(s[0]);
      long seq = Long.parseLong(s[1]);
      boolean acked = sim.upcalls(p, Published.class).contains(new Published(s[0], seq));
      published.add(new PubSubChecker.Sent(s[0], seq, TOPIC, s[2], s[3], acked));
    }
    List<PubSubChecker.Subscriber> subscribers = new ArrayList<>();
    for (Subscription s : SUBSCRIPTIONS) {
      int owedFrom = s.node().equals(S5) ? (owedToS5 < 0 ? published.size() : owedToS5) : 0;
      subscribers.add(new PubSubChecker.Subscriber(s.node().name(), TOPIC, s.filter(), owedFrom, received(sim, s.node())));
    }
    return new PubSubChecker.Run(published, subscribers);
  }

  static List<PubSubChecker.Got> received(Simulation<Object> sim, NodeId node) {
    return sim.upcalls(node, Received.class).stream()
        .map(r -> new PubSubChecker.Got(r.message().publisherId(), r.message().seq(), r.message().topic(),
            r.message().key(), r.message().payload()))
        .toList();
  }
}
