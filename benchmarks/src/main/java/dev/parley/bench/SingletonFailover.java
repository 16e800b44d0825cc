package dev.parley.bench;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.typed.ClusterSingleton;
import akka.cluster.typed.SingletonActor;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * Akka's Cluster Singleton failing over on 3 cluster nodes of this JVM: the node hosting the
 * singleton is killed without leaving; the time runs until the singleton has started on another
 * node (the failure detector marks the node unreachable, the split-brain resolver downs it, the
 * oldest survivor takes the singleton over). A replacement node then joins on the same port.
 */
final class SingletonFailover {

  private SingletonFailover() {}

  /** Where the singleton last started, and when. */
  private static final class Host {
    private int node = -1;
    private long since;

    synchronized void started(int i) {
      node = i;
      since = System.nanoTime();
      notifyAll();
    }

    synchronized int node() {
      return node;
    }

    synchronized long awaitElsewhere(int old, Duration timeout) throws InterruptedException, TimeoutException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (node == old || node < 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new TimeoutException("the singleton did not move off node " + old + " within " + timeout);
        }
        wait(Math.max(1, left / 1_000_000));
      }
      return since;
    }
  }

  static FailoverTimes measure(boolean tight, int runs) throws Exception {
    String setting = tight ? ClusterNodes.TIGHT_TEXT : ClusterNodes.DEFAULT_TEXT;
    FailoverTimes times = new FailoverTimes("Akka Cluster Singleton" + (tight ? ", tightened" : ", default"),
        setting, 3);
    Host host = new Host();
    try (ClusterNodes c = new ClusterNodes("singleton", 3,
        i -> ConfigFactory.parseString(tight ? ClusterNodes.TIGHT : ""), i -> guardian(i, host))) {
      c.startAll();
      c.awaitAllUp(Duration.ofSeconds(60));
      host.awaitElsewhere(-1, Duration.ofSeconds(30));
      for (int run = 0; run <= runs; run++) {
        int old = host.node();
        long start = System.nanoTime();
        ActorSystem<?> killed = c.kill(old);
        long moved = host.awaitElsewhere(old, Duration.ofSeconds(120));
        if (run > 0) {
          times.add(moved - start);
        }
        c.awaitTerminated(killed);
        c.start(old, (old + 1) % 3);
        c.awaitAllUp(Duration.ofSeconds(120));
      }
    }
    return times;
  }

  private static Behavior<Void> guardian(int i, Host host) {
    return Behaviors.setup(ctx -> {
      ClusterSingleton.get(ctx.getSystem()).init(SingletonActor.of(singleton(i, host), "leader"));
      return Behaviors.empty();
    });
  }

  private static Behavior<Object> singleton(int i, Host host) {
    return Behaviors.setup(ctx -> {
      host.started(i);
      return Behaviors.empty();
    });
  }
}
