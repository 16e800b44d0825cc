package dev.parley.bench;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import dev.parley.protocols.mutex.Granted;
import dev.parley.protocols.mutex.MutexProtocol;
import dev.parley.protocols.mutex.MutexUpcall;
import dev.parley.protocols.mutex.Released;
import dev.parley.testkit.group.LocalGroup;
import dev.parley.testkit.report.LatencySamples;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * One algorithm in a group of real actors in this JVM, over fault-injecting links with no faults:
 * every contender acquires, releases as soon as it is granted and acquires again at once, for a
 * warm-up and then a measured window.
 */
final class MutexThroughput {

  private static final AtomicInteger RUNS = new AtomicInteger();

  private MutexThroughput() {}

  /** Shared by the contenders of one run: whether to go on, whether to count, and the counts. */
  private static final class Window {
    volatile boolean running = true;
    volatile boolean measuring;
    final LongAdder entries = new LongAdder();
    volatile LatencySamples latency;
  }

  static LockFigures run(ActorTestKit kit, MutexAlgorithm algorithm, int n, Duration warmup, Duration measure) {
    Window window = new Window();
    String lock = "bench-" + algorithm.name().toLowerCase() + "-" + n + "-" + RUNS.incrementAndGet();
    try (LocalGroup<Object> group = new LocalGroup.Builder(kit, algorithm.nodes(n), 1, g -> {})
        .start((peers, env, upcalls) -> Behaviors.setup(ctx -> {
          ActorRef<MutexUpcall> listener = upcalls.narrow();
          if (MutexAlgorithm.contenders(n).contains(peers.self())) {
            listener = ctx.spawn(contender(ctx.getSelf(), algorithm.mutex(), window), "contender");
          }
          return algorithm.create(peers, env, listener, lock);
        }))) {
      sleep(warmup);
      long start = System.nanoTime();
      window.latency = new LatencySamples(start);
      window.measuring = true;
      sleep(measure);
      window.measuring = false;
      double seconds = (System.nanoTime() - start) / 1e9;
      window.running = false;
      return new LockFigures(window.entries.sum(), seconds, window.latency);
    }
  }

  /** Acquires, releases at once when granted, and acquires again, while the window runs. */
  private static Behavior<MutexUpcall> contender(ActorRef<Object> node, MutexProtocol<?> mutex, Window window) {
    return Behaviors.setup(ctx -> {
      long[] asked = {System.nanoTime()};
      node.tell(mutex.acquire());
      return Behaviors.receive(MutexUpcall.class)
          .onMessage(Granted.class, g -> {
            if (window.measuring) {
              window.latency.record(asked[0], System.nanoTime());
            }
            node.tell(mutex.release());
            return Behaviors.same();
          })
          .onMessage(Released.class, r -> {
            if (window.measuring) {
              window.entries.increment();
            }
            if (window.running) {
              asked[0] = System.nanoTime();
              node.tell(mutex.acquire());
            }
            return Behaviors.same();
          })
          .onAnyMessage(m -> Behaviors.same())
          .build();
    });
  }

  /** The harness thread waits out a timed window; the actors run meanwhile. */
  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while measuring", e);
    }
  }
}
