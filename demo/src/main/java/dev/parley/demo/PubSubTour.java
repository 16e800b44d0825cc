package dev.parley.demo;

import dev.parley.protocols.core.NodeId;
import dev.parley.testkit.checker.PubSubChecker;
import dev.parley.testkit.checker.Verdict;
import dev.parley.testkit.cluster.ClusterDriver;
import dev.parley.testkit.cluster.DurableSubscriberOverHttp;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The demo's publish/subscribe step: a durable subscriber at n2, messages published at n3 before
 * and after the broker's JVM (n1) is killed with {@code kill -9} and restarted; the subscriber then
 * pulls every message, once and in order, and the checker says so.
 */
final class PubSubTour {

  private static final Duration WAIT = Duration.ofSeconds(30);

  private PubSubTour() {}

  static void run(ClusterDriver cluster, String broker, Map<String, Verdict> verdicts, List<String> findings) {
    DurableSubscriberOverHttp run = new DurableSubscriberOverHttp(cluster.node(NodeId.n(2)),
        cluster.node(NodeId.n(3)), broker, "orders", "tour", "demo", WAIT);
    run.subscribe();
    System.out.println("    subscriber 'tour' (durable) subscribes at n2; the broker runs on n1");
    run.publish(1, 6, "order");
    System.out.println("    n3 publishes 6 messages; then kill -9 of n1, the broker's JVM");
    cluster.parley("kill", "n1");
    cluster.parley("restart", "n1");
    run.publish(7, 10, "order");
    System.out.println("    after the restart n3 publishes 4 more (each retried until the broker answers)");
    List<PubSubChecker.Got> got = run.pullAll();
    System.out.println("    'tour' pulls at n2: " + got.stream().map(PubSubChecker.Got::payload).toList());
    Verdict verdict = run.verdict();
    verdicts.put("topic broker, durable subscriber across kill -9 of the broker", verdict);
    findings.add("the durable subscriber got " + got.size() + " of " + run.sent().size()
        + " messages published around the broker's kill -9" + (verdict.valid() ? ", each once, in order" : ""));
  }
}
