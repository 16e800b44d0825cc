package dev.parley.testkit.pubsub;

import static dev.parley.testkit.pubsub.PubSubRuns.BROKER;
import static dev.parley.testkit.pubsub.PubSubRuns.ms;

import akka.actor.testkit.typed.javadsl.TestInbox;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.pubsub.BrokenBrokers;
import dev.parley.protocols.pubsub.PubSubClient.ListenTo;
import dev.parley.protocols.pubsub.PubSubClient.PublishTo;
import dev.parley.protocols.pubsub.PubSubClient.SubscribeTo;
import dev.parley.protocols.pubsub.TopicBroker;
import dev.parley.protocols.pubsub.TopicBroker.Filter;
import dev.parley.testkit.sim.RunFingerprints;
import dev.parley.testkit.sim.SimProtocol;
import dev.parley.testkit.sim.Simulation;
import java.io.PrintWriter;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Not a check: a record of what the topic broker does in the simulation, seed by seed, for telling a
 * pure refactor from a change of behavior. Runs only when {@code -Dparley.fingerprints=DIR} is given
 * and writes {@code DIR/pubsub.txt}: for each run of the specs' workloads (the lossy workload with
 * two broker crashes, untraced and traced; with the broker's journal slow and failing; the broker
 * acknowledging on arrival; live subscriptions across crashes), the trace's fingerprint and length,
 * a digest of every traced event's text (a partition's, whose sides print in a per-JVM order, left
 * out), of every node's upcalls and of the broker's journal. Write it before and after a refactor
 * and compare the two files (docs/testing-quality.md, "Pure refactors").
 */
@EnabledIfSystemProperty(named = "parley.fingerprints", matches = ".+")
class PubSubFingerprints {

  static final int SEEDS = RunFingerprints.SEEDS;

  static String digest(Simulation<Object> sim) {
    return RunFingerprints.digest(sim, BROKER);
  }

  @Test
  void writeFingerprints() throws Exception {
    try (PrintWriter out = RunFingerprints.open("pubsub.txt")) {
      for (boolean traced : new boolean[] {false, true}) {
        for (long seed = 1; seed <= SEEDS; seed++) {
          Simulation<Object> sim = PubSubRuns.builder(PubSubRuns.BROKER_SETTINGS, PubSubRuns.LOSSY).seed(seed)
              .tracing(traced).build();
          PubSubRuns.run(sim, seed);
          out.println("workload traced=" + traced + " seed=" + seed + " " + digest(sim));
        }
      }
      for (long seed = 1; seed <= SEEDS; seed++) {
        Simulation<Object> sim = PubSubRuns.builder(PubSubRuns.BROKER_SETTINGS, PubSubRuns.LOSSY).seed(seed)
            .storage(BROKER, PubSubSimulationSpec.SLOW_FAILING_JOURNAL).tracing(true).build();
        PubSubRuns.run(sim, seed);
        out.println("slow-failing-journal seed=" + seed + " " + digest(sim));
      }
      TopicBroker.Settings settings = PubSubRuns.BROKER_SETTINGS.withCommitWindow(ms(20));
      SimProtocol<Object> unsafe = (peers, env, upcalls) -> BrokenBrokers.ackingOnArrival(
          BROKER, "orders-broker", settings, PubSubRuns.CLIENT_SETTINGS, peers, env, upcalls);
      for (long seed = 1; seed <= 12; seed++) {
        Simulation<Object> sim = PubSubRuns.builder(unsafe, PubSubRuns.LOSSY).seed(seed).tracing(true).build();
        PubSubRuns.run(sim, seed);
        out.println("acking-on-arrival seed=" + seed + " " + digest(sim));
      }
      for (long seed = 1; seed <= SEEDS; seed++) {
        Simulation<Object> sim = PubSubRuns.builder(PubSubRuns.BROKER_SETTINGS, PubSubRuns.LOSSY).seed(seed)
            .tracing(true).build();
        TestInbox<TopicBroker.Reply> raw = TestInbox.create();
        sim.tell(ms(0), PubSubRuns.S3, new ListenTo("ticks", Filter.ALL));
        sim.tell(ms(0), PubSubRuns.S1, new SubscribeTo("ticks", Filter.ALL, true, true));
        sim.tell(ms(0), BROKER, new TopicBroker.SubscribeLive("raw", "ticks", Filter.ALL, raw.getRef()));
        sim.runUntil(v -> !v.upcalls(PubSubRuns.S3, TopicBroker.Subscribed.class).isEmpty()
            && !v.upcalls(PubSubRuns.S1, TopicBroker.Subscribed.class).isEmpty());
        Random random = new Random(seed);
        long t0 = sim.elapsed().toMillis() + 1;
        long crash1 = t0 + 40 + random.nextInt(40);
        long crash2 = t0 + 150 + random.nextInt(40);
        sim.crash(ms(crash1), BROKER);
        sim.restart(ms(crash1 + 20), BROKER);
        sim.tell(ms(crash1 + 21), BROKER, new TopicBroker.SubscribeLive("raw", "ticks", Filter.ALL, raw.getRef()));
        sim.crash(ms(crash2), BROKER);
        sim.restart(ms(crash2 + 20), BROKER);
        sim.tell(ms(crash2 + 21), BROKER, new TopicBroker.SubscribeLive("raw", "ticks", Filter.ALL, raw.getRef()));
        for (int i = 1; i <= 60; i++) {
          for (NodeId p : List.of(PubSubRuns.P1, PubSubRuns.P2)) {
            sim.runUntil(ms(Math.max(t0 + 5L * i, sim.elapsed().toMillis())));
            sim.tell(p, new PublishTo("ticks", "k", p.name() + "-" + i));
          }
        }
        sim.runUntil(ms(t0 + 5_000));
        out.println("live seed=" + seed + " " + digest(sim) + " raw=" + raw.getAllReceived().toString().hashCode());
      }
    }
  }
}
