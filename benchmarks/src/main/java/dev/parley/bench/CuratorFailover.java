package dev.parley.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.retry.RetryForever;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;

/**
 * Apache Curator's {@code LeaderLatch} failing over: three clients, each behind its own loopback
 * proxy to one server of an in-process ZooKeeper ensemble of 3 ({@code curator-test}). Killing the
 * leader's client cuts its proxy dead; its ephemeral latch node goes only when the ensemble expires
 * its session, after which the next client in line is told it leads. A fresh client then joins.
 */
final class CuratorFailover {

  static final int SESSION_TIMEOUT_MS = 3000;
  static final int TICK_MS = 500;
  static final String SETTING = "ZooKeeper ensemble of 3 (curator-test), session timeout "
      + SESSION_TIMEOUT_MS + " ms, tick " + TICK_MS + " ms, connection timeout 1 s";

  private CuratorFailover() {}

  /** One latch participant: its proxy, client and latch. */
  private record Participant(int id, TcpProxy proxy, CuratorFramework client, LeaderLatch latch) {}

  /** Which participant last became leader, and when. */
  private static final class Leadership {
    private int leader = -1;
    private long since;

    synchronized void isLeader(int id) {
      leader = id;
      since = System.nanoTime();
      notifyAll();
    }

    synchronized int leader() {
      return leader;
    }

    synchronized long awaitOtherThan(int old, Duration timeout) throws InterruptedException, TimeoutException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (leader == old || leader < 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new TimeoutException("no new LeaderLatch leader within " + timeout);
        }
        wait(Math.max(1, left / 1_000_000));
      }
      return since;
    }
  }

  static FailoverTimes measure(int runs) throws Exception {
    FailoverTimes times = new FailoverTimes("Curator LeaderLatch", SETTING, 3);
    List<InstanceSpec> specs = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      specs.add(new InstanceSpec(null, -1, -1, -1, true, i, TICK_MS, -1));
    }
    Leadership leadership = new Leadership();
    List<Participant> participants = new ArrayList<>();
    try (TestingCluster ensemble = new TestingCluster(specs)) {
      ensemble.start();
      int next = 0;
      for (; next < 3; next++) {
        participants.add(join(next, specs.get(next % 3).getPort(), leadership));
      }
      leadership.awaitOtherThan(-1, Duration.ofSeconds(30));
      for (int run = 0; run <= runs; run++) {
        int old = leadership.leader();
        Participant dead = participants.stream().filter(p -> p.id() == old).findFirst().orElseThrow();
        long start = System.nanoTime();
        dead.proxy().kill();
        long moved = leadership.awaitOtherThan(old, Duration.ofSeconds(60));
        if (run > 0) {
          times.add(moved - start);
        }
        participants.remove(dead);
        closeInBackground(dead);
        participants.add(join(next, specs.get(next % 3).getPort(), leadership));
        next++;
        awaitParticipants(participants.get(0).latch(), 3);
      }
    } finally {
      participants.forEach(CuratorFailover::closeInBackground);
    }
    return times;
  }

  private static Participant join(int id, int serverPort, Leadership leadership) throws Exception {
    TcpProxy proxy = new TcpProxy(serverPort);
    CuratorFramework client = CuratorFrameworkFactory.builder()
        .connectString("127.0.0.1:" + proxy.port())
        .sessionTimeoutMs(SESSION_TIMEOUT_MS)
        .connectionTimeoutMs(1000)
        .retryPolicy(new RetryForever(100))
        .ensembleTracker(false) // else the client learns the servers' own addresses and bypasses its proxy
        .build();
    client.start();
    if (!client.blockUntilConnected(30, TimeUnit.SECONDS)) {
      throw new TimeoutException("a Curator client did not connect to ZooKeeper through port " + proxy.port());
    }
    LeaderLatch latch = new LeaderLatch(client, "/parley/failover", "c" + id);
    latch.addListener(new LeaderLatchListener() {
      @Override
      public void isLeader() {
        leadership.isLeader(id);
      }

      @Override
      public void notLeader() {}
    });
    latch.start();
    return new Participant(id, proxy, client, latch);
  }

  private static void awaitParticipants(LeaderLatch latch, int count) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (latch.getParticipants().size() != count) {
      if (System.nanoTime() > deadline) {
        throw new TimeoutException("the latch did not see " + count + " participants");
      }
      Thread.sleep(20);
    }
  }

  /** Closing a client whose connection is dead waits for timeouts: do it off the measuring thread. */
  private static void closeInBackground(Participant p) {
    Thread t = new Thread(() -> {
      try {
        p.latch().close(LeaderLatch.CloseMode.SILENT);
      } catch (Exception e) {
        // a dead client cannot remove its node; the ensemble expires its session instead
      }
      p.client().close();
      p.proxy().close();
    }, "close-curator-" + p.id());
    t.setDaemon(true);
    t.start();
  }
}
