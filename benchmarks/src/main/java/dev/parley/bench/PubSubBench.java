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
import dev.parley.protocols.pubsub.BrokerFront;
import dev.parley.protocols.pubsub.TopicBroker;
import dev.parley.protocols.pubsub.TopicBroker.Filter;
import dev.parley.testkit.report.LatencySamples;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Publish to deliver, in one JVM and one actor system: Parley's {@link TopicBroker} behind its
 * {@link BrokerFront}, with live subscriptions (at most once, nothing journaled for them) and with
 * durable ones (push delivery, cumulative acknowledgements), its publishes journaled by Parley's
 * file journal (forced; each write carries what arrived during the one before) and acknowledged to
 * the publisher, beside Akka's own {@code akka.actor.typed.pubsub.Topic} (in memory, at most once, no
 * acknowledgements), with one publisher and 1, 10 and 100 subscribers; then the partitioned log's
 * appends ({@link LogBench}) on the same journal. The publisher sends batches of messages stamped
 * with the time they were sent, pipelined alike for every system: a batch goes once every subscriber
 * has every message of all but the last {@code --in-flight - 1} batches. Throughput is deliveries
 * per second; latency is from publish to delivery to the subscriber actor. Each durable subscriber
 * checks that it gets the publisher's messages in the order they were published (per-publisher
 * order, which the broker promises); a run that breaks it fails.
 */
@Command(name = "pubsub", mixinStandardHelpOptions = true,
    description = "Publish/subscribe: deliveries per second and publish-to-deliver latency of Akka's Topic, Parley's"
        + " TopicBroker with live (at most once) and durable (acknowledged, file journal, forced) subscriptions,"
        + " with 1 publisher and 1, 10, 100 subscribers; and the partitioned log's append throughput.")
final class PubSubBench implements Runnable {

  @Option(names = "--subscribers", split = ",", description = "numbers of subscribers (default ${DEFAULT-VALUE})")
  List<Integer> subscribers = List.of(1, 10, 100);

  @Option(names = "--batch", description = "messages per batch (default ${DEFAULT-VALUE})")
  int batch = 100;

  @Option(names = "--deliveries", description = "deliveries measured per configuration, at least five times"
      + " --in-flight batches (default ${DEFAULT-VALUE})")
  long deliveries = 100_000;

  @Option(names = "--in-flight", description = "batches the publisher may have out at once, for every system alike"
      + " (default ${DEFAULT-VALUE}; 1: the next batch once every subscriber has the last)")
  int inFlight = 100;

  @Option(names = "--window", description = "the broker's push window: unacknowledged messages per durable"
      + " subscriber (default ${DEFAULT-VALUE})")
  int window = TopicBroker.Settings.DEFAULT.window();

  @Option(names = "--warmup-batches", description = "batches before measuring, at least --in-flight"
      + " (default ${DEFAULT-VALUE})")
  int warmupBatches = 10;

  @Option(names = "--log-ms", description = "measured window of the partitioned log's appends, 0 to skip"
      + " (default ${DEFAULT-VALUE})")
  long logMillis = 4_000;

  @Mixin
  LatencyCharts charts = new LatencyCharts();

  /** The systems compared, in the order of the table's rows. */
  enum Contender {
    TOPIC("Akka Topic (in memory, at most once)"),
    LIVE("Parley TopicBroker, live (at most once, nothing written)"),
    LIVE_WRITTEN("Parley TopicBroker, live subscriptions of written publishes"),
    DURABLE("Parley TopicBroker, durable (file journal, forced, acknowledged)");

    final String label;

    Contender(String label) {
      this.label = label;
    }
  }

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

  /** Counts deliveries, records their latency once measuring, and lets the publisher wait for a count. */
  static final class Sink implements LongConsumer {
    volatile LatencySamples latency;
    volatile boolean measuring;
    private final AtomicLong delivered = new AtomicLong();
    private volatile CountDownLatch reached = new CountDownLatch(0);
    private volatile long target = Long.MAX_VALUE;
    /** Why the run is void (a subscriber saw a broken promise), or null. */
    private volatile String broken;

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
      if (delivered.incrementAndGet() >= target) {
        reached.countDown();
      }
    }

    /** A subscriber saw the system under test break its promise: the run fails with {@code why}. */
    void broken(String why) {
      broken = why;
      reached.countDown();
    }

