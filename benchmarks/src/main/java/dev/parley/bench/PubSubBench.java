package dev.parley.bench;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.pubsub.Topic;
import dev.parley.persistence.Journal;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.pubsub.TopicBroker;
import dev.parley.protocols.pubsub.TopicBroker.Filter;
import dev.parley.testkit.report.LatencySamples;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Publish to deliver, in one JVM and one actor system: Parley's {@link TopicBroker} (journaled to H2
 * on disk, group commit, push delivery with per-subscriber acknowledgements) beside Akka's own
 * {@code akka.actor.typed.pubsub.Topic} (in memory, at most once, no acknowledgements), with one
 * publisher and 1, 10 and 100 subscribers. The publisher sends batches of messages stamped with
 * the time they were sent; the next batch goes once every subscriber has every message of the last
 * one. Throughput is deliveries per second; latency is from publish to delivery to the subscriber
 * actor.
 */
@Command(name = "pubsub", mixinStandardHelpOptions = true,
    description = "Publish/subscribe: deliveries per second and publish-to-deliver latency of Parley's"
        + " TopicBroker (H2 journal) beside Akka's Topic, with 1 publisher and 1, 10, 100 subscribers.")
final class PubSubBench implements Runnable {

  @Option(names = "--subscribers", split = ",", description = "numbers of subscribers (default ${DEFAULT-VALUE})")
  List<Integer> subscribers = List.of(1, 10, 100);

  @Option(names = "--batch", description = "messages per batch (default ${DEFAULT-VALUE})")
  int batch = 100;

  @Option(names = "--deliveries", description = "deliveries measured per configuration (default ${DEFAULT-VALUE})")
  long deliveries = 100_000;

  @Option(names = "--warmup-batches", description = "batches before measuring (default ${DEFAULT-VALUE})")
  int warmupBatches = 10;

  @Mixin
  LatencyCharts charts = new LatencyCharts();

  private static final Duration BATCH_TIMEOUT = Duration.ofSeconds(30);

  /** What a run measured. */
  record Result(double perSecond, LatencySamples latency) {
    String p50() {
      return millis(latency.histogram().getValueAtPercentile(50));
    }

    String p99() {
      return millis(latency.histogram().getValueAtPercentile(99));
    }

    private static String millis(long nanos) {
      return String.format("%.2f ms", nanos / 1e6);
    }
  }

  /** Counts deliveries of the current batch and records their latency once measuring. */
  static final class Sink implements LongConsumer {
    volatile LatencySamples latency;
    volatile CountDownLatch batch = new CountDownLatch(0);
    volatile boolean measuring;

    /** From now on, each delivery's latency counts. */
    void measureFrom(long startNanos) {
      latency = new LatencySamples(startNanos);
      measuring = true;
    }

    @Override
    public void accept(long sentNanos) {
      if (measuring) {
        latency.record(sentNanos, System.nanoTime());
      }
      batch.countDown();
    }
  }

  /** How one system under test is driven: subscribe {@code n} subscribers, then publish. */
  interface Target extends AutoCloseable {
    void subscribe(int n, Sink sink);

    void publish(long sentNanos);

    @Override
    void close();
  }

  @Override
  public void run() {
    Path dir = Scratch.directory("pubsub");
    ActorTestKit kit = ActorTestKit.create("bench-pubsub", Scratch.h2Journal(dir));
    try {
      Journal.prepare(kit.system());
      System.out.printf("Publish/subscribe: 1 publisher, batches of %d messages (the next once every subscriber"
          + " has the last), %,d deliveries measured per row after %d warm-up batches%n", batch, deliveries,
          warmupBatches);
      Figures.machine();
      measure(kit, "akka", 10);
      measure(kit, "parley", 10);
      Map<Integer, Result> topic = new LinkedHashMap<>();
      Map<Integer, Result> broker = new LinkedHashMap<>();
      for (int n : subscribers) {
        topic.put(n, measure(kit, "akka", n));
        broker.put(n, measure(kit, "parley", n));
      }
      Figures.row("system", "subscribers", "deliveries per second", "latency p50", "latency p99",
          "throughput vs Akka Topic");
      Figures.row("---", "---", "---", "---", "---", "---");
      for (int n : subscribers) {
        Result a = topic.get(n);
        Result p = broker.get(n);
        Figures.row("Akka Topic (in memory, at most once)", String.valueOf(n), Figures.perSecond(a.perSecond()),
            a.p50(), a.p99(), "1");
        Figures.row("Parley TopicBroker (H2 journal, acknowledged)", String.valueOf(n),
            Figures.perSecond(p.perSecond()), p.p50(), p.p99(), String.format("%.3f", p.perSecond() / a.perSecond()));
        String title = "Publish to delivery, 1 publisher, " + n + " subscriber" + (n == 1 ? "" : "s")
            + ", batches of " + batch;
        charts.add("pubsub-" + n, title, "Akka Topic (in memory, at most once)", a.latency());
        charts.add("pubsub-" + n, title, "Parley TopicBroker (H2 journal, acknowledged)", p.latency());
      }
      charts.write();
    } finally {
      kit.shutdownTestKit();
      Scratch.delete(dir);
    }
  }

