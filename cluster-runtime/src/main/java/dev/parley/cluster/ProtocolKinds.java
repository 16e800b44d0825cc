package dev.parley.cluster;

import dev.parley.protocols.core.Peers;
import dev.parley.protocols.election.Bully;
import dev.parley.protocols.election.GetStatus;
import dev.parley.protocols.election.HoldElection;
import dev.parley.protocols.election.RaftElection;
import dev.parley.protocols.election.RingElection;
import dev.parley.protocols.election.ZooKeeperElection;
import dev.parley.protocols.failure.GetSuspects;
import dev.parley.protocols.failure.HeartbeatFailureDetector;
import dev.parley.protocols.failure.QuorumPartitionDetector;
import dev.parley.protocols.mutex.DecentralizedMutex;
import dev.parley.protocols.mutex.LamportMutex;
import dev.parley.protocols.mutex.LockClient;
import dev.parley.protocols.mutex.LockServer;
import dev.parley.protocols.mutex.Maekawa;
import dev.parley.protocols.mutex.RicartAgrawala;
import dev.parley.protocols.mutex.TokenRing;
import dev.parley.protocols.multicast.BasicMulticast;
import dev.parley.protocols.multicast.CausalMulticast;
import dev.parley.protocols.multicast.FifoMulticast;
import dev.parley.protocols.multicast.LamportMulticast;
import dev.parley.protocols.multicast.ReliableMulticast;
import dev.parley.protocols.multicast.SequencerMulticast;
import dev.parley.protocols.naming.Chord;
import dev.parley.protocols.replication.ChainReplication;
import dev.parley.protocols.replication.GossipStore;
import dev.parley.protocols.replication.PrimaryBackup;
import dev.parley.protocols.replication.QuorumReplication;
import dev.parley.protocols.replication.RaftKv;
import dev.parley.protocols.replication.TwoPhaseCommit;
import dev.parley.protocols.rpc.CounterService;
import dev.parley.protocols.rpc.NfsServer;
import dev.parley.protocols.rpc.Semantics;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** Every kind of protocol a node can run, by name. */
public final class ProtocolKinds {

  private static final Map<String, ProtocolKind> KINDS = new LinkedHashMap<>();

  static {
    add(new MulticastKind("basic-multicast", "best-effort multicast: N-1 messages, no order",
        (peers, up) -> BasicMulticast.create(cast(peers), up)));
    add(new MulticastKind("reliable-multicast", "eager reliable multicast: agreement despite a crashed sender",
        (peers, up) -> ReliableMulticast.create(cast(peers), up)));
    add(new MulticastKind("fifo-multicast", "FIFO multicast: each sender's order kept",
        (peers, up) -> FifoMulticast.create(cast(peers), up)));
    add(new MulticastKind("causal-multicast", "causal multicast with vector clocks",
        (peers, up) -> CausalMulticast.create(cast(peers), up)));
    add(new MulticastKind("sequencer-multicast", "total-order multicast through a sequencer",
        (peers, up) -> SequencerMulticast.create(cast(peers), up)));
    add(new MulticastKind("lamport-multicast", "total-order multicast with Lamport clocks (needs FIFO links)",
        (peers, up) -> LamportMulticast.create(cast(peers), up)));
  }

  static {
    add(new MutexKind("lock-server",
        "centralised lock server (journaled, leases, fencing tokens) on the group's first node; clients elsewhere",
        (instance, peers, env, up) -> LockServer.inGroup(peers.members().first(), instance,
            LockServer.Settings.DEFAULT, LockClient.Settings.DEFAULT, peers, env, up),
        (node, replyTo) -> node.node().equals(node.group().get(0))
            ? new LockServer.GetStatus(replyTo.narrow()) : new LockClient.GetStatus(replyTo.narrow()),
        group -> group.get(0)));
    add(new MutexKind("ricart-agrawala", "Ricart-Agrawala mutual exclusion: 2(N-1) messages per entry",
        (instance, peers, env, up) -> RicartAgrawala.create(cast(peers), up),
        (node, replyTo) -> new RicartAgrawala.GetStatus(replyTo.narrow()), null));
    add(new MutexKind("lamport-mutex", "Lamport's queue-based mutual exclusion (needs FIFO links): 3(N-1)",
        (instance, peers, env, up) -> LamportMutex.create(cast(peers), up),
        (node, replyTo) -> new LamportMutex.GetStatus(replyTo.narrow()), null));
    add(new MutexKind("token-ring", "token ring mutual exclusion with token-loss regeneration",
        (instance, peers, env, up) -> TokenRing.create(cast(peers), up, TokenRing.Settings.DEFAULT),
        (node, replyTo) -> new TokenRing.GetStatus(replyTo.narrow()), null));
    add(new MutexKind("majority-voting", "decentralised mutual exclusion by votes of more than N/2",
        (instance, peers, env, up) -> DecentralizedMutex.create(cast(peers), env, up,
            DecentralizedMutex.Settings.DEFAULT),
        (node, replyTo) -> new DecentralizedMutex.GetStatus(replyTo.narrow()), null));
    add(new MutexKind("maekawa", "Maekawa mutual exclusion with sqrt(N) grid quorums",
        (instance, peers, env, up) -> Maekawa.create(cast(peers), up),
        (node, replyTo) -> new Maekawa.GetStatus(replyTo.narrow()), null));
  }

