package dev.parley.testkit.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.cluster.NodeClient;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.pubsub.TopicBroker.Filter;
import dev.parley.testkit.checker.PubSubChecker;
import dev.parley.testkit.checker.Verdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The demo's publish/subscribe step: a durable subscriber at n2, messages published at n3 before
 * and after the broker's JVM (n1) is killed with {@code kill -9} and restarted; the subscriber then
 * pulls every message, once and in order, and the checker says so.
 */
final class PubSubTour {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String TOPIC = "orders";

  private PubSubTour() {}

  static void run(ClusterDriver cluster, String broker, Map<String, Verdict> verdicts, List<String> findings) {
    NodeClient n2 = cluster.node(NodeId.n(2));
    NodeClient n3 = cluster.node(NodeId.n(3));
    String base = "/pubsub/" + broker;
    cluster.await(WAIT, () -> n2.post(base + "/subscriptions/tour", "{\"topic\":\"" + TOPIC + "\",\"durable\":true}").ok());
    System.out.println("    subscriber 'tour' (durable) subscribes at n2; the broker runs on n1");
    List<PubSubChecker.Sent> sent = new ArrayList<>();
    publish(cluster, n3, base, 1, 6, sent);
    System.out.println("    n3 publishes 6 messages; then kill -9 of n1, the broker's JVM");
    cluster.parley("kill", "n1");
    cluster.parley("restart", "n1");
    publish(cluster, n3, base, 7, 10, sent);
    System.out.println("    after the restart n3 publishes 4 more (each retried until the broker answers)");

    List<PubSubChecker.Got> got = new ArrayList<>();
    long[] acked = {0};
    cluster.await(WAIT, () -> {
      NodeClient.Response r = n2.get(base + "/subscriptions/tour/messages?max=100&timeout=500&ack=" + acked[0]);
      if (r.ok()) {
        for (JsonNode m : r.body().get("messages")) {
          if (m.get("n").asLong() == acked[0] + 1) {
            got.add(new PubSubChecker.Got(m.get("publisher").asText(), m.get("seq").asLong(), TOPIC,
                m.get("key").asText(), m.get("payload").asText()));
            acked[0]++;
          }
        }
      }
      return got.size() >= sent.size();
    });
    n2.post(base + "/subscriptions/tour/ack?upTo=" + Math.max(1, acked[0]), "");
    System.out.println("    'tour' pulls at n2: " + got.stream().map(PubSubChecker.Got::payload).toList());
    Verdict verdict = new PubSubChecker().check(new PubSubChecker.Run(sent,
        List.of(new PubSubChecker.Subscriber("tour", TOPIC, Filter.ALL, 0, got))));
    verdicts.put("topic broker, durable subscriber across kill -9 of the broker", verdict);
    findings.add("the durable subscriber got " + got.size() + " of " + sent.size()
        + " messages published around the broker's kill -9" + (verdict.valid() ? ", each once, in order" : ""));
  }

  private static void publish(ClusterDriver cluster, NodeClient at, String base, int from, int to,
      List<PubSubChecker.Sent> sent) {
    for (int seq = from; seq <= to; seq++) {
      String key = "k" + seq % 3;
      String payload = "order-" + seq;
      String path = base + "/topics/" + TOPIC + "?key=" + key + "&publisher=demo&seq=" + seq;
      boolean acked = cluster.await(WAIT, () -> at.post(path, payload).ok());
      sent.add(new PubSubChecker.Sent("demo", seq, TOPIC, key, payload, acked));
    }
  }
}