    /** Waits until {@code count} deliveries in all have been made. */
    void awaitDelivered(long count) {
      if (broken != null) {
        throw new IllegalStateException(broken);
      }
      if (delivered.get() >= count) {
        return;
      }
      CountDownLatch latch = new CountDownLatch(1);
      reached = latch;
      target = count;
      try {
        if (delivered.get() < count && !latch.await(BATCH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
          throw new IllegalStateException("deliveries stalled: " + delivered.get() + " of " + count + " made within "
              + BATCH_TIMEOUT);
        }
        if (broken != null) {
          throw new IllegalStateException(broken);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      } finally {
        target = Long.MAX_VALUE;
      }
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
    if (inFlight < 1 || batch < 1) {
      throw new IllegalArgumentException("--in-flight and --batch must be at least 1, got " + inFlight + " and " + batch);
    }
    Path dir = Scratch.directory("pubsub");
    ActorTestKit kit = ActorTestKit.create("bench-pubsub", Scratch.journal(dir, "file"));
    try {
      Journal.prepare(kit.system());
      System.out.printf("Publish/subscribe: 1 publisher, batches of %d messages, %d batch%s out at once (the next once"
          + " every subscriber has every message of all but the last %d), %,d deliveries measured per row (at least"
          + " five times what is in flight) after %d"
          + " warm-up batches; the broker's publishes are written by Parley's file journal (forced, behind the"
          + " broker's front: each write carries what arrived during the one before), push window %d%n",
          batch, inFlight, inFlight == 1 ? "" : "es", inFlight - 1, deliveries, Math.max(warmupBatches, inFlight),
          window);
      Figures.machine();
      for (Contender system : Contender.values()) {
        measure(kit, system, 10);
      }
      Map<Integer, Map<Contender, Result>> results = new LinkedHashMap<>();
      for (int n : subscribers) {
        Map<Contender, Result> row = new EnumMap<>(Contender.class);
        for (Contender system : Contender.values()) {
          row.put(system, measure(kit, system, n));
        }
        results.put(n, row);
      }
      Figures.row("system", "subscribers", "deliveries per second", "latency p50", "latency p99",
          "throughput vs Akka Topic");
      Figures.row("---", "---", "---", "---", "---", "---");
      for (int n : subscribers) {
        Result topic = results.get(n).get(Contender.TOPIC);
        String title = "Publish to delivery, 1 publisher, " + n + " subscriber" + (n == 1 ? "" : "s")
            + ", batches of " + batch;
        for (Contender system : Contender.values()) {
          Result r = results.get(n).get(system);
          Figures.row(system.label, String.valueOf(n), Figures.perSecond(r.perSecond()), r.p50(), r.p99(),
              system == Contender.TOPIC ? "1" : String.format("%.2f", r.perSecond() / topic.perSecond()));
          charts.add("pubsub-" + n, title, system.label, r.latency());
        }
      }
      charts.write();
    } finally {
      kit.shutdownTestKit();
      Scratch.delete(dir);
    }
    if (logMillis > 0) {
      System.out.println();
      System.out.println("Beside it, the partitioned log's appends on the same journal (Raft on 3 nodes in one JVM):");
      LogBench log = new LogBench();
      log.journal = "file";
      log.reads = false;
      log.measureMillis = logMillis;
      log.warmupMillis = Math.min(log.warmupMillis, logMillis);
      log.run();
    }
  }

  private int runs;

  private Result measure(ActorTestKit kit, Contender system, int n) {
    Sink sink = new Sink();
    try (Target target = system == Contender.TOPIC ? new AkkaTopic(kit, ++runs)
        : new ParleyBroker(kit, ++runs, system, window)) {
      target.subscribe(n, sink);
      long perBatch = (long) batch * n;
      long batches = Math.max(deliveries / perBatch, 5L * inFlight);
      long warmup = Math.max(warmupBatches, inFlight);
      batches(target, sink, 0, warmup, perBatch);
      long start = System.nanoTime();
      sink.measureFrom(start);
      batches(target, sink, warmup, batches, perBatch);
      double seconds = (System.nanoTime() - start) / 1e9;
      return new Result(batches * perBatch / seconds, sink.latency);
    }
  }

  /**
   * Publishes {@code count} batches after the {@code before} already delivered, each once at most
   * {@code inFlight - 1} others are still being delivered, and waits until all are.
   */
  private void batches(Target target, Sink sink, long before, long count, long perBatch) {
    for (long b = 0; b < count; b++) {
      if (b >= inFlight) {
        sink.awaitDelivered((before + b - inFlight + 1) * perBatch);
      }
      for (int i = 0; i < batch; i++) {
        target.publish(System.nanoTime());
      }
    }
    sink.awaitDelivered((before + count) * perBatch);
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

  /**
   * Parley's broker. Durable: {@link TopicBroker.Publish}es, written (forced) before they are
   * delivered; each subscriber takes its pushes in order and acknowledges each push once,
   * cumulatively. Live: at-most-once {@link TopicBroker.PublishLive}s, as Akka's Topic takes them
   * (nothing written or acknowledged); each subscriber takes what it is sent. Live subscriptions of
   * written publishes: {@link TopicBroker.Publish}es, handed to live subscribers as the broker takes
   * them, and written as for durable ones.
   */
  static final class ParleyBroker implements Target {
    private final ActorTestKit kit;
    private final Contender mode;
    private final ActorRef<TopicBroker.Command> broker;
    private final List<ActorRef<TopicBroker.Reply>> spawned = new ArrayList<>();
    private final ActorRef<TopicBroker.Reply> publisher;
    /** Publishes the broker acknowledged (written). */
    final AtomicLong acknowledged = new AtomicLong();
    private long seq;

    ParleyBroker(ActorTestKit kit, int run, Contender mode, int window) {
      this.kit = kit;
      this.mode = mode;
      this.broker = kit.spawn(BrokerFront.create("bench-" + run, Peers.alone(NodeId.of("broker")),
          TopicBroker.Settings.DEFAULT.withWindow(window)), "broker-" + run);
      this.publisher = kit.spawn(Behaviors.receiveMessage(m -> {
        if (m instanceof TopicBroker.PublishAck) {
          acknowledged.incrementAndGet();
        }
        return Behaviors.same();
      }), "publisher-" + run);
    }

    @Override
    public void subscribe(int n, Sink sink) {
      CountDownLatch subscribed = new CountDownLatch(n);
      for (int i = 0; i < n; i++) {
        String id = "s" + i;
        ActorRef<TopicBroker.Reply> s = kit.spawn(subscriber(id, broker, sink, subscribed));
        spawned.add(s);
        broker.tell(mode == Contender.DURABLE ? new TopicBroker.Subscribe(id, "bench", Filter.ALL, true, true, s)
            : new TopicBroker.SubscribeLive(id, "bench", Filter.ALL, s));
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
      long[] lastSeq = {0};
      return Behaviors.receiveMessage(m -> {
        if (m instanceof TopicBroker.Subscribed s) {
          delivered[0] = Math.max(delivered[0], s.acked());
          subscribed.countDown();
        } else if (m instanceof TopicBroker.Pushed p) {
          for (TopicBroker.Deliver d : p.messages()) {
            if (d.n() == delivered[0] + 1) {
              delivered[0] = d.n();
              if (d.message().seq() <= lastSeq[0]) {
                sink.broken("subscriber " + id + " got the publisher's message " + d.message().seq()
                    + " after its message " + lastSeq[0] + ": per-publisher order broken");
              }
              lastSeq[0] = d.message().seq();
              sink.accept(Long.parseLong(d.message().payload()));
            }
          }
          broker.tell(new TopicBroker.Ack(id, delivered[0]));
        } else if (m instanceof TopicBroker.LiveMessages live) {
          for (TopicBroker.Message message : live.messages()) {
            sink.accept(Long.parseLong(message.payload()));
          }
        }
        return Behaviors.same();
      });
    }

    @Override
    public void publish(long sentNanos) {
      String payload = Long.toString(sentNanos);
      broker.tell(mode != Contender.LIVE ? new TopicBroker.Publish("bench", ++seq, "bench", null, payload, publisher)
          : new TopicBroker.PublishLive("bench", ++seq, "bench", null, payload));
    }

    @Override
    public void close() {
      long deadline = System.nanoTime() + BATCH_TIMEOUT.toNanos();
      while (mode != Contender.LIVE && acknowledged.get() < seq && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      if (mode != Contender.LIVE && acknowledged.get() != seq) {
        throw new IllegalStateException("the broker acknowledged " + acknowledged.get() + " of " + seq
            + " publishes within " + BATCH_TIMEOUT);
      }
      spawned.forEach(kit::stop);
      kit.stop(publisher);
      kit.stop(broker);
    }
  }
}
