package dev.parley.cluster;

import dev.parley.protocols.election.RaftElection;
import dev.parley.protocols.replication.ChainReplication;
import dev.parley.protocols.replication.GossipStore;
import dev.parley.protocols.replication.PrimaryBackup;
import dev.parley.protocols.replication.QuorumReplication;
import dev.parley.protocols.replication.RaftKv;
import dev.parley.protocols.replication.SessionExpiry;
import dev.parley.protocols.replication.TwoPhaseCommit;
import java.util.List;

/**
 * Parley's replicated key-value stores ({@code protocols/replication}) as kinds, each behind the one
 * key-value interface ({@link KvKind}). Their timing (heartbeats, leases, timeouts, retries) and
 * Raft's batching and snapshots are their configuration sections' ({@code
 * parley.kinds.raft-kv}, ...).
 */
public final class StoreKinds implements KindProvider {

  @Override
  public List<ProtocolKind> kinds() {
    return List.of(
        new KvKind<>("raft-kv",
            "Raft: replicated log (batched appends, snapshots), linearizable key-value state machine, leader redirection",
            StoreKinds::raft,
            (ctx, s) -> RaftKv.create(ctx.instance(), ctx.typedPeers(), ctx.env(), s, ctx.upcalls().narrow()),
            RaftKv.Request::new, replyTo -> new RaftKv.GetStatus(replyTo.narrow()),
            List.of(KvKind.register(RaftKv.Request::new))),
        new KvKind<>("primary-backup",
            "primary-backup: the primary orders and replicates to a majority view before answering; failover by promises",
            c -> new PrimaryBackup.Settings(c.duration("heartbeat"), c.duration("suspect-min"), c.duration("suspect-max"),
                c.integer("max-message-bytes")),
            (ctx, s) -> PrimaryBackup.create(ctx.instance(), ctx.typedPeers(), ctx.env(), s, ctx.upcalls().narrow()),
            PrimaryBackup.Request::new, replyTo -> new PrimaryBackup.GetStatus(replyTo.narrow()),
            List.of(KvKind.register(PrimaryBackup.Request::new))),
        new KvKind<>("chain",
            "chain replication: writes at the head, reads at the tail; a journaled master on the first node repairs it",
            c -> new ChainReplication.Settings(c.duration("heartbeat"), c.duration("lease"), c.duration("suspect-after"),
                null, c.integer("max-message-bytes")),
            (ctx, s) -> ChainReplication.create(ctx.instance(), ctx.typedPeers(), ctx.env(), s, ctx.upcalls().narrow()),
            ChainReplication.Request::new, replyTo -> new ChainReplication.GetStatus(replyTo.narrow()),
            List.of(KvKind.register(ChainReplication.Request::new))),
        new KvKind<KindConfig>("quorum",
            "quorum replication: versioned values, majority R and W, ABD write-back in reads",
            c -> {
              quorum(c, 3);
              return c;
            },
            (ctx, c) -> QuorumReplication.create(ctx.instance(), ctx.typedPeers(), ctx.env(),
                quorum(c, ctx.peers().size()), ctx.upcalls().narrow()),
            QuorumReplication.Request::new, replyTo -> new QuorumReplication.GetStatus(replyTo.narrow())),
        new KvKind<>("gossip", "eventually consistent store: last-writer-wins registers, push-pull anti-entropy",
            c -> new GossipStore.Settings(c.duration("interval")),
            (ctx, s) -> GossipStore.create(ctx.instance(), ctx.typedPeers(), ctx.env(), s, ctx.upcalls().narrow()),
            GossipStore.Request::new, replyTo -> new GossipStore.GetStatus(replyTo.narrow())),
        new KvKind<>("two-phase-commit",
            "two-phase commit: keys partitioned over the nodes, multi-key transactions, coordinator and participant logs",
            c -> new TwoPhaseCommit.Settings(c.duration("retry"), c.duration("vote-timeout"), c.duration("init-timeout"),
                c.duration("blocked-after"), c.integer("keep-ended")),
            (ctx, s) -> TwoPhaseCommit.create(ctx.instance(), ctx.typedPeers(), ctx.env(), s, ctx.upcalls().narrow(),
                ctx.upcalls().narrow()),
            TwoPhaseCommit.Request::new, replyTo -> new TwoPhaseCommit.GetStatus(replyTo.narrow()),
            List.of(Transactions.OPERATION)));
  }

  /** Raft's settings: election timing, batches in flight, snapshots, message sizes, session expiry. */
  static RaftKv.Settings raft(KindConfig c) {
    return RaftKv.Settings.DEFAULT
        .withElection(new RaftElection.Settings(c.duration("heartbeat"), c.duration("election-timeout-min"),
            c.duration("election-timeout-max")))
        .withMaxBatchesInFlight(c.integer("max-batches-in-flight"))
        .withSnapshotInterval(c.integer("snapshot-interval"))
        .withSnapshotChunkBytes(c.integer("snapshot-chunk-bytes"))
        .withMaxAppendBytes(c.integer("max-append-bytes"))
        .withSessions(new SessionExpiry(c.number("session-expiry-requests"), c.integer("session-expiry-buckets")));
  }

  /** Majority quorums of {@code replicas}, with the configured retransmission and timeout. */
  private static QuorumReplication.Settings quorum(KindConfig c, int replicas) {
    QuorumReplication.Settings majorities = QuorumReplication.Settings.majorities(replicas);
    return new QuorumReplication.Settings(majorities.readQuorum(), majorities.writeQuorum(), c.duration("retransmit"),
        c.duration("timeout"));
  }
}
