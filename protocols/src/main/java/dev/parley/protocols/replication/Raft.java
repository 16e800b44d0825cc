package dev.parley.protocols.replication;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.parley.protocols.core.Chunk;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.Heartbeat;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Payload;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;
import dev.parley.protocols.election.LogPosition;
import dev.parley.protocols.election.RaftElection;
import dev.parley.protocols.election.RaftState;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Raft (Ongaro and Ousterhout 2014) over any {@link StateMachine}: a log of commands that a majority
 * agrees on, applied in order to the machine on every replica, with leader election (section 5.2),
 * log replication (5.3), the election restriction and commitment rules (5.4), and log compaction with
 * snapshots (7). {@link RaftKv} is Raft over {@link KvStore}, {@code RaftElection} Raft over a machine
 * that holds nothing, and the partitioned log Raft over its {@code LogStore}.
 *
 * <p>Model: partial synchrony, links that lose, delay, duplicate and reorder, crash-recovery servers
 * whose term, vote and log are on disk (an event-sourced behavior: nothing is acted on before it is
 * persisted). The leader of a term takes clients' commands, appends them to its log, and sends each
 * follower the entries it lacks in {@link AppendEntries} (at most {@code maxEntriesPerAppend}, after
 * the entry at {@code prev}); a follower keeps them only if its log holds {@code prev} (the
 * consistency check), drops a conflicting suffix, persists, and answers its last matching index, or
 * where the leader should try next (its log's end, or the first entry of the conflicting term). An
 * entry of the leader's current term is committed once a majority's logs hold it, and with it every
 * entry before it; committed entries are applied in index order to the state machine, and the node
 * the command was given to answers it from there. A new leader first appends a no-op, which commits
 * the entries of earlier terms with it. Reads go through the log like writes, so a deposed leader
 * cannot answer one. Every {@code snapshotInterval}
 * applied entries a node replaces its log's prefix by the machine's snapshot, and the journal takes
 * a snapshot (it also takes one every {@code snapshotInterval} events, deleting the events before);
 * a follower that needs entries the leader no longer has gets the snapshot instead (section 7): the
 * leader serializes it once and sends it in chunks ({@link InstallSnapshot}: offset, data, done), a
 * few unacknowledged at most, each answered with how much the follower holds ({@link
 * InstallSnapshotReply}); the follower puts them together in memory and installs the snapshot only
 * once it is whole. Transfers resume from what the follower reports holding: a chunk or answer lost
 * is sent again on the leader's heartbeat, and a follower that crashed mid-transfer holds nothing,
 * so its transfer restarts from the first chunk; a new leader (a new term) starts a transfer of its
 * own snapshot from the first chunk.
 *
 * <p>Guarantees: at most one leader per term; log matching (two logs holding an entry with the same
 * index and term are identical up to it); a committed entry is in the log of every later leader, so
 * an acknowledged command survives any crashes short of a majority's disks; the replicated machine is
 * linearizable (given a deterministic machine; a retried command is applied again unless the machine
 * has client sessions, {@link SessionStateMachine}). A node that is not the leader answers that it is
 * not, naming the leader it knows; a leader cut off from its majority answers nothing (its entries do
 * not commit). A committed command the machine throws on leaves the machine's state as it was, on
 * every replica alike, and its client is answered {@link Failed} naming the exception; the replicas
 * go on with the next entry. Liveness once a majority is up and connected with delays well under the
 * election timeout.
 *
 * <p>Cost: per batch of commands one disk write at the leader and one at each follower (in parallel,
 * the leader counting itself once its own write is done), and N-1 AppendEntries and replies. The
 * leader batches ({@code WriteBatches}): the commands that arrive while a batch is being replicated go
 * to disk together as the next one, and to each follower in one message ({@code maxBatchesInFlight}
 * batches may be under way at once; one by default). A snapshot of any size travels in chunks of
 * {@code snapshotChunkBytes} (64 KiB by default, well under Artery's 256 KiB frame), at most four
 * unacknowledged per follower; the leader holds one serialized copy of each snapshot it is sending,
 * a follower one buffer of the snapshot's size while it receives. An AppendEntries is bounded by
 * {@code maxEntriesPerAppend} entries and by {@code maxAppendBytes} bytes (128 KiB by default, at least
 * one entry): the leader serializes each command once, when it takes it (and an entry of an earlier
 * leader once, when it first sends it), and keeps its size; a command larger than {@code
 * maxAppendBytes} is refused then ({@link Failed}, naming its size and the limit), before it is
 * appended, so no entry is ever too large to send.
 *
 * <p>The code is split by role: {@code RaftServer} (the event-sourced behavior, roles and status),
 * {@code RaftVoting} (election), {@code RaftLeader} and {@code RaftFollower} (log replication), {@code
 * RaftApplier} (applying the machine, answering, snapshots); {@code RaftFrontends} (the frontends
 * made here) and {@code RaftSettingsCheck} (the settings' validation) are helpers.
 */
public final class Raft {

  private Raft() {}

  // ---------------------------------------------------------------- vocabulary

  /** Downcalls, wire messages and timers: the protocol's whole vocabulary. */
  public sealed interface Command extends WireMessage permits Submit, GetStatus, RequestVote, VoteReply,
      AppendEntries, AppendReply, InstallSnapshot, InstallSnapshotReply, Timer, Downcall {}

  /**
   * A facade's own downcalls ({@code RaftKv.Request}, the elections' {@code GetStatus}): the {@link
   * Frontend} given to {@link #create} turns them into what the replica does.
   */
  public non-sealed interface Downcall extends Command {}

  /** A client's command for the state machine, given to this node. */
  public record Submit(@Payload Object command) implements Command {}

  /** Reply with this node's {@link RaftStatus}. */
  public record GetStatus(ActorRef<RaftStatus> replyTo) implements Command {}

  /** {@code candidate} asks for a vote in {@code term}; its log ends at {@code lastLog}. */
  public record RequestVote(long term, NodeId candidate, LogPosition lastLog) implements Command {}

  /** {@code from}'s answer to a vote request: its current term, and whether it voted for the candidate. */
  public record VoteReply(long term, NodeId from, boolean granted) implements Command {}

  /**
   * The leader of {@code term} sends {@code entries}, which follow the entry at {@code prev} in its
   * log, and the index it knows committed. With no entries, a heartbeat (so traced as one).
   */
  public record AppendEntries(long term, NodeId leader, LogPosition prev, List<LogEntry> entries,
      long leaderCommit) implements Command, Heartbeat {
    public AppendEntries {
      entries = List.copyOf(entries);
    }

    @JsonIgnore
    @Override
    public boolean isHeartbeat() {
      return entries.isEmpty();
    }
  }

  /**
   * {@code from}'s answer to AppendEntries or InstallSnapshot: on success {@code index} is the last
   * index its log now shares with the leader's; on failure, the index the leader should send from.
   * {@code answersHeartbeat}: a successful answer to an AppendEntries with no entries (so traced as
   * a heartbeat too; the leader reads it as any other answer).
   */
  public record AppendReply(long term, NodeId from, boolean success, long index, boolean answersHeartbeat)
      implements Command, Heartbeat {

    @JsonIgnore
    @Override
    public boolean isHeartbeat() {
      return answersHeartbeat;
    }
  }

  /**
   * A piece of the leader's snapshot of the machine at {@code last}, for a follower that needs entries
   * compacted away: {@code chunk} holds the snapshot's serialized bytes from its offset on; the follower
   * installs the snapshot once the chunk that is done completes it, and answers the last one with
   * {@link AppendReply} (its log then matches up to {@code last}), every other with {@link
   * InstallSnapshotReply}.
   */
  public record InstallSnapshot(long term, NodeId leader, LogPosition last, Chunk chunk) implements Command {}

  /**
   * {@code from} holds the first {@code received} bytes of the leader's snapshot at {@code last} (0:
   * none; it lost them in a crash, or the chunk was of another snapshot than the one it holds): the
   * leader sends on from there.
   */
  public record InstallSnapshotReply(long term, NodeId from, LogPosition last, long received) implements Command {}

  enum Timer implements Command {
    /** No leader heard from; stand for election. */
    ELECTION_TIMEOUT,
    /** The leader's AppendEntries round. */
    HEARTBEAT,
    /** To itself: append the commands taken since the last write, as one write. */
    FLUSH,
    /** To itself: replace the applied prefix of the log by a snapshot. */
    COMPACT
  }

  /** The upcalls of {@link #create(String, Peers, NodeEnv, Settings, StateMachine, ActorRef)}. */
  public sealed interface Upcall extends WireMessage permits Answered, NotLeader, Failed {}

  /** {@code command}, given to this node, was applied and answered {@code reply}. */
  public record Answered(@Payload Object command, @Payload Object reply) implements Upcall {}

  /**
   * {@code command}, given to this node, had no effect: this node does not lead, or stopped leading
   * before the command was committed; {@code leader} leads as far as it knows (null: unknown).
   */
  public record NotLeader(@Payload Object command, NodeId leader) implements Upcall {}

  /**
   * {@code command}, given to this node, had no effect on any replica: it was committed, but the state
   * machine threw applying it, or the leader refused it before appending it (larger than {@code
   * maxAppendBytes} serialized); {@code error} says which, and what to do.
   */
  public record Failed(@Payload Object command, String error) implements Upcall {}

  // ---------------------------------------------------------------- what is persisted

  /** What is persisted: a server's term, vote and log change only through these. */
  public sealed interface Event extends WireMessage
      permits TermStarted, Voted, EntriesAppended, LogTruncated, SnapshotTaken {}

  /** The server moved to {@code term} (no vote cast in it yet). */
  public record TermStarted(long term) implements Event {}

  /** The server voted for {@code candidate} in {@code term}. */
  public record Voted(long term, NodeId candidate) implements Event {}

  /** {@code entries} appended after the log's last. */
  public record EntriesAppended(List<LogEntry> entries) implements Event {
    public EntriesAppended {
      entries = List.copyOf(entries);
    }
  }

  /** The entries from index {@code from} on removed (they conflicted with the leader's). */
  public record LogTruncated(long from) implements Event {}

  /** The log's prefix up to {@code last} replaced by the machine's snapshot there (taken, or installed). */
  public record SnapshotTaken(LogPosition last, @Payload Object snapshot) implements Event {}

  /** The persistent state: term and vote, and the log. */
  public record State(RaftState vote, RaftLog log) implements WireMessage {

    public static final State INITIAL = new State(RaftState.INITIAL, RaftLog.EMPTY);

    public State {
      Objects.requireNonNull(vote, "vote");
      Objects.requireNonNull(log, "log");
    }

    public long term() {
      return vote.term();
    }

    /** The state after {@code event}: the event handler, also for replaying a journal. */
    public State apply(Event event) {
      return RaftServer.next(this, event);
    }
  }

  // ---------------------------------------------------------------- settings

  /**
   * @param election heartbeat and election timeouts, as the election's
   * @param maxEntriesPerAppend the most entries one AppendEntries carries
   * @param maxBatchesInFlight how many batches the leader sends before the oldest is committed: 1
   *     coalesces everything that arrives during a replication round into the next write (fewest
   *     writes and messages per command, best when CPU or disk is the bottleneck); more pipelines
   *     (lower latency when the round trip dominates)
   * @param snapshotInterval how many applied entries a node keeps in its log before it compacts them
   * @param snapshotChunkBytes the most bytes of a snapshot one {@link InstallSnapshot} carries: well under
   *     the transport's largest message (Artery's frame is 256 KiB unless configured)
   * @param maxAppendBytes the most bytes of commands one AppendEntries carries (their serialized sizes,
   *     plus {@code ByteBudget.ENTRY_OVERHEAD} each; at least one entry always goes), and the largest
   *     command a leader takes: a larger one is refused ({@link Failed}) before it is appended. Well
   *     under the transport's largest message
   */
  public record Settings(RaftElection.Settings election, int maxEntriesPerAppend, int maxBatchesInFlight,
      int snapshotInterval, int snapshotChunkBytes, int maxAppendBytes) {

    /** A snapshot's default chunk: 64 KiB, a quarter of Artery's default frame. */
    public static final int DEFAULT_SNAPSHOT_CHUNK_BYTES = 64 * 1024;

    /** An AppendEntries' default byte budget: 128 KiB, half of Artery's default frame. */
    public static final int DEFAULT_MAX_APPEND_BYTES = 128 * 1024;

    /**
     * For a loopback or LAN cluster: heartbeat 50 ms, election timeout 300-600 ms, 64 KiB snapshot
     * chunks, AppendEntries of at most 512 entries and 128 KiB.
     */
    public static final Settings DEFAULT = new Settings(
        new RaftElection.Settings(Duration.ofMillis(50), Duration.ofMillis(300), Duration.ofMillis(600)),
        512, 1, 10_000, DEFAULT_SNAPSHOT_CHUNK_BYTES, DEFAULT_MAX_APPEND_BYTES);

    public Settings {
      RaftSettingsCheck.requireValid(election, maxEntriesPerAppend, maxBatchesInFlight, snapshotInterval,
          snapshotChunkBytes, maxAppendBytes);
    }

    /** These settings with AppendEntries of at most 128 KiB. */
    public Settings(RaftElection.Settings election, int maxEntriesPerAppend, int maxBatchesInFlight,
        int snapshotInterval, int snapshotChunkBytes) {
      this(election, maxEntriesPerAppend, maxBatchesInFlight, snapshotInterval, snapshotChunkBytes,
          DEFAULT_MAX_APPEND_BYTES);
    }

    /** These settings with 64 KiB snapshot chunks and AppendEntries of at most 128 KiB. */
    public Settings(RaftElection.Settings election, int maxEntriesPerAppend, int maxBatchesInFlight,
        int snapshotInterval) {
      this(election, maxEntriesPerAppend, maxBatchesInFlight, snapshotInterval, DEFAULT_SNAPSHOT_CHUNK_BYTES);
    }

    public Settings withElection(RaftElection.Settings e) {
      return new Settings(e, maxEntriesPerAppend, maxBatchesInFlight, snapshotInterval, snapshotChunkBytes,
          maxAppendBytes);
    }

    public Settings withMaxBatchesInFlight(int batches) {
      return new Settings(election, maxEntriesPerAppend, batches, snapshotInterval, snapshotChunkBytes,
          maxAppendBytes);
    }

    public Settings withSnapshotInterval(int entries) {
      return new Settings(election, maxEntriesPerAppend, maxBatchesInFlight, entries, snapshotChunkBytes,
          maxAppendBytes);
    }

    public Settings withSnapshotChunkBytes(int bytes) {
      return new Settings(election, maxEntriesPerAppend, maxBatchesInFlight, snapshotInterval, bytes,
          maxAppendBytes);
    }

    public Settings withMaxAppendBytes(int bytes) {
      return new Settings(election, maxEntriesPerAppend, maxBatchesInFlight, snapshotInterval, snapshotChunkBytes,
          bytes);
    }
  }

  // ---------------------------------------------------------------- the clients' side

  /**
   * Where a replica's clients meet it: how a facade's own downcalls reach the replica, and how the
   * replica's answers reach the clients. Called from inside the replica (its actor's thread).
   *
   * @param <S> the machine's state
   * @param <C> its commands
   * @param <R> its answers
   */
  public interface Frontend<S, C, R> {

    /** {@code command}, given to this node, was applied and answered {@code reply}. */
    void applied(C command, R reply);

    /** {@code command}, given to this node, had no effect; {@code leader} leads as far as this node knows. */
    void notApplied(C command, NodeId leader);

    /**
     * {@code command}, given to this node, had no effect on any replica: it was committed but the
     * machine threw applying it, or the leader refused it before appending it (larger than {@code
     * maxAppendBytes} serialized); {@code error} says which, and what to do.
     */
    void failed(C command, String error);

    /** This node learned that {@code leader} (itself, maybe) leads {@code term}: once per term. */
    default void leaderKnown(NodeId leader, long term) {}

    /** One of the facade's own downcalls, acted on through {@code replica}. */
    default void onDowncall(Downcall downcall, Replica<S, C> replica) {
      throw RaftFrontends.unhandled(downcall);
    }

    /** This frontend, with the facade's own downcalls handled by {@code handler}. */
    default Frontend<S, C, R> withDowncalls(BiConsumer<Downcall, Replica<S, C>> handler) {
      return RaftFrontends.withDowncalls(this, handler);
    }
  }

  /** What a {@link Frontend} may do with its replica. */
  public interface Replica<S, C> {

    NodeId self();

    /** Gives the replica a client's command, as {@link Submit} does. */
    void submit(C command);

    /** The replica's live state. */
    RaftStatus status();

    /** The machine's state as applied here so far. */
    S state();
  }

  /**
   * The frontend that answers each command with its reply, a command without effect with {@code
   * notLeader}'s reply, and one the machine threw on with {@code failed}'s, to {@code upcalls}.
   */
  public static <S, C, R> Frontend<S, C, R> answering(ActorRef<? super R> upcalls,
      BiFunction<C, NodeId, R> notLeader, BiFunction<C, String, R> failed) {
    return RaftFrontends.answering(upcalls, notLeader, failed);
  }

  // ---------------------------------------------------------------- factories

  /**
   * The replica of {@code peers.self()} in the Raft group named {@code group} (persistence id {@code
   * raft|<group>/<node>}, so several groups can share one journal), replicating {@code machine}; each
   * command given to it in a {@link Submit} is answered {@link Answered}, {@link NotLeader} or {@link
   * Failed} to {@code upcalls}.
   */
  public static <S, C, R> Behavior<Command> create(String group, Peers<Command> peers, NodeEnv env,
      Settings settings, StateMachine<S, C, R> machine, ActorRef<? super Upcall> upcalls) {
    return create("raft", group, peers, env, settings, machine, upcalling(upcalls));
  }

  /** The frontend that tells {@code upcalls} {@link Answered}, {@link NotLeader} and {@link Failed}. */
  static <S, C, R> Frontend<S, C, R> upcalling(ActorRef<? super Upcall> upcalls) {
    return RaftFrontends.upcalling(upcalls);
  }

  /**
   * The replica of {@code peers.self()} in the Raft group named {@code group}, replicating {@code
   * machine}, its clients served by {@code frontend}; its persistence id is {@code
   * <persistenceType>|<group>/<node>}.
   */
  public static <S, C, R> Behavior<Command> create(String persistenceType, String group, Peers<Command> peers,
      NodeEnv env, Settings settings, StateMachine<S, C, R> machine, Frontend<S, C, R> frontend) {
    return create(persistenceType, group, peers, env, settings, machine, frontend, RaftLeader::new);
  }

  /**
   * As {@link #create(String, String, Peers, NodeEnv, Settings, StateMachine, Frontend)}, with the
   * leader's role that {@code leaderRole} makes (a deliberately broken variant's, in specs).
   */
  static <S, C, R> Behavior<Command> create(String persistenceType, String group, Peers<Command> peers,
      NodeEnv env, Settings settings, StateMachine<S, C, R> machine, Frontend<S, C, R> frontend,
      Function<RaftServer<S, C, R>, RaftLeader<C>> leaderRole) {
    return create(persistenceType, group, peers, env, settings, machine, frontend, leaderRole, RaftFollower::new);
  }

  /**
   * As {@link #create(String, String, Peers, NodeEnv, Settings, StateMachine, Frontend)}, with the
   * leader's and the follower's roles that {@code leaderRole} and {@code followerRole} make (a
   * deliberately broken variant's, in specs).
   */
  static <S, C, R> Behavior<Command> create(String persistenceType, String group, Peers<Command> peers,
      NodeEnv env, Settings settings, StateMachine<S, C, R> machine, Frontend<S, C, R> frontend,
      Function<RaftServer<S, C, R>, RaftLeader<C>> leaderRole, Function<RaftServer<?, ?, ?>, RaftFollower> followerRole) {
    return RaftServer.behavior(persistenceType, group, peers, env, settings, machine, frontend, leaderRole,
        followerRole);
  }
}
