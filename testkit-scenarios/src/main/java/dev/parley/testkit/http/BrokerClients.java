package dev.parley.testkit.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.protocols.history.History;
import dev.parley.protocols.history.HistoryRecorder;
import dev.parley.protocols.pubsub.TopicBroker.Filter;
import dev.parley.testkit.checker.PubSubChecker;
import dev.parley.testkit.checker.Verdict;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Publishers and a durable pull subscriber of a topic broker over HTTP ({@code POST
 * /pubsub/{broker}/topics/{topic}?key=K&publisher=P&seq=N}, {@code GET
 * .../subscriptions/{s}/messages?ack=N}), judged by the {@link PubSubChecker}.
 *
 * <p>Model: the subscriber subscribes durably to the topic before anything is published, then
 * pulls (at a node other than the broker's, which forwards) and acknowledges what it took on its
 * next pull, taking message n only after n-1. <b>Publishers</b> number their messages 1, 2, ...
 * (payload {@code P-N}: a retry carries the same one) and retry a publish of unknown outcome with
 * the same seq, at the next node, until it is acknowledged: exactly once, in order. A
 * <b>hostile</b> publisher does the same, and after some acknowledged seq N sends N again with
 * another payload (expected: 409 {@code id-reused}) or skips to N+2 (expected: 409 with {@code
 * expected} N+1); either, if acknowledged, is entered in the run as published, so the checker
 * finds the subscriber's message N, or the gap, disagreeing with it. When the workload stops, the
 * subscriber pulls until it has every acknowledged message or its time is up.
 *
 * <p>Checked: the {@link PubSubChecker} (every acknowledged message received once, as published,
 * in each publisher's order) and the HTTP contract (200 to a publish in order, {@code
 * "duplicate":true} only to a seq acknowledged before, 409 to a reused seq or a gap). Cost: one
 * request per publish attempt and per pull; the checker is linear.
 */
public final class BrokerClients extends ClientWorkload {

  /**
   * @param broker the broker's instance name ({@code --protocol pubsub=topic-broker}: {@code pubsub})
   * @param topic the topic published to; it should be used by these clients only
   * @param subscribeAt the node (index, 0 is n1) where the subscriber subscribes and pulls
   * @param timeout how long a publish may take before it is retried
   * @param drain how long the subscriber pulls after publishing stopped
   * @param pause between a publisher's messages
   */
  public record Settings(String broker, String topic, int publishers, int hostile, int subscribeAt,
      Duration timeout, Duration drain, Duration pause) {

    /** Two publishers and a hostile one on topic {@code orders}, the subscriber at n2. */
    public static Settings of(String broker) {
      return new Settings(broker, "orders", 2, 1, 1, Duration.ofSeconds(6), Duration.ofSeconds(25),
          Duration.ofMillis(30));
    }
  }

  private final Settings settings;
  private final AtomicBoolean pulling = new AtomicBoolean();
  /** What was sent, by publisher and seq, in the order first sent. */
  private final Map<String, PubSubChecker.Sent> sent = new LinkedHashMap<>();
  private final List<PubSubChecker.Sent> forged = new ArrayList<>();
  private final List<PubSubChecker.Got> got = new ArrayList<>();
  private final String subscriber;
  private volatile boolean subscribed;
  private ExecutorService puller;

  public BrokerClients(Settings settings) {
    super("broker " + settings.broker());
    this.settings = settings;
    this.subscriber = "sub-" + settings.topic();
  }

  public BrokerClients(String broker) {
    this(Settings.of(broker));
  }

  @Override
  protected void beforeClients() {
    pulling.set(true);
    subscribed = Loops.until(Duration.ofSeconds(30), this::subscribe);
    puller = Loops.pool("broker-subscriber", 1);
    puller.submit(this::pullLoop);
  }

  @Override
  protected Plan clients() {
    return new Plan()
        .add("pub", settings.publishers(), (publisher, random, home) -> publishLoop(publisher, false, random, home))
        .add("evil", settings.hostile(), (publisher, random, home) -> publishLoop(publisher, true, random, home));
  }

  @Override
  protected WorkloadResult judge(Duration max) {
    Loops.until(settings.drain(), this::hasEveryAcknowledged);
    pulling.set(false);
    Loops.finish(puller, settings.timeout().plusSeconds(2));
    if (!subscribed) {
      seen.breach("no answer to the subscription within 30 s", subscriber);
    }
    History h = history.history();
    PubSubChecker.Run run;
    synchronized (this) {
      List<PubSubChecker.Sent> published = new ArrayList<>(sent.values());
      published.addAll(forged);
      run = new PubSubChecker.Run(published,
          List.of(new PubSubChecker.Subscriber(subscriber, settings.topic(), Filter.ALL, 0, got)));
    }
    List<Verdict> verdicts = List.of(new PubSubChecker().check(run), seen.contract());
    return new WorkloadResult(name(), Summary.of(name(), h, seen), verdicts, h);
  }

  // ---------------------------------------------------------------- subscriber

