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
import java.util.function.Supplier;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.metrics.SegmentedRaftLogMetrics;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachine;
import org.apache.ratis.util.TimeDuration;

/**
 * Apache Ratis servers in this JVM over gRPC on loopback ports, each with its log on disk under one
 * directory and forced before an entry counts (as Parley's file journal is), running the state
 * machines {@code stateMachine} makes, each asked for a snapshot every {@link #SNAPSHOT_THRESHOLD}
 * entries: started, stopped one at a time, restarted on their storage, and asked who leads.
 * Benchmark scope only.
 */
final class RatisCluster implements AutoCloseable {

  static final int TIMEOUT_MIN_MS = 150;
  static final int TIMEOUT_MAX_MS = 300;
  /**
   * Entries between a server's snapshots, after which it purges its log up to the snapshot: Parley's
   * Raft store's default {@code snapshot-interval}, so both compact their logs alike (a state
   * machine that takes no snapshot, as the failover benchmark's, keeps its whole log).
   */
  static final long SNAPSHOT_THRESHOLD = 10_000;

  private final List<RaftPeer> peers = new ArrayList<>();
  private final RaftGroup group;
  private final Path dir;
  private final Supplier<StateMachine> stateMachine;
  private final RaftServer[] servers;

  /** {@code n} servers, formatted and started, under a fresh directory in {@code dataDir}. */
  RatisCluster(int n, Path dataDir, Supplier<StateMachine> stateMachine) throws IOException {
    for (int i = 1; i <= n; i++) {
      peers.add(RaftPeer.newBuilder().setId("s" + i).setAddress("127.0.0.1:" + freePort()).build());
    }
    this.group = RaftGroup.valueOf(RaftGroupId.randomId(), peers);
    this.dir = Files.createDirectories(dataDir.resolve("ratis-" + group.getGroupId().getUuid()));
    this.stateMachine = stateMachine;
    this.servers = new RaftServer[n];
    for (int i = 0; i < n; i++) {
      start(i, RaftStorage.StartupOption.FORMAT);
    }
  }

  /** The election timeouts, as the tables state them. */
  static String timeouts() {
    return "election timeout " + TIMEOUT_MIN_MS + "-" + TIMEOUT_MAX_MS + " ms (Ratis's rpc.timeout.min/max)";
  }

  void start(int i, RaftStorage.StartupOption option) throws IOException {
    RaftPeer peer = peers.get(i);
    RaftProperties properties = new RaftProperties();
    RaftConfigKeys.Rpc.setType(properties, SupportedRpcType.GRPC);
    RaftServerConfigKeys.setStorageDir(properties, List.of(new File(dir.toFile(), peer.getId().toString())));
    GrpcConfigKeys.Server.setPort(properties, Integer.parseInt(peer.getAddress().split(":")[1]));
    RaftServerConfigKeys.Rpc.setTimeoutMin(properties, TimeDuration.valueOf(TIMEOUT_MIN_MS, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setTimeoutMax(properties, TimeDuration.valueOf(TIMEOUT_MAX_MS, TimeUnit.MILLISECONDS));
    // The log forced as Parley's file journal forces: an entry counts (at the leader, and in a
    // follower's answer) only once FileChannel.force returned for it. These are Ratis's defaults,
    // set so that a later default cannot change the comparison unseen: unsafe-flush off (the flush
    // index moves only after the force), async-flush off (the log worker forces in line), and a
    // force whenever the worker's queue runs empty or force.sync.num entries wait (group commit).
    RaftServerConfigKeys.Log.setUnsafeFlushEnabled(properties, false);
    RaftServerConfigKeys.Log.setAsyncFlushEnabled(properties, false);
    RaftServerConfigKeys.Log.setForceSyncNum(properties, RaftServerConfigKeys.Log.FORCE_SYNC_NUM_DEFAULT);
    // Snapshots, and with them the log's purge, as Parley's Raft takes them: without, Ratis keeps its
    // whole log, and after 150 s at 16 clients (about half a million entries) the counter ran at
    // 1,463 writes/s and 1.26 ms of CPU per write; with them, 2,602/s and 0.64 ms (docs/benchmarks.md).
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(properties, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(properties, SNAPSHOT_THRESHOLD);
    servers[i] = RaftServer.newBuilder()
        .setServerId(peer.getId())
        .setGroup(group)
        .setProperties(properties)
        .setStateMachine(stateMachine.get())
        .setOption(option)
        .build();
    servers[i].start();
  }

  /** Stops server i abruptly (no leadership transfer). */
  void stop(int i) throws IOException {
    servers[i].close();
    servers[i] = null;
  }

  /** Restarts server i on its storage. */
  void restart(int i) throws IOException {
    start(i, RaftStorage.StartupOption.RECOVER);
  }

  /** A client of the group. */
  RaftClient client() {
    RaftProperties properties = new RaftProperties();
    RaftConfigKeys.Rpc.setType(properties, SupportedRpcType.GRPC);
    return RaftClient.newBuilder().setProperties(properties).setRaftGroup(group).build();
  }

  /**
   * The forces of the servers' logs so far, summed over every Ratis server in this JVM: Ratis's own
   * {@code flushCount} metric of its log workers (each flush of the segmented log forces the file).
   */
  static long forces() {
    long sum = 0;
    for (RatisMetricRegistry r : MetricRegistries.global().getMetricRegistries()) {
      if (r.getMetricRegistryInfo().getMetricsComponentName().contains("log_worker")) {
        sum += r.counter(SegmentedRaftLogMetrics.RAFT_LOG_FLUSH_COUNT).getCount();
      }
    }
    return sum;
  }

  /** The index of the server that leads now, as server {@code asking} sees it (-1 if none). */
  int leader(int asking) throws IOException {
    RaftPeerId id = servers[asking].getDivision(group.getGroupId()).getInfo().getLeaderId();
    return id == null ? -1 : indexOf(id);
  }

  /**
   * Polls every millisecond until every running server names the same leader, running, leading,
   * and not server {@code old}; returns {@link System#nanoTime()} then.
   */
  long awaitAgreement(int old, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      int agreed = -2;
      for (int i = 0; i < servers.length && agreed != -1; i++) {
        if (servers[i] != null) {
          int l = leader(i);
          agreed = agreed == -2 || agreed == l ? l : -1;
        }
      }
      if (agreed >= 0 && agreed != old && servers[agreed] != null
          && servers[agreed].getDivision(group.getGroupId()).getInfo().isLeader()) {
        return System.nanoTime();
      }
      if (System.nanoTime() > deadline) {
        throw new TimeoutException("Ratis servers did not agree on a leader within " + timeout);
      }
      LockSupport.parkNanos(1_000_000);
    }
  }

  private int indexOf(RaftPeerId id) {
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

  @Override
  public void close() throws IOException {
    for (int i = 0; i < servers.length; i++) {
      if (servers[i] != null) {
        stop(i);
      }
    }
  }
}
