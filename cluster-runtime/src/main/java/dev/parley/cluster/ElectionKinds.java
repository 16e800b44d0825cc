package dev.parley.cluster;

import akka.actor.typed.Behavior;
import dev.parley.protocols.election.Bully;
import dev.parley.protocols.election.ElectionProtocol;
import dev.parley.protocols.election.RaftElection;
import dev.parley.protocols.election.RingElection;
import dev.parley.protocols.election.ZooKeeperElection;
import dev.parley.protocols.failure.HeartbeatFailureDetector;
import dev.parley.protocols.failure.QuorumPartitionDetector;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Parley's elections and failure detectors as kinds. Their heartbeats and timeouts are their
 * configuration sections' ({@code parley.kinds.raft-election}, ...): by default a 100 ms beat and
 * timeouts that fail over in about a second on a loopback cluster. {@link #of} makes the kind of an
 * election of one's own, for one's own {@link KindProvider}.
 */
public final class ElectionKinds implements KindProvider {

  /**
   * The kind {@code name} of a member of the election family, Parley's or one's own: {@code settings}
   * reads its configuration section {@code parley.kinds.<name>} (when the node starts, so a malformed
   * one stops it), {@code factory} makes the instance on every node (it reports {@code
   * LeaderElected} to {@code context.upcalls()}), and {@code election} makes its status query for
   * {@code /status} and, if it has one, its {@code hold-election} operation.
   */
  public static <S> ProtocolKind of(String name, String description, Function<KindConfig, S> settings,
      BiFunction<KindContext, S, Behavior<?>> factory, ElectionProtocol<?> election) {
    Objects.requireNonNull(factory, "factory");
    Objects.requireNonNull(election, () -> "the kind " + name + " needs its election's ElectionProtocol (how to "
        + "make its status query and hold-election), such as Bully.ELECTION");
    return new ObserverKind<>(Objects.requireNonNull(name, "name"),
        Objects.requireNonNull(description, "description"), Objects.requireNonNull(settings, "settings"),
        factory::apply, replyTo -> election.getStatus(replyTo.narrow()),
        election.holdElection().<Map<String, Object>>map(hold -> Map.of("hold-election", hold)).orElse(Map.of()));
  }

  /** {@link #of(String, String, Function, BiFunction, ElectionProtocol)} for an election without settings. */
  public static ProtocolKind of(String name, String description, Function<KindContext, Behavior<?>> factory,
      ElectionProtocol<?> election) {
    Objects.requireNonNull(factory, "factory");
    return ElectionKinds.<Void>of(name, description, config -> null, (ctx, none) -> factory.apply(ctx), election);
  }

  @Override
  public List<ProtocolKind> kinds() {
    return List.of(
        of("raft-election", "Raft leader election: terms, randomised timeouts, votes on disk",
            c -> new RaftElection.Settings(c.duration("heartbeat"), c.duration("election-timeout-min"),
                c.duration("election-timeout-max")),
            (ctx, s) -> RaftElection.create(ctx.instance(), ctx.typedPeers(), ctx.env(), s, ctx.upcalls().narrow()),
            RaftElection.ELECTION),
        of("bully-election", "bully election: the highest live id leads",
            c -> new Bully.Settings(c.duration("heartbeat"), c.duration("leader-timeout"), c.duration("answer-timeout"),
                c.duration("coordinator-timeout")),
            (ctx, s) -> Bully.create(ctx.typedPeers(), s, ctx.upcalls().narrow()), Bully.ELECTION),
        of("ring-election", "ring election (Chang-Roberts) skipping crashed successors",
            c -> new RingElection.Settings(c.duration("heartbeat"), c.duration("leader-timeout"),
                c.duration("ack-timeout"), c.duration("election-timeout")),
            (ctx, s) -> RingElection.create(ctx.typedPeers(), s, ctx.upcalls().narrow()), RingElection.ELECTION),
        of("zookeeper-election", "ZooKeeper-style election on (last transaction id, node id)",
            c -> new ZooKeeperElection.Settings(c.duration("heartbeat"), c.duration("leader-timeout"),
                c.duration("finalize-wait"), c.duration("sync-timeout")),
            (ctx, s) -> ZooKeeperElection.create(ctx.instance(), ctx.typedPeers(), ctx.env(), s, 0,
                ctx.upcalls().narrow()),
            ZooKeeperElection.ELECTION),
        new ObserverKind<>("heartbeat-detector", "heartbeat failure detector: Suspect / Restore",
            c -> new HeartbeatFailureDetector.Settings(c.duration("interval"), c.duration("timeout")),
            (ctx, s) -> HeartbeatFailureDetector.create(ctx.typedPeers(), s, ctx.upcalls().narrow()),
            replyTo -> new HeartbeatFailureDetector.GetSuspects(replyTo.narrow()), Map.of()),
        new ObserverKind<Duration>("quorum-detector",
            "quorum partition detector: MajorityLost / MajorityRegained",
            c -> c.positiveDuration("interval"),
            (ctx, interval) -> QuorumPartitionDetector.create(ctx.typedPeers(), interval, ctx.upcalls().narrow()),
            replyTo -> new QuorumPartitionDetector.GetQuorum(replyTo.narrow()), Map.of()));
  }
}
