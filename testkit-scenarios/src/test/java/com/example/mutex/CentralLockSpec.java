package com.example.mutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import akka.actor.testkit.typed.javadsl.TestProbe;
import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.parley.cluster.KindProvider;
import dev.parley.cluster.MutexKinds;
import dev.parley.cluster.Node;
import dev.parley.cluster.NodeClient;
import dev.parley.cluster.NodeSettings;
import dev.parley.cluster.ProtocolKinds;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.testkit.checker.MutualExclusionChecker;
import dev.parley.testkit.mutex.SimContention;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.ServerSocket;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mutual-exclusion algorithm of the user's own ({@link CentralLock}, in the user's package) plugs
 * into Parley's mutual-exclusion family without an edit to Parley: the family's contention workload
 * drives it in the simulation and the family's checker judges every run, over many seeds; the
 * family's kind factory ({@code MutexKinds.of}, in {@link CentralLockKinds}) runs it on three
 * in-JVM cluster nodes, where HTTP clients acquire and release it one at a time.
 */
class CentralLockSpec {

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) static Path dir; // on failure, the nodes' logs stay

  /** Delays up to 5 ms, a fifth of messages overtaken, a tenth duplicated: nothing lost. */
  static final FaultPlan UNRULY = FaultPlan.NONE.withDelay(Delay.uniform(Duration.ZERO, Duration.ofMillis(5)))
      .withReorder(0.2, Duration.ofMillis(5)).withDuplicate(0.1);

  static final int ROUNDS = 4;

  @Test
  void inTheSimulationEveryRunIsSafeLiveAndServesRequestsInArrivalOrder() {
    Simulations.forSeeds(1, 100, seed -> {
      int n = 2 + (int) (seed % 5);
      Simulation<CentralLock.Command> sim = Simulation.<CentralLock.Command>builder(
              n, (peers, env, upcalls) -> CentralLock.create(peers, upcalls.narrow()))
          .seed(seed).faults(UNRULY).build();

      SimContention.Result run = SimContention.of(sim, sim.nodes(), CentralLock.MUTEX).rounds(ROUNDS)
          .hold(Duration.ofMillis(1), Duration.ofMillis(5)).think(Duration.ZERO, Duration.ofMillis(8))
          .run(Duration.ofSeconds(60));

      MutualExclusionChecker.create()
          .withLiveness(0, Duration.ofSeconds(1).toNanos())
          .withFairness(MutualExclusionChecker.BY_PRIORITY)
          .check(run.events()).requireValid();
      assertThat(run.entries()).isEqualTo(n * ROUNDS);
    });
  }

  @Test
  void takingTurnsCostsThreeMessagesPerEntryAwayFromTheCoordinator() {
    Simulation<CentralLock.Command> sim = Simulation.<CentralLock.Command>builder(
        4, (peers, env, upcalls) -> CentralLock.create(peers, upcalls.narrow())).build();
    List<NodeId> away = sim.nodes().subList(1, 4);

    SimContention.Result run = SimContention.of(sim, away, CentralLock.MUTEX).oneAtATime().rounds(ROUNDS)
        .run(Duration.ofSeconds(10));

    MutualExclusionChecker.create().check(run.events()).requireValid();
    assertThat(run.entries()).isEqualTo(3 * ROUNDS);
    assertThat(run.messagesPerEntry()).isEqualTo(3.0);
  }

  @Test
  void onThreeClusterNodesHttpClientsTakeTheLockInTurnWithIncreasingFencingTokens() throws Exception {
    ProtocolKinds kinds = ProtocolKinds.load(withServicesFile(CentralLockKinds.class));
    assertThat(kinds.origin("central-lock").provider()).isEqualTo(CentralLockKinds.class.getName());
    List<NodeId> group = List.of(NodeId.n(1), NodeId.n(2), NodeId.n(3));
    List<Integer> ports = freePorts(2 * group.size());
    Config config = ConfigFactory.parseString("akka.coordinated-shutdown.exit-jvm = off\n"
        + "akka.cluster.jmx.multi-mbeans-in-same-jvm = on\nakka.loglevel = WARNING\n")
        .withFallback(Node.defaultConfig(kinds.classLoader()));
    List<Node> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < group.size(); i++) {
        NodeSettings settings = new NodeSettings(group.get(i), "127.0.0.1", ports.get(i), ports.get(3 + i),
            List.of("127.0.0.1:" + ports.get(0)), group,
            NodeSettings.parseProtocols(List.of("lock=central-lock"), kinds), dir.resolve(group.get(i).name()), 7);
        nodes.add(Node.start(settings, config, kinds.classLoader()));
      }
      NodeClient n1 = new NodeClient("127.0.0.1:" + ports.get(3));
      NodeClient n2 = new NodeClient("127.0.0.1:" + ports.get(4));
      NodeClient n3 = new NodeClient("127.0.0.1:" + ports.get(5));
      TestProbe<Object> probe = TestProbe.create(nodes.get(0).system());

      // the first grant may wait for the cluster to form and its links to connect
      long first = probe.awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(200), () -> {
        NodeClient.Response granted = n2.post("/protocols/lock/acquire?client=a&timeout=2000", "");
        assertThat(granted.status()).as(granted.text()).isEqualTo(200);
        return granted.body().get("fencingToken").asLong();
      });
      CompletableFuture<NodeClient.Response> waiting =
          CompletableFuture.supplyAsync(() -> n3.post("/protocols/lock/acquire?client=b&timeout=20000", ""));
      probe.awaitAssert(Duration.ofSeconds(10), () -> {
        JsonNode live = n1.get("/protocols/lock").body().get("live");
        assertThat(live.get("holder").asText()).isEqualTo("n2");
        assertThat(live.get("queue").toString()).isEqualTo("[\"n3\"]");
        return null;
      });
      assertThat(waiting).as("b waits while a holds").isNotDone();

      assertThat(n2.post("/protocols/lock/release?client=a", "").status()).isEqualTo(200);
      NodeClient.Response second = waiting.get();
      assertThat(second.status()).as(second.text()).isEqualTo(200);
      assertThat(second.body().get("fencingToken").asLong()).isGreaterThan(first);

      assertThat(n2.post("/protocols/lock/release?client=a", "").status()).as("a holds no longer").isEqualTo(409);
      assertThat(n3.post("/protocols/lock/release?client=b", "").status()).isEqualTo(200);
      NodeClient.Response coordinators = n1.post("/protocols/lock/acquire?client=c&timeout=10000", "");
      assertThat(coordinators.status()).as(coordinators.text()).isEqualTo(200);
      assertThat(coordinators.body().get("fencingToken").asLong())
          .isGreaterThan(second.body().get("fencingToken").asLong());
      assertThat(n1.post("/protocols/lock/release?client=c", "").status()).isEqualTo(200);
    } finally {
      nodes.forEach(Node::stop);
    }
  }

  @Test
  void aKindWithoutItsAdapterIsRefusedSayingWhatToGive() {
    assertThatThrownBy(() -> MutexKinds.of("central-lock", "no adapter",
        ctx -> CentralLock.create(ctx.typedPeers(), ctx.upcalls().narrow()), null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("central-lock needs its algorithm's MutexProtocol")
        .hasMessageContaining("RicartAgrawala.MUTEX");
  }

  /**
   * A class loader over the test's that also sees a services file naming {@code provider}, as the
   * user's jar would carry it (its classes stay where they are).
   */
  private static ClassLoader withServicesFile(Class<? extends KindProvider> provider) {
    try {
      Path services = dir.resolve("kinds/META-INF/services/" + KindProvider.class.getName());
      Files.createDirectories(services.getParent());
      Files.writeString(services, provider.getName() + "\n");
      return new URLClassLoader(
          new URL[] {dir.resolve("kinds").toUri().toURL()}, CentralLockSpec.class.getClassLoader());
    } catch (MalformedURLException e) {
      throw new IllegalStateException(e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<Integer> freePorts(int count) throws IOException {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        sockets.add(new ServerSocket(0));
      }
      return IntStream.range(0, count).mapToObj(i -> sockets.get(i).getLocalPort()).toList();
    } finally {
      for (ServerSocket s : sockets) {
        s.close();
      }
    }
  }
}
