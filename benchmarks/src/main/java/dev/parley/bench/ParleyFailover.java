package dev.parley.bench;

import akka.actor.Identify;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorRefResolver;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Adapter;
import akka.actor.typed.javadsl.Behaviors;
import akka.persistence.testkit.PersistenceTestKitPlugin;
import akka.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.parley.persistence.Journal;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.election.LeaderElected;
import dev.parley.testkit.group.LocalGroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

/**
 * Parley's elections failing over: a group whose leader is killed abruptly, timed until every other
 * node names the same new leader; the killed node is then restarted and the group left to settle
 * before the next run. In one JVM (a {@link LocalGroup} of real actors and timers, the in-memory
 * journal), and on Akka Cluster nodes (one ActorSystem per node on loopback, messages over Artery
 * as CBOR with the node configuration's reconnect timers, a file journal per node forcing each
 * persist as a node's does; the leader's system cut off and terminated without leaving), optionally
 * traced ({@link FailoverTrace}).
 */
final class ParleyFailover {

  private static final AtomicInteger GROUPS = new AtomicInteger();
  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final Duration QUIET = Duration.ofMillis(400);

  /**
   * Parley's elections detect failures themselves; the cluster they run on has no downing provider, so
   * Akka's split-brain resolver cannot down (and so shut down) a node while Parley is measured. A
   * killed node's old incarnation leaves the membership when its new incarnation joins.
   */
  private static final Config NO_DOWNING =
      ConfigFactory.parseString(ClusterNodes.TIGHT + "akka.cluster.downing-provider-class = \"\"\n")
          .withFallback(nodeTransport());

  /**
   * Artery's advanced settings (reconnect and handshake timers) as a Parley node has them: the node
   * configuration's, the project's application.conf (docs/cluster.md).
   */
  private static Config nodeTransport() {
    Config node = ConfigFactory.parseResources(ParleyFailover.class.getClassLoader(), "parley/application.conf");
    if (!node.hasPath("akka.remote.artery.advanced")) {
      throw new IllegalStateException("the node configuration parley/application.conf (the project's "
          + "application.conf) is not on the benchmarks' classpath or has no akka.remote.artery.advanced: "
          + "build with mvn -pl benchmarks -am compile");
    }
    return node.withOnlyPath("akka.remote.artery.advanced");
  }

  private ParleyFailover() {}

  static List<NodeId> nodes(int n) {
    return IntStream.rangeClosed(1, n).mapToObj(NodeId::n).toList();
  }

  /** {@code runs} failovers (after one warm-up) of {@code election} in a group of {@code n} in one JVM. */
  @SuppressWarnings({"rawtypes", "unchecked"})
  static FailoverTimes inOneJvm(ActorTestKit kit, ParleyElections election, int n, int runs) throws Exception {
    FailoverTimes times = new FailoverTimes("Parley " + election.label + ", one JVM", election.settings, n);
    LeaderWatch watch = new LeaderWatch();
    ActorRef<LeaderElected> listener = kit.spawn(watch.listener());
    String group = "jvm-" + election.name().toLowerCase() + "-" + GROUPS.incrementAndGet();
    List<NodeId> nodes = nodes(n);
    Set<NodeId> all = Set.copyOf(nodes);
    try (LocalGroup g = new LocalGroup.Builder(kit, nodes, 1, x -> {})
        .start((peers, env, upcalls) -> (Behavior) election.create(group, peers, env, listener))) {
      NodeId leader = watch.awaitStable(all, QUIET, TIMEOUT);
      for (int run = 0; run <= runs; run++) {
        Set<NodeId> live = new HashSet<>(all);
        live.remove(leader);
        watch.forget(leader);
        watch.watch(live);
        long start = System.nanoTime();
        g.crash(leader);
        long agreed = watch.awaitAgreement(TIMEOUT);
        if (run > 0) {
          times.add(agreed - start);
        }
        g.restart(leader);
        leader = watch.awaitStable(all, QUIET, TIMEOUT);
      }
    } finally {
      kit.stop(listener);
    }
    return times;
  }

