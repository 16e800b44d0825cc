package dev.parley.bench;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Join;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;
import java.util.stream.StreamSupport;

/**
 * N Akka Cluster nodes in this JVM, each its own ActorSystem on a loopback port: started, joined,
 * killed without a graceful leave, and restarted at the same address as a new incarnation that joins
 * the survivors. Each node's canonical address is a {@link TcpProxy} in front of the port its system
 * really binds: a kill cuts the proxy dead (the network goes silent, as when a machine dies) and
 * terminates the system with coordinated shutdown off; a restart binds a fresh port behind a new
 * proxy on the same canonical port (Artery does not rebind a port its predecessor left in TIME_WAIT).
 */
final class ClusterNodes implements AutoCloseable {

  /** The tightened failure detector and split-brain resolver (dev/test only). */
  static final String TIGHT =
      "akka.cluster.failure-detector { heartbeat-interval = 500ms, acceptable-heartbeat-pause = 1500ms, "
          + "expected-response-after = 500ms }\n"
          + "akka.cluster.split-brain-resolver.stable-after = 3s\n"
          + "akka.cluster.unreachable-nodes-reaper-interval = 250ms\n"
          + "akka.cluster.leader-actions-interval = 250ms\n"
          + "akka.cluster.gossip-interval = 500ms\n";

  static final String TIGHT_TEXT = "failure detector heartbeat 500 ms, acceptable pause 1.5 s; SBR keep-majority, "
      + "stable-after 3 s";
  static final String DEFAULT_TEXT = "Akka defaults: failure detector heartbeat 1 s, acceptable pause 3 s; SBR "
      + "keep-majority, stable-after 20 s";

  private final String name;
  private final IntFunction<Config> settings;
  private final IntFunction<Behavior<?>> guardian;
  private final int[] ports;
  private final List<ActorSystem<?>> systems = new ArrayList<>();
  private final List<TcpProxy> proxies = new ArrayList<>();

  /**
   * @param settings node i's settings, over the base (failure detector, downing, its journal)
   * @param guardian the guardian of node i (0-based), made again at each restart
   */
  ClusterNodes(String name, int n, IntFunction<Config> settings, IntFunction<Behavior<?>> guardian)
      throws IOException {
    this.name = name;
    this.settings = settings;
    this.guardian = guardian;
    this.ports = new int[n];
    for (int i = 0; i < n; i++) {
      ports[i] = freePort();
      systems.add(null);
      proxies.add(null);
    }
  }

  int port(int i) {
    return ports[i];
  }

  int size() {
    return ports.length;
  }

  /** The actor path of {@code path} (under /user) on node i, as any node can resolve it. */
  String path(int i, String path) {
    return "akka://" + name + "@127.0.0.1:" + ports[i] + "/user/" + path;
  }

  ActorSystem<?> system(int i) {
    return systems.get(i);
  }

  boolean isUp(int i) {
    return systems.get(i) != null;
  }

  /** Starts every node; node 0 joins itself, the others join node 0. */
  void startAll() throws IOException {
    for (int i = 0; i < ports.length; i++) {
      start(i, 0);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Starts node i and has it join node {@code seed}. */
  void start(int i, int seed) throws IOException {
    int bindPort = freePort();
    proxies.set(i, new TcpProxy(ports[i], bindPort));
    Config config = settings.apply(i).withFallback(ConfigFactory.parseString(
            "akka.actor.provider = cluster\n"
                + "akka.remote.artery.transport = tcp\n"
                + "akka.remote.artery.canonical.hostname = \"127.0.0.1\"\n"
                + "akka.remote.artery.canonical.port = " + ports[i] + "\n"
                + "akka.remote.artery.bind.hostname = \"127.0.0.1\"\n"
                + "akka.remote.artery.bind.port = " + bindPort + "\n"
                + "akka.cluster.jmx.multi-mbeans-in-same-jvm = on\n"
                + "akka.coordinated-shutdown.run-by-actor-system-terminate = off\n"
                + "akka.cluster.downing-provider-class = \"akka.cluster.sbr.SplitBrainResolverProvider\"\n"
                + "akka.cluster.split-brain-resolver.active-strategy = keep-majority\n"
                + "akka.loglevel = ERROR\nakka.stdout-loglevel = ERROR\nakka.log-dead-letters = off\n"
                + "akka.cluster.log-info = off\n"))
        .withFallback(ConfigFactory.load());
    ActorSystem<?> system = ActorSystem.create(guardian.apply(i), name, config);
    systems.set(i, system);
    Cluster.get(system).manager().tell(Join.create(
        i == seed ? Cluster.get(system).selfMember().address() : Cluster.get(systems.get(seed)).selfMember().address()));
  }

  /** Kills node i: no leave, no coordinated shutdown. Returns its system, to await its end later. */
  ActorSystem<?> kill(int i) {
    proxies.set(i, null).kill();
    ActorSystem<?> system = systems.set(i, null);
    system.terminate();
    return system;
  }

  void awaitTerminated(ActorSystem<?> system) throws Exception {
    system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** Waits until every live node sees every node Up and nobody unreachable. */
  void awaitAllUp(Duration timeout) throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!allUp()) {
      if (System.nanoTime() > deadline) {
        throw new TimeoutException("the cluster " + name + " did not show " + ports.length + " members up within "
            + timeout);
      }
      Thread.sleep(50);
    }
  }

  private boolean allUp() {
    for (ActorSystem<?> s : systems) {
      if (s == null) {
        return false;
      }
      var state = Cluster.get(s).state();
      long up = StreamSupport.stream(state.getMembers().spliterator(), false)
          .filter(m -> m.status() == MemberStatus.up()).count();
      if (up != ports.length || !state.getUnreachable().isEmpty()) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void close() {
    for (int i = 0; i < systems.size(); i++) {
      TcpProxy proxy = proxies.set(i, null);
      if (proxy != null) {
        proxy.kill();
      }
      ActorSystem<?> s = systems.set(i, null);
      if (s != null) {
        s.terminate();
        try {
          awaitTerminated(s);
        } catch (Exception e) {
          System.err.println("node " + i + " of " + name + " did not stop: " + e);
        }
      }
    }
  }
}
