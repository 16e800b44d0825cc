package dev.parley.cluster;

import dev.parley.protocols.election.Bully;
import dev.parley.protocols.election.GetStatus;
import dev.parley.protocols.election.HoldElection;
import dev.parley.protocols.election.RaftElection;
import dev.parley.protocols.election.RingElection;
import dev.parley.protocols.election.ZooKeeperElection;
import dev.parley.protocols.failure.GetSuspects;
import dev.parley.protocols.failure.HeartbeatFailureDetector;
import dev.parley.protocols.failure.QuorumPartitionDetector;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Parley's elections and failure detectors as kinds. Their heartbeats and timeouts are their
 * configuration sections' ({@code parley.kinds.raft-election}, ...): by default a 100 ms beat and
 * timeouts that fail over in about a second on a loopback cluster.
 */
public final class ElectionKinds implements KindProvider {

  @Override
  public List<ProtocolKind> kinds() {
    return List.of(
        new ObserverKind<>("raft-election", "Raft leader election: terms, randomised timeouts, votes on disk",
            c -> new RaftElection.Settings(c.duration("heartbeat"), c.duration("election-timeout-min"),
                c.duration("election-timeout-max")),
            (ctx, s) -> RaftElection.create(ctx.instance(), ctx.typedPeers(), ctx.env(), s, ctx.upcalls().narrow()),
            replyTo -> new GetStatus(replyTo.narrow()), Map.of()),
        new ObserverKind<>("bully-election", "bully election: the highest live id leads",
            c -> new Bully.Settings(c.duration("heartbeat"), c.duration("leader-timeout"), c.duration("answer-timeout"),
                c.duration("coordinator-timeout")),
            (ctx, s) -> Bully.create(ctx.typedPeers(), s, ctx.upcalls().narrow()),
            replyTo -> new GetStatus(replyTo.narrow()), Map.of("hold-election", new HoldElection())),
        new ObserverKind<>("ring-election", "ring election (Chang-Roberts) skipping crashed successors",
            c -> new RingElection.Settings(c.duration("heartbeat"), c.duration("leader-timeout"),
                c.duration("ack-timeout"), c.duration("election-timeout")),
            (ctx, s) -> RingElection.create(ctx.typedPeers(), s, ctx.upcalls().narrow()),
            replyTo -> new GetStatus(replyTo.narrow()), Map.of("hold-election", new HoldElection())),
        new ObserverKind<>("zookeeper-election", "ZooKeeper-style election on (last transaction id, node id)",
            c -> new ZooKeeperElection.Settings(c.duration("heartbeat"), c.duration("leader-timeout"),
                c.duration("finalize-wait"), c.duration("sync-timeout")),
            (ctx, s) -> ZooKeeperElection.create(ctx.instance(), ctx.typedPeers(), ctx.env(), s, 0,
                ctx.upcalls().narrow()),
            replyTo -> new GetStatus(replyTo.narrow()), Map.of()),
        new ObserverKind<>("heartbeat-detector", "heartbeat failure detector: Suspect / Restore",
            c -> new HeartbeatFailureDetector.Settings(c.duration("interval"), c.duration("timeout")),
            (ctx, s) -> HeartbeatFailureDetector.create(ctx.typedPeers(), s, ctx.upcalls().narrow()),
            replyTo -> new GetSuspects(replyTo.narrow()), Map.of()),
        new ObserverKind<Duration>("quorum-detector",
            "quorum partition detector: MajorityLost / MajorityRegained",
            c -> c.positiveDuration("interval"),
            (ctx, interval) -> QuorumPartitionDetector.create(ctx.typedPeers(), interval, ctx.upcalls().narrow()),
            replyTo -> new QuorumPartitionDetector.GetQuorum(replyTo.narrow()), Map.of()));
  }
}
