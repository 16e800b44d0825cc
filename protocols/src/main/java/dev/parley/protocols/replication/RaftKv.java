package dev.parley.protocols.replication;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.election.RaftElection;
import java.util.Objects;

/**
 * Raft's replicated key-value store: {@link Raft} over the {@link KvStore} state machine (keys and
 * client sessions), behind the key-value interface every store of this package offers ({@link
 * KvRequest} in, {@link KvReply} out). The algorithm, its model, guarantees and cost are {@link
 * Raft}'s: linearizable (reads go through the log), no acknowledged write lost while a majority's
 * disks survive, one batch of requests per disk write and per round of N-1 AppendEntries. A node that
 * is not the leader answers {@link KvReply.NotLeader} naming the leader it knows; a retried request
 * (same {@link RequestId}) is applied once, by the store's sessions.
 *
 * <p>The replicas exchange Raft's messages ({@link Raft.Command}); a client gives a replica its
 * {@link Command}s, so {@code Peers<RaftKv.Command>} are references to replicas, which take both.
 */
public final class RaftKv {

  private RaftKv() {}

  /** What a client gives a replica (the replicas also take Raft's own messages from each other). */
  public sealed interface Command extends Raft.Downcall permits Request, GetStatus {}

  /** A client's request given to this node. */
  public record Request(KvRequest request) implements Command {}

  /** Reply with this node's {@link RaftKvStatus}. */
  public record GetStatus(ActorRef<RaftKvStatus> replyTo) implements Command {}

  /**
   * Raft's settings ({@link Raft.Settings}, which checks them) for a key-value group.
   *
   * @param election heartbeat and election timeouts, as the election's
   * @param maxEntriesPerAppend the most entries one AppendEntries carries
   * @param maxBatchesInFlight how many batches the leader sends before the oldest is committed
   * @param snapshotInterval how many applied entries a node keeps in its log before it compacts them
   * @param snapshotChunkBytes the most bytes of a snapshot one message carries to a follower
   * @param maxAppendBytes the most bytes of requests one AppendEntries carries, and the largest request
   *     taken (a larger one is answered {@link KvReply.Unavailable} saying so, without effect)
   */
  public record Settings(RaftElection.Settings election, int maxEntriesPerAppend, int maxBatchesInFlight,
      int snapshotInterval, int snapshotChunkBytes, int maxAppendBytes) {

    /** For a loopback or LAN cluster: heartbeat 50 ms, election timeout 300-600 ms, 64 KiB snapshot chunks. */
    public static final Settings DEFAULT = of(Raft.Settings.DEFAULT);

    public Settings {
      new Raft.Settings(election, maxEntriesPerAppend, maxBatchesInFlight, snapshotInterval, snapshotChunkBytes,
          maxAppendBytes);
    }

    /** These settings with AppendEntries of at most 128 KiB. */
    public Settings(RaftElection.Settings election, int maxEntriesPerAppend, int maxBatchesInFlight,
        int snapshotInterval, int snapshotChunkBytes) {
      this(election, maxEntriesPerAppend, maxBatchesInFlight, snapshotInterval, snapshotChunkBytes,
          Raft.Settings.DEFAULT_MAX_APPEND_BYTES);
    }

    /** These settings with 64 KiB snapshot chunks. */
    public Settings(RaftElection.Settings election, int maxEntriesPerAppend, int maxBatchesInFlight,
        int snapshotInterval) {
      this(election, maxEntriesPerAppend, maxBatchesInFlight, snapshotInterval,
          Raft.Settings.DEFAULT_SNAPSHOT_CHUNK_BYTES);
    }

    public static Settings of(Raft.Settings s) {
      return new Settings(s.election(), s.maxEntriesPerAppend(), s.maxBatchesInFlight(), s.snapshotInterval(),
          s.snapshotChunkBytes(), s.maxAppendBytes());
    }

    /** These settings as Raft takes them. */
    public Raft.Settings raft() {
      return new Raft.Settings(election, maxEntriesPerAppend, maxBatchesInFlight, snapshotInterval,
          snapshotChunkBytes, maxAppendBytes);
    }

    public Settings withElection(RaftElection.Settings e) {
      return of(raft().withElection(e));
    }

    public Settings withMaxBatchesInFlight(int batches) {
      return of(raft().withMaxBatchesInFlight(batches));
    }

    public Settings withSnapshotInterval(int entries) {
      return of(raft().withSnapshotInterval(entries));
    }

    public Settings withSnapshotChunkBytes(int bytes) {
      return of(raft().withSnapshotChunkBytes(bytes));
    }

    public Settings withMaxAppendBytes(int bytes) {
      return of(raft().withMaxAppendBytes(bytes));
    }
  }

  /**
   * The replica of {@code peers.self()} in the Raft group named {@code group} (persistence id {@code
   * raft-kv|<group>/<node>}, so several groups can share one journal); each request given to it is
   * answered by an upcall to {@code upcalls}.
   */
  @SuppressWarnings("unchecked")
  public static Behavior<Command> create(String group, Peers<Command> peers, NodeEnv env,
      Settings settings, ActorRef<KvReply> upcalls) {
    Objects.requireNonNull(settings, "settings");
    Raft.Frontend<KvStore, KvRequest, KvReply> frontend = Raft.<KvStore, KvRequest, KvReply>answering(upcalls,
        (request, leader) -> new KvReply.NotLeader(request.id(), leader),
        (request, error) -> new KvReply.Unavailable(request.id(), error)).withDowncalls((downcall, replica) -> {
          if (downcall instanceof Request r) {
            replica.submit(r.request());
          } else {
            answerStatus((GetStatus) downcall, replica.status(), replica.state().values().size());
          }
        });
    return Raft.create("raft-kv", group, (Peers<Raft.Command>) (Peers<?>) peers, env, settings.raft(),
        KvStore.MACHINE, frontend).narrow();
  }

  /** Answers {@code query} with {@code status} and the number of keys (or logs) the machine holds. */
  public static void answerStatus(GetStatus query, RaftStatus status, int keys) {
    query.replyTo().tell(new RaftKvStatus(status.node(), status.role(), status.term(), status.votedFor(),
        status.leader(), status.commitIndex(), status.lastApplied(), status.firstIndex(), status.lastIndex(),
        status.lastTerm(), status.snapshotIndex(), keys));
  }
}
