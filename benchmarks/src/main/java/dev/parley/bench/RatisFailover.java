package dev.parley.bench;

import java.nio.file.Path;
import java.time.Duration;
import org.apache.ratis.statemachine.impl.BaseStateMachine;

/**
 * Apache Ratis's own Raft election failing over: three RaftServers in this JVM over gRPC on loopback
 * ports, a no-op state machine. The leader's server is closed (no leadership transfer); the time runs
 * until both survivors name the same new leader, polled every millisecond. The closed server is then
 * started again on its port and storage, and rejoins.
 */
final class RatisFailover {

  static final String SETTING = "3 servers over gRPC, " + RatisCluster.timeouts();

  private RatisFailover() {}

  static FailoverTimes measure(int runs, Path dataDir) throws Exception {
    FailoverTimes times = new FailoverTimes("Apache Ratis", SETTING, 3);
    try (RatisCluster ratis = new RatisCluster(3, dataDir, BaseStateMachine::new)) {
      ratis.awaitAgreement(-1, Duration.ofSeconds(30));
      for (int run = 0; run <= runs; run++) {
        int old = ratis.leader(0);
        long start = System.nanoTime();
        ratis.stop(old);
        long agreed = ratis.awaitAgreement(old, Duration.ofSeconds(30));
        if (run > 0) {
          times.add(agreed - start);
        }
        ratis.restart(old);
        ratis.awaitAgreement(-1, Duration.ofSeconds(30));
        Thread.sleep(300);
      }
    }
    return times;
  }
}
