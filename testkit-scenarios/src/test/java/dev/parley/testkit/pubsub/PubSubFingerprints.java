package dev.parley.testkit.pubsub;

import static dev.parley.testkit.pubsub.PubSubRuns.BROKER;
import static dev.parley.testkit.pubsub.PubSubRuns.ms;

import akka.actor.testkit.typed.javadsl.TestInbox;
import dev.parley.protocols.pubsub.BrokenBrokers;
import dev.parley.protocols.pubsub.TopicBroker;
import dev.parley.testkit.sim.RunFingerprints;
import dev.parley.testkit.sim.SimProtocol;
import dev.parley.testkit.sim.Simulation;
import java.io.PrintWriter;
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
        PubSubLiveSpec.liveAcrossTwoCrashes(sim, seed, raw);
        out.println("live seed=" + seed + " " + digest(sim) + " raw=" + raw.getAllReceived().toString().hashCode());
      }
    }
  }
}