  private boolean subscribe() {
    Answer a = seen.count(nodes.send(nodes.request(settings.subscribeAt(), base() + "/subscriptions/" + subscriber,
        settings.timeout()).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
        "{\"topic\":\"" + settings.topic() + "\",\"durable\":true}")).build()));
    return a.is(200);
  }

  private void pullLoop() {
    long acked = 0;
    while (pulling.get() && !Thread.currentThread().isInterrupted()) {
      String path = base() + "/subscriptions/" + subscriber + "/messages?max=50&timeout=500&ack=" + acked;
      HistoryRecorder.Handle h = history.invoke(subscriber, "pull", settings.topic(), acked);
      Answer a = seen.count(nodes.send(nodes.request(settings.subscribeAt(), path, settings.timeout()).GET().build()));
      JsonNode messages = a.body() == null ? null : a.body().get("messages");
      if (!a.is(200) || messages == null || !messages.isArray()) {
        if (a.is(200) || a.answered() && a.status() / 100 == 4) {
          seen.breach(a.label() + " to a pull of a durable subscription", a.show());
        }
        history.fail(h, a.label());
        Loops.pause(200);
        continue;
      }
      long taken = 0;
      for (JsonNode m : messages) {
        if (m.get("n").asLong() == acked + 1) {
          take(new PubSubChecker.Got(m.get("publisher").asText(), m.get("seq").asLong(), m.get("topic").asText(),
              text(m.get("key")), text(m.get("payload"))));
          acked++;
          taken++;
        }
      }
      history.ok(h, taken);
      ok.incrementAndGet();
    }
  }

  private static String text(JsonNode v) {
    return v == null || v.isNull() ? null : v.asText();
  }

  private synchronized void take(PubSubChecker.Got g) {
    got.add(g);
  }

  private synchronized boolean hasEveryAcknowledged() {
    long owed = sent.values().stream().filter(PubSubChecker.Sent::acknowledged).count();
    return got.size() >= owed;
  }

  // ---------------------------------------------------------------- publishers

  private void publishLoop(String publisher, boolean hostile, Random random, int home) {
    int[] at = {home};
    long seq = 1;
    while (Loops.going(running)) {
      String key = "k" + random.nextInt(4);
      Long next = publish(publisher, seq, key, publisher + "-" + seq, at);
      if (next == null) {
        return; // stopped with seq unanswered
      }
      if (hostile && next == seq + 1 && random.nextDouble() < 0.3) {
        if (random.nextBoolean()) {
          forge(publisher, seq, key, publisher + "-" + seq + "-forged", "a reused seq", at[0]);
        } else {
          forge(publisher, seq + 2, key, publisher + "-" + (seq + 2) + "-gap", "a gap", at[0]);
        }
      }
      seq = next;
      at[0] += Loops.roam(random);
      Loops.pause(settings.pause());
    }
  }

  /**
   * Publishes seq {@code seq} until acknowledged, at the next node after any other answer; the seq
   * to publish next (the broker's {@code expected} if it refuses a gap), or null if the workload
   * stopped first.
   */
  private Long publish(String publisher, long seq, String key, String payload, int[] at) {
    PubSubChecker.Sent s = new PubSubChecker.Sent(publisher, seq, settings.topic(), key, payload, false);
    synchronized (this) {
      sent.putIfAbsent(publisher + "#" + seq, s);
    }
    HistoryRecorder.Handle h = history.invoke(publisher, "publish", key, payload);
    boolean uncertain = false;
    while (true) {
      Answer a = seen.count(nodes.send(publishRequest(at[0], publisher, seq, key, payload)));
      if (a.is(200)) {
        if (a.has("duplicate") && !uncertain) {
          seen.breach("200 duplicate to the first attempt of a seq", publisher + "#" + seq + ": " + a.show());
        }
        synchronized (this) {
          sent.put(publisher + "#" + seq, new PubSubChecker.Sent(publisher, seq, settings.topic(), key, payload, true));
        }
        history.ok(h, seq);
        ok.incrementAndGet();
        return seq + 1;
      }
      if (a.is(409) && a.has("expected")) {
        long expected = a.body().get("expected").asLong();
        seen.breach("409 expected " + expected + " to a publisher sending in order", publisher + "#" + seq + ": "
            + a.show());
        if (uncertain) {
          history.info(h, a.label());
        } else {
          history.fail(h, a.label());
        }
        return expected;
      }
      if (a.answered() && a.status() / 100 == 4) {
        seen.breach(a.label() + " to a publish in order", publisher + "#" + seq + ": " + a.show());
      } else if (a.answered() && a.status() != 503 && a.status() != 504) {
        seen.breach(a.status() + " to a publish", publisher + "#" + seq + ": " + a.show());
      }
      uncertain |= a.failure() != Answer.Failure.REFUSED && !a.doesNotServe()
          && !(a.answered() && a.status() / 100 == 4);
      at[0]++;
      if (!Loops.going(running) || !Loops.pause(200)) {
        if (uncertain) {
          history.info(h, "stopped: " + a.label());
        } else {
          history.fail(h, "stopped: " + a.label());
        }
        return null;
      }
    }
  }

  /** A publish the contract refuses with 409 ({@code what}: a reused seq or a gap); entered as published if acknowledged. */
  private void forge(String publisher, long seq, String key, String payload, String what, int at) {
    HistoryRecorder.Handle h = history.invoke(publisher, "publish", key, payload);
    Answer a = seen.count(nodes.send(publishRequest(at, publisher, seq, key, payload)));
    if (a.is(200)) {
      seen.breach("200 to " + what, publisher + "#" + seq + " " + payload + ": " + a.show());
      synchronized (this) {
        forged.add(new PubSubChecker.Sent(publisher, seq, settings.topic(), key, payload, true));
      }
      history.ok(h, seq);
      return;
    }
    if (a.answered() && !a.is(409) && !a.is(503) && !a.is(504)) {
      seen.breach(a.status() + " to " + what, publisher + "#" + seq + " " + payload + ": " + a.show());
    }
    history.fail(h, a.label());
  }

  private HttpRequest publishRequest(int at, String publisher, long seq, String key, String payload) {
    return nodes.request(at, base() + "/topics/" + HttpNodes.enc(settings.topic()) + "?key=" + HttpNodes.enc(key)
        + "&publisher=" + HttpNodes.enc(publisher) + "&seq=" + seq, settings.timeout())
        .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString(payload)).build();
  }

  private String base() {
    return "/pubsub/" + HttpNodes.enc(settings.broker());
  }
}