  static {
    add(new PubSubKind());
  }

  /** Election and detector timing for a loopback cluster: fail over in about a second. */
  private static final Duration BEAT = Duration.ofMillis(100);

  static {
    add(new ObserverKind("raft-election", "Raft leader election: terms, randomised timeouts, votes on disk",
        (instance, peers, env, up) -> RaftElection.create(instance, cast(peers), env,
            new RaftElection.Settings(BEAT, ms(500), ms(1000)), up.narrow()),
        replyTo -> new GetStatus(replyTo.narrow()), Map.of()));
    add(new ObserverKind("bully-election", "bully election: the highest live id leads",
        (instance, peers, env, up) -> Bully.create(cast(peers),
            new Bully.Settings(BEAT, ms(500), ms(200), ms(600)), up.narrow()),
        replyTo -> new GetStatus(replyTo.narrow()), Map.of("hold-election", new HoldElection())));
    add(new ObserverKind("ring-election", "ring election (Chang-Roberts) skipping crashed successors",
        (instance, peers, env, up) -> RingElection.create(cast(peers),
            new RingElection.Settings(BEAT, ms(500), ms(200), ms(2000)), up.narrow()),
        replyTo -> new GetStatus(replyTo.narrow()), Map.of("hold-election", new HoldElection())));
    add(new ObserverKind("zookeeper-election", "ZooKeeper-style election on (last transaction id, node id)",
        (instance, peers, env, up) -> ZooKeeperElection.create(instance, cast(peers), env,
            new ZooKeeperElection.Settings(BEAT, ms(500), ms(100), ms(1000)), 0, up.narrow()),
        replyTo -> new GetStatus(replyTo.narrow()), Map.of()));
    add(new ObserverKind("heartbeat-detector", "heartbeat failure detector: Suspect / Restore",
        (instance, peers, env, up) -> HeartbeatFailureDetector.create(cast(peers),
            new HeartbeatFailureDetector.Settings(BEAT, ms(500)), up.narrow()),
        replyTo -> new GetSuspects(replyTo.narrow()), Map.of()));
    add(new ObserverKind("quorum-detector", "quorum partition detector: MajorityLost / MajorityRegained",
        (instance, peers, env, up) -> QuorumPartitionDetector.create(cast(peers), ms(200), up.narrow()),
        replyTo -> new QuorumPartitionDetector.GetQuorum(replyTo.narrow()), Map.of()));
  }