  /** The same on {@code n} Akka Cluster nodes of this JVM. */
  static FailoverTimes onClusterNodes(ParleyElections election, int n, int runs, Path dataDir, boolean traced)
      throws Exception {
    FailoverTimes times = new FailoverTimes("Parley " + election.label + ", Akka Cluster nodes", election.settings, n);
    LeaderWatch watch = new LeaderWatch();
    FailoverTrace trace = traced ? new FailoverTrace() : null;
    String group = "cluster-" + election.name().toLowerCase() + "-" + GROUPS.incrementAndGet();
    List<NodeId> nodes = nodes(n);
    Set<NodeId> all = Set.copyOf(nodes);
    Path dir = Files.createDirectories(dataDir.resolve(group));
    boolean durable = election == ParleyElections.RAFT || election == ParleyElections.ZOOKEEPER;
    ClusterNodes[] cluster = new ClusterNodes[1];
    cluster[0] = new ClusterNodes("parley", n,
        i -> durable ? NO_DOWNING.withFallback(Journal.file(dir.resolve(nodes.get(i).name()))) : NO_DOWNING,
        i -> node(cluster[0], i, nodes, durable, election, group, watch, trace));
    try (ClusterNodes c = cluster[0]) {
      c.startAll();
      c.awaitAllUp(Duration.ofSeconds(60));
      NodeId leader = watch.awaitStable(all, QUIET, TIMEOUT);
      for (int run = 0; run <= runs; run++) {
        int index = nodes.indexOf(leader);
        Set<NodeId> live = new HashSet<>(all);
        live.remove(leader);
        watch.forget(leader);
        watch.watch(live);
        long start = System.nanoTime();
        if (trace != null) {
          trace.killed();
        }
        ActorSystem<?> killed = c.kill(index);
        long agreed;
        try {
          agreed = watch.awaitAgreement(TIMEOUT);
        } catch (TimeoutException e) {
          if (trace != null) {
            trace.ended(run, leader.name(), System.nanoTime() - start);
            trace.reportLast(times.system + ", N=" + n + ", no agreement within " + TIMEOUT);
          }
          throw e;
        }
        if (run > 0) {
          times.add(agreed - start);
        }
        if (trace != null) {
          trace.ended(run, leader.name(), agreed - start);
          trace.restarting(leader.name());
        }
        c.awaitTerminated(killed);
        c.start(index, index == 0 ? 1 : 0);
        leader = watch.awaitStable(all, QUIET, TIMEOUT);
      }
    }
    if (trace != null) {
      trace.report(times.system + ", N=" + n, times.medianMillis());
    }
    return times;
  }

  /**
   * The guardian of cluster node i: prepares its journal, then starts its election at /user/election,
   * its peers being the election actors of the other nodes, by path (any incarnation answers). With a
   * trace, each peer is reached through a tap that records what is sent, and the election records
   * what it receives.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Behavior<Void> node(ClusterNodes cluster, int i, List<NodeId> nodes, boolean durable,
      ParleyElections election, String group, LeaderWatch watch, FailoverTrace trace) {
    return Behaviors.setup(ctx -> {
      ActorRefResolver resolver = ActorRefResolver.get(ctx.getSystem());
      NodeId self = nodes.get(i);
      Map<NodeId, ActorRef<Object>> others = new HashMap<>();
      for (int j = 0; j < nodes.size(); j++) {
        if (j != i) {
          ActorRef<Object> ref = resolver.resolveActorRef(cluster.path(j, "election"));
          introduce(ctx, cluster.path(j, "election"), j);
          NodeId to = nodes.get(j);
          others.put(to, trace == null ? ref : ctx.spawn(trace.tap(self.name(), to.name(), ref), "to-" + to.name()));
        }
      }
      if (durable) {
        Journal.prepare(ctx.getSystem());
      }
      ActorRef<LeaderElected> listener = ctx.spawn(watch.listener(), "listener");
      Behavior<?> elect = election.create(group, Peers.of(self, others), NodeEnv.seeded(self, 1), listener);
      if (trace != null) {
        trace.watchRemoting(ctx, self.name());
        elect = trace.received(self.name(), elect);
      }
      ctx.spawn((Behavior) elect, "election");
      return Behaviors.empty();
    });
  }

  /**
   * Makes a node, as it starts, contact a peer it will address by path, so that the peer's
   * connection to this node's address knows this incarnation at once. A peer that saw this node's
   * previous incarnation go (its system announced its termination, or the cluster removed it) holds
   * its address as quarantined under the old incarnation's UID and drops every message it sends there
   * until the new incarnation contacts it; a node still joining the cluster sends it nothing (no
   * cluster heartbeats before it is up), which held messages back for up to Akka's 7 s
   * {@code allow-weakly-up-members} when the next failover came before the cluster had converged.
   * An {@code Identify} sent by actor selection is answered by any actor, needs no message of the
   * election's own, and its handshake is what updates the peer's side.
   */
  private static void introduce(ActorContext<?> ctx, String peerPath, int id) {
    Adapter.toClassic(ctx).actorSelection(peerPath).tell(new Identify(id), akka.actor.ActorRef.noSender());
  }

  /** An actor test kit whose event-sourced elections journal in memory. */
  static ActorTestKit testKit() {
    return ActorTestKit.create("failover", PersistenceTestKitPlugin.getInstance().config()
        .withFallback(PersistenceTestKitSnapshotPlugin.getInstance().config())
        .withFallback(ConfigFactory.parseString("akka.loglevel = ERROR\nakka.log-dead-letters = off"))
        .withFallback(ConfigFactory.load()));
  }
}
