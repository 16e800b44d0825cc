package dev.parley.testkit.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.cluster.NodeClient;
import dev.parley.protocols.pubsub.TopicBroker.Filter;
import dev.parley.testkit.checker.PubSubChecker;
import dev.parley.testkit.checker.Verdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One publisher and one durable pull subscriber of a cluster's {@code topic-broker}, over HTTP:
 * publishes numbered messages (each retried until the broker answers, so a retry of one it wrote
 * counts once), pulls with cumulative acknowledgements, and checks what the subscriber's application
 * got with {@link PubSubChecker}. What the demo's pub/sub step and the multi-JVM spec share.
 */
public final class DurableSubscriberOverHttp {

  private final NodeClient subscriberNode;
  private final NodeClient publisherNode;
  private final String base;
  private final String topic;
  private final String subscriber;
  private final String publisher;
  private final Duration wait;
  private final List<PubSubChecker.Sent> sent = new ArrayList<>();
  private final List<PubSubChecker.Got> got = new ArrayList<>();
  private final AtomicInteger attempts = new AtomicInteger();
  private long acked;

  /**
   * @param broker the instance's name ({@code --protocol broker=topic-broker})
   * @param wait how long each publish and the final pull may take before it counts as unanswered
   */
  public DurableSubscriberOverHttp(NodeClient subscriberNode, NodeClient publisherNode, String broker,
      String topic, String subscriber, String publisher, Duration wait) {
    this.subscriberNode = subscriberNode;
    this.publisherNode = publisherNode;
    this.base = "/pubsub/" + broker;
    this.topic = topic;
    this.subscriber = subscriber;
    this.publisher = publisher;
    this.wait = wait;
  }

  /** Subscribes durably to every message of the topic; false if the broker did not answer in time. */
  public boolean subscribe() {
    return ClusterDriver.awaitUntil(wait, () -> subscriberNode.post(base + "/subscriptions/" + subscriber,
        "{\"topic\":\"" + topic + "\",\"durable\":true}").ok());
  }

  /** Publishes {@code payloadPrefix-seq} for seq {@code from..to}, each retried until answered or {@code wait} passes. */
  public void publish(int from, int to, String payloadPrefix) {
    for (int seq = from; seq <= to; seq++) {
      String key = "k" + seq % 3;
      String payload = payloadPrefix + "-" + seq;
      String path = base + "/topics/" + topic + "?key=" + key + "&publisher=" + publisher + "&seq=" + seq;
      boolean answered = ClusterDriver.awaitUntil(wait, () -> {
        attempts.incrementAndGet();
        return publisherNode.post(path, payload).ok();
      });
      synchronized (sent) {
        sent.add(new PubSubChecker.Sent(publisher, seq, topic, key, payload, answered));
      }
    }
  }

  /** How many publish requests were sent so far, retries included. */
  public int attempts() {
    return attempts.get();
  }

  /**
   * Pulls, acknowledging what it got on the next pull, until the subscriber has as many messages
   * as were published or {@code wait} passes; then acknowledges the last.
   */
  public List<PubSubChecker.Got> pullAll() {
    ClusterDriver.awaitUntil(wait, () -> {
      NodeClient.Response r = subscriberNode.get(base + "/subscriptions/" + subscriber
          + "/messages?max=100&timeout=500&ack=" + acked);
      if (r.ok()) {
        for (JsonNode m : r.body().get("messages")) {
          if (m.get("n").asLong() == acked + 1) {
            got.add(new PubSubChecker.Got(m.get("publisher").asText(), m.get("seq").asLong(), topic,
                m.get("key").asText(), m.get("payload").asText()));
            acked++;
          }
        }
      }
      return got.size() >= sent().size();
    });
    ClusterDriver.awaitUntil(wait, () ->
        subscriberNode.post(base + "/subscriptions/" + subscriber + "/ack?upTo=" + Math.max(1, acked), "").ok());
    return List.copyOf(got);
  }

  public List<PubSubChecker.Sent> sent() {
    synchronized (sent) {
      return List.copyOf(sent);
    }
  }

  /** The checker's verdict on what was published and what the subscriber's application got. */
  public Verdict verdict() {
    return new PubSubChecker().check(new PubSubChecker.Run(sent(),
        List.of(new PubSubChecker.Subscriber(subscriber, topic, Filter.ALL, 0, List.copyOf(got)))));
  }
}
