package dev.parley.bench;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.util.TimeDuration;

/**
 * Apache Ratis's own Raft election failing over: three RaftServers in this JVM over gRPC on loopback
 * ports, a no-op state machine. The leader's server is closed (no leadership transfer); the time runs
 * until both survivors name the same new leader, polled every millisecond. The closed server is then
 * started again on its port and storage, and rejoins.
 */
final class RatisFailover {

  static final int TIMEOUT_MIN_MS = 150;
  static final int TIMEOUT_MAX_MS = 300;
  static final String SETTING = "3 servers over gRPC, election timeout " + TIMEOUT_MIN_MS + "-" + TIMEOUT_MAX_MS
      + " ms (Ratis's rpc.timeout.min/max)";

  private RatisFailover() {}

  static FailoverTimes measure(int runs, Path dataDir) throws Exception {
    FailoverTimes times = new FailoverTimes("Apache Ratis", SETTING, 3);
    List<RaftPeer> peers = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      peers.add(RaftPeer.newBuilder().setId("s" + i).setAddress("127.0.0.1:" + freePort()).build());
    }
    RaftGroup group = RaftGroup.valueOf(RaftGroupId.randomId(), peers);
    Path dir = Files.createDirectories(dataDir.resolve("ratis-" + group.getGroupId().getUuid()));
    RaftServer[] servers = new RaftServer[3];
    try {
      for (int i = 0; i < 3; i++) {
        servers[i] = start(group, peers.get(i), dir, RaftStorage.StartupOption.FORMAT);
      }
      awaitAgreement(servers, group, peers, -1, Duration.ofSeconds(30));
      for (int run = 0; run <= runs; run++) {
        int old = indexOf(peers, leaderOf(servers[0], group));
        long start = System.nanoTime();
        servers[old].close();
        servers[old] = null;
        long agreed = awaitAgreement(servers, group, peers, old, Duration.ofSeconds(30));
        if (run > 0) {
          times.add(agreed - start);
        }
        servers[old] = start(group, peers.get(old), dir, RaftStorage.StartupOption.RECOVER);
        awaitAgreement(servers, group, peers, -1, Duration.ofSeconds(30));
        Thread.sleep(300);
      }
    } finally {
      for (RaftServer s : servers) {
        if (s != null) {
          s.close();
        }
      }
    }
    return times;
  }

  private static RaftServer start(RaftGroup group, RaftPeer peer, Path dir, RaftStorage.StartupOption option)
      throws IOException {
    RaftProperties properties = new RaftProperties();
    RaftConfigKeys.Rpc.setType(properties, SupportedRpcType.GRPC);
    RaftServerConfigKeys.setStorageDir(properties, List.of(new File(dir.toFile(), peer.getId().toString())));
    GrpcConfigKeys.Server.setPort(properties, Integer.parseInt(peer.getAddress().split(":")[1]));
    RaftServerConfigKeys.Rpc.setTimeoutMin(properties, TimeDuration.valueOf(TIMEOUT_MIN_MS, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setTimeoutMax(properties, TimeDuration.valueOf(TIMEOUT_MAX_MS, TimeUnit.MILLISECONDS));
    RaftServer server = RaftServer.newBuilder()
        .setServerId(peer.getId())
        .setGroup(group)
        .setProperties(properties)
        .setStateMachine(new BaseStateMachine())
        .setOption(option)
        .build();
    server.start();
    return server;
  }

  /** Polls until every running server names the same leader, itself running and not {@code old}. */
  private static long awaitAgreement(RaftServer[] servers, RaftGroup group, List<RaftPeer> peers, int old,
      Duration timeout)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      RaftPeerId agreed = null;
      boolean all = true;
      for (RaftServer s : servers) {
        if (s == null) {
          continue;
        }
        RaftPeerId leader = leaderOf(s, group);
        if (leader == null || (agreed != null && !agreed.equals(leader))) {
          all = false;
          break;
        }
        agreed = leader;
      }
      if (all && agreed != null) {
        int index = indexOf(peers, agreed);
        if (index != old && servers[index] != null && servers[index].getDivision(group.getGroupId()).getInfo()
            .isLeader()) {
          return System.nanoTime();
        }
      }
      if (System.nanoTime() > deadline) {
        throw new TimeoutException("Ratis servers did not agree on a leader within " + timeout);
      }
      LockSupport.parkNanos(1_000_000);
    }
  }

  private static RaftPeerId leaderOf(RaftServer server, RaftGroup group) throws IOException {
    DivisionInfo info = server.getDivision(group.getGroupId()).getInfo();
    return info.getLeaderId();
  }

  private static int indexOf(List<RaftPeer> peers, RaftPeerId id) {
    for (int i = 0; i < peers.size(); i++) {
      if (peers.get(i).getId().equals(id)) {
        return i;
      }
    }
    throw new IllegalStateException("unknown Ratis peer " + id);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