  private int runs;

  private Result measure(ActorTestKit kit, String system, int n) {
    Sink sink = new Sink();
    try (Target target = system.equals("akka") ? new AkkaTopic(kit, ++runs) : new ParleyBroker(kit, ++runs)) {
      target.subscribe(n, sink);
      long batches = Math.max(1, deliveries / ((long) batch * n));
      for (int b = 0; b < warmupBatches; b++) {
        oneBatch(target, sink, n);
      }
      long start = System.nanoTime();
      sink.measureFrom(start);
      for (long b = 0; b < batches; b++) {
        oneBatch(target, sink, n);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      return new Result(batches * batch * n / seconds, sink.latency);
    }
  }

  private void oneBatch(Target target, Sink sink, int n) {
    CountDownLatch done = new CountDownLatch(batch * n);
    sink.batch = done;
    for (int i = 0; i < batch; i++) {
      target.publish(System.nanoTime());
    }
    try {
      if (!done.await(BATCH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("a batch was not delivered to every subscriber within " + BATCH_TIMEOUT
            + " (" + done.getCount() + " deliveries missing)");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Akka's Topic: subscribers registered through the receptionist, messages told to each. */
  static final class AkkaTopic implements Target {
    private final ActorTestKit kit;
    private final ActorRef<Topic.Command<Long>> topic;
    private final List<ActorRef<Long>> spawned = new ArrayList<>();

    AkkaTopic(ActorTestKit kit, int run) {
      this.kit = kit;
      this.topic = kit.spawn(Topic.create(Long.class, "bench-" + run), "topic-" + run);
    }

    @Override
    public void subscribe(int n, Sink sink) {
      for (int i = 0; i < n; i++) {
        ActorRef<Long> s = kit.spawn(Behaviors.receiveMessage(sent -> {
          sink.accept(sent);
          return Behaviors.same();
        }));
        spawned.add(s);
        topic.tell(Topic.subscribe(s));
      }
      TestProbe<Topic.TopicStats> stats = kit.createTestProbe();
      stats.awaitAssert(Duration.ofSeconds(10), () -> {
        topic.tell(Topic.getTopicStats(stats.getRef()));
        if (stats.receiveMessage().localSubscriberCount() != n) {
          throw new AssertionError("subscribers not registered yet");
        }
        return null;
      });
    }

    @Override
    public void publish(long sentNanos) {
      topic.tell(Topic.publish(sentNanos));
    }

    @Override
    public void close() {
      spawned.forEach(kit::stop);
      kit.stop(topic);
    }
  }

  /** Parley's broker: each subscriber acknowledges every message it takes, in order. */
  static final class ParleyBroker implements Target {
    private final ActorTestKit kit;
    private final ActorRef<TopicBroker.Command> broker;
    private final List<ActorRef<TopicBroker.Reply>> spawned = new ArrayList<>();

    ParleyBroker(ActorTestKit kit, int run) {
      this.kit = kit;
      this.broker = kit.spawn(TopicBroker.create("bench-" + run, Peers.alone(NodeId.of("broker")),
          TopicBroker.Settings.DEFAULT), "broker-" + run);
    }

    @Override
    public void subscribe(int n, Sink sink) {
      CountDownLatch subscribed = new CountDownLatch(n);
      for (int i = 0; i < n; i++) {
        String id = "s" + i;
        ActorRef<TopicBroker.Reply> s = kit.spawn(subscriber(id, broker, sink, subscribed));
        spawned.add(s);
        broker.tell(new TopicBroker.Subscribe(id, "bench", Filter.ALL, false, true, s));
      }
      try {
        if (!subscribed.await(10, TimeUnit.SECONDS)) {
          throw new IllegalStateException("the broker did not confirm every subscription within 10 s");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }

    private static Behavior<TopicBroker.Reply> subscriber(String id, ActorRef<TopicBroker.Command> broker, Sink sink,
        CountDownLatch subscribed) {
      long[] delivered = {0};
      return Behaviors.receiveMessage(m -> {
        if (m instanceof TopicBroker.Subscribed s) {
          delivered[0] = Math.max(delivered[0], s.acked());
          subscribed.countDown();
        } else if (m instanceof TopicBroker.Deliver d) {
          if (d.n() == delivered[0] + 1) {
            delivered[0] = d.n();
            sink.accept(Long.parseLong(d.message().payload()));
          }
          broker.tell(new TopicBroker.Ack(id, delivered[0]));
        }
        return Behaviors.same();
      });
    }

    @Override
    public void publish(long sentNanos) {
      broker.tell(new TopicBroker.Publish("bench", 0, "bench", null, Long.toString(sentNanos), null));
    }

    @Override
    public void close() {
      spawned.forEach(kit::stop);
      kit.stop(broker);
    }
  }
}
