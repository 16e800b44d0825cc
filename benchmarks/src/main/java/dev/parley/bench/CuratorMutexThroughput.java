package dev.parley.bench;

import dev.parley.testkit.report.LatencySamples;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.TestingCluster;

/**
 * The peer a user would otherwise pick: Apache Curator's {@code InterProcessMutex} (the ZooKeeper
 * lock recipe: an ephemeral sequential node per acquire, a watch on the node before it) on an
 * in-process ZooKeeper ensemble of 3 ({@code curator-test}'s {@code TestingCluster}), with N
 * clients each on its own thread doing acquire-release cycles.
 */
final class CuratorMutexThroughput implements AutoCloseable {

  /** Shared by the client threads of one run: whether to go on, and whether to count. */
  private static final class Window {
    volatile boolean running = true;
    volatile boolean measuring;
    final LongAdder entries = new LongAdder();
    volatile LatencySamples latency;
  }

  private final TestingCluster cluster;

  CuratorMutexThroughput() {
    cluster = new TestingCluster(3);
    try {
      cluster.start();
    } catch (Exception e) {
      throw new IllegalStateException("the in-process ZooKeeper ensemble did not start: " + e, e);
    }
  }

  LockFigures run(int clients, Duration warmup, Duration measure) throws Exception {
    String path = "/parley-bench/lock-" + clients;
    List<CuratorFramework> connections = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    Window window = new Window();
    try {
      for (int i = 0; i < clients; i++) {
        CuratorFramework client = CuratorFrameworkFactory.newClient(
            cluster.getConnectString(), new ExponentialBackoffRetry(100, 3));
        client.start();
        if (!client.blockUntilConnected(30, TimeUnit.SECONDS)) {
          throw new IllegalStateException("a Curator client did not connect to the ensemble");
        }
        connections.add(client);
        InterProcessMutex mutex = new InterProcessMutex(client, path);
        threads.add(new Thread(() -> cycle(mutex, window), "curator-client-" + i));
      }
      threads.forEach(Thread::start);
      Thread.sleep(warmup.toMillis());
      long start = System.nanoTime();
      window.latency = new LatencySamples(start);
      window.measuring = true;
      Thread.sleep(measure.toMillis());
      window.measuring = false;
      double seconds = (System.nanoTime() - start) / 1e9;
      window.running = false;
      for (Thread t : threads) {
        t.join(TimeUnit.SECONDS.toMillis(30));
      }
      return new LockFigures(window.entries.sum(), seconds, window.latency);
    } finally {
      connections.forEach(CuratorFramework::close);
    }
  }

  private static void cycle(InterProcessMutex mutex, Window window) {
    try {
      while (window.running) {
        long asked = System.nanoTime();
        mutex.acquire();
        long granted = System.nanoTime();
        mutex.release();
        if (window.measuring) {
          window.latency.record(asked, granted);
          window.entries.increment();
        }
      }
    } catch (Exception e) {
      throw new IllegalStateException("a Curator lock cycle failed: " + e, e);
    }
  }

  @Override
  public void close() throws Exception {
    cluster.close();
  }
}
