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
   * A key-value group's settings: Raft's ({@link Raft.Settings}, which checks them) and when its
   * clients' sessions expire.
   *
   * @param raft election timing, batching, snapshots and message sizes
   * @param sessions when clients' sessions expire ({@link SessionExpiry}; null: its default); fixed
   *     when the store starts empty, then carried in its snapshots
   */
  public record Settings(Raft.Settings raft, SessionExpiry sessions) {

    /** For a loopback or LAN cluster: heartbeat 50 ms, election timeout 300-600 ms, 64 KiB snapshot chunks. */
    public static final Settings DEFAULT = of(Raft.Settings.DEFAULT);

    public Settings {
      Objects.requireNonNull(raft, "raft");
      sessions = sessions == null ? SessionExpiry.DEFAULT : sessions;
    }

    /** Raft's settings with these four and its defaults for the rest, sessions expiring by default. */
    public Settings(RaftElection.Settings election, int maxEntriesPerAppend, int maxBatchesInFlight,
        int snapshotInterval) {
      this(new Raft.Settings(election, maxEntriesPerAppend, maxBatchesInFlight, snapshotInterval), null);
    }

    /** {@code raft}, sessions expiring by {@link SessionExpiry#DEFAULT}. */
    public static Settings of(Raft.Settings raft) {
      return new Settings(raft, null);
    }

    public RaftElection.Settings election() {
      return raft.election();
    }

    public int snapshotChunkBytes() {
      return raft.snapshotChunkBytes();
    }

    public int maxAppendBytes() {
      return raft.maxAppendBytes();
    }

    public Settings withElection(RaftElection.Settings e) {
      return new Settings(raft.withElection(e), sessions);
    }

    public Settings withMaxBatchesInFlight(int batches) {
      return new Settings(raft.withMaxBatchesInFlight(batches), sessions);
    }

    public Settings withSnapshotInterval(int entries) {
      return new Settings(raft.withSnapshotInterval(entries), sessions);
    }

    public Settings withSnapshotChunkBytes(int bytes) {
      return new Settings(raft.withSnapshotChunkBytes(bytes), sessions);
    }

    public Settings withMaxAppendBytes(int bytes) {
      return new Settings(raft.withMaxAppendBytes(bytes), sessions);
    }

    public Settings withSessions(SessionExpiry expiry) {
      return new Settings(raft, expiry);
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
        KvStore.machine(settings.sessions()), frontend).narrow();
  }

  /** Answers {@code query} with {@code status} and the number of keys (or logs) the machine holds. */
  public static void answerStatus(GetStatus query, RaftStatus status, int keys) {
    query.replyTo().tell(new RaftKvStatus(status.node(), status.role(), status.term(), status.votedFor(),
        status.leader(), status.commitIndex(), status.lastApplied(), status.firstIndex(), status.lastIndex(),
        status.lastTerm(), status.snapshotIndex(), keys));
  }
}
