package dev.parley.testkit.http;

import java.time.Duration;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/** What the workloads' client loops share: their threads, their pauses, and stopping them in bounded time. */
final class Loops {

  /** A client moves to the next node after one operation in this many, on average, so every node serves every kind of client. */
  static final int ROAM = 25;

  private Loops() {}

  /** 1 now and then (see {@link #ROAM}), else 0: what a client adds to its node index after an operation. */
  static int roam(Random random) {
    return random.nextInt(ROAM) == 0 ? 1 : 0;
  }

  static ThreadFactory daemon(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** A pool of exactly {@code threads} daemon threads. */
  static ExecutorService pool(String name, int threads) {
    return Executors.newFixedThreadPool(Math.max(1, threads), daemon(name));
  }

  /** Pauses a client between operations (pacing, not synchronisation); false if interrupted. */
  static boolean pause(Duration d) {
    if (d.isZero() || d.isNegative()) {
      return true;
    }
    try {
      Thread.sleep(d.toMillis());
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  static boolean pause(long millis) {
    return pause(Duration.ofMillis(millis));
  }

  /** Whether a client loop should go on: the workload runs and the thread is not interrupted. */
  static boolean going(AtomicBoolean running) {
    return running.get() && !Thread.currentThread().isInterrupted();
  }

  /**
   * Lets {@code pool}'s loops finish within {@code max}, then interrupts what is left and waits one
   * second more; true if every loop ended.
   */
  static boolean finish(ExecutorService pool, Duration max) {
    pool.shutdown();
    try {
      if (pool.awaitTermination(max.toMillis(), TimeUnit.MILLISECONDS)) {
        return true;
      }
      pool.shutdownNow();
      return pool.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      pool.shutdownNow();
      return false;
    }
  }

  /** Asks {@code condition} every 100 ms until it holds or {@code max} passes; whether it held. */
  static boolean until(Duration max, BooleanSupplier condition) {
    long deadline = System.nanoTime() + max.toNanos();
    while (true) {
      if (condition.getAsBoolean()) {
        return true;
      }
      if (System.nanoTime() > deadline || !pause(100)) {
        return false;
      }
    }
  }
}