  static {
    add(new KvKind("raft-kv",
        "Raft: replicated log (batched appends, snapshots), linearizable key-value state machine, leader redirection",
        (instance, peers, env, up) -> RaftKv.create(instance, cast(peers), env, RaftKv.Settings.DEFAULT, up.narrow()),
        RaftKv.Request::new, replyTo -> new RaftKv.GetStatus(replyTo.narrow())));
    add(new KvKind("primary-backup",
        "primary-backup: the primary orders and replicates to a majority view before answering; failover by promises",
        (instance, peers, env, up) -> PrimaryBackup.create(instance, cast(peers), env,
            new PrimaryBackup.Settings(ms(50), ms(300), ms(600)), up.narrow()),
        PrimaryBackup.Request::new, replyTo -> new PrimaryBackup.GetStatus(replyTo.narrow())));
    add(new KvKind("chain",
        "chain replication: writes at the head, reads at the tail; a journaled master on the first node repairs it",
        (instance, peers, env, up) -> ChainReplication.create(instance, cast(peers), env,
            new ChainReplication.Settings(ms(50), ms(500), ms(500), null), up.narrow()),
        ChainReplication.Request::new, replyTo -> new ChainReplication.GetStatus(replyTo.narrow())));
    add(new KvKind("quorum", "quorum replication: versioned values, majority R and W, ABD write-back in reads",
        (instance, peers, env, up) -> QuorumReplication.create(instance, cast(peers), env,
            QuorumReplication.Settings.majorities(peers.size()), up.narrow()),
        QuorumReplication.Request::new, replyTo -> new QuorumReplication.GetStatus(replyTo.narrow())));
    add(new KvKind("gossip", "eventually consistent store: last-writer-wins registers, push-pull anti-entropy",
        (instance, peers, env, up) -> GossipStore.create(instance, cast(peers), env, GossipStore.Settings.DEFAULT,
            up.narrow()),
        GossipStore.Request::new, replyTo -> new GossipStore.GetStatus(replyTo.narrow())));
    add(new KvKind("two-phase-commit",
        "two-phase commit: keys partitioned over the nodes, multi-key transactions, coordinator and participant logs",
        (instance, peers, env, up) -> TwoPhaseCommit.create(instance, cast(peers), env,
            TwoPhaseCommit.Settings.DEFAULT, up.narrow(), up.narrow()),
        TwoPhaseCommit.Request::new, replyTo -> new TwoPhaseCommit.GetStatus(replyTo.narrow()),
        Map.of("transact", Transactions::call)));
    add(new LogKind());
  }

  static {
    add(new ByzantineKind("oral-messages",
        "Byzantine agreement OM(m), oral messages: needs n >= 3m+1; decide with traitors per call", false));
    add(new ByzantineKind("signed-messages",
        "Byzantine agreement SM(m), Ed25519-signed messages: agreement for any n >= m+2", true));
    add(new RpcKind("rpc",
        "at-most-once RPC: journaled reply cache on the group's first node (a counter service), clients elsewhere",
        CounterService.INSTANCE, Semantics.AT_MOST_ONCE));
    add(new RpcKind("rpc-at-least-once",
        "at-least-once RPC: every copy of a request executed (a counter service on the first node)",
        CounterService.INSTANCE, Semantics.AT_LEAST_ONCE));
    add(new RpcKind("nfs", "NFS-style stateless file server, at-most-once (reply cache) on the group's first node",
        NfsServer.INSTANCE, Semantics.AT_MOST_ONCE));
    add(new RpcKind("nfs-at-least-once",
        "NFS-style stateless file server, at-least-once: a retried rename answers NOENT",
        NfsServer.INSTANCE, Semantics.AT_LEAST_ONCE));
    add(new ClockSyncKind("cristian",
        "Cristian/NTP offset estimation against the first node's clock, skewed drifting clocks, retries", false));
    add(new ClockSyncKind("berkeley",
        "Berkeley averaging of the nodes' skewed drifting clocks by the first node, retries, unreachable nodes left out",
        true));
    add(new TwoGeneralsKind("two-generals",
        "the two generals (the first two nodes): a bounded acknowledgement chain over a lossy link"));
  }

  static {
    add(new ChordKind("chord",
        "Chord DHT lookup: m = 32 bit ring, fingers, stabilisation, successor lists; the first node creates the ring",
        Chord.Settings.DEFAULT));
    add(new NameServiceKind("name-service",
        "flat name server on the group's first node, resolvers with TTL caches on the others"));
    add(new OverlayKind("overlay-search",
        "unstructured overlay on a random graph of mean degree 3: share items, search by flooding or random walks",
        3, 1));
  }

  private static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }

  private ProtocolKinds() {}

  private static void add(ProtocolKind kind) {
    KINDS.put(kind.name(), kind);
  }

  @SuppressWarnings("unchecked")
  private static <C> Peers<C> cast(Peers<Object> peers) {
    return (Peers<C>) (Peers<?>) peers;
  }

  /** The kind named {@code name}; an unknown name is an error listing the known ones. */
  public static ProtocolKind named(String name) {
    ProtocolKind kind = KINDS.get(name);
    if (kind == null) {
      throw new IllegalArgumentException("unknown protocol kind '" + name + "'; the kinds are "
          + KINDS.keySet());
    }
    return kind;
  }

  public static Map<String, ProtocolKind> all() {
    return Map.copyOf(KINDS);
  }
}
