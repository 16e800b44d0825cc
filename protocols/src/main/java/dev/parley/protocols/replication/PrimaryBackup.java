package dev.parley.protocols.replication;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import akka.actor.typed.ActorSystem;
import dev.parley.protocols.core.Chunk;
import dev.parley.protocols.core.Durable;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.PayloadCodec;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;
import dev.parley.protocols.core.WriteAhead;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Primary-backup (passive) replication of the {@link KvStore}, with failover through views: one
 * primary per view orders every request and replicates it to the backups, which apply it in order.
 *
 * <p>Model: crash-recovery nodes with stable storage (view, promise, store and sequence are
 * journaled before a node answers), links that lose, delay, duplicate and reorder, partitions that
 * come and heal, partial synchrony for liveness. Of N nodes, a majority must be up and connected
 * for progress; safety holds under any of these faults. Unlike the textbook's primary-backup over
 * a perfect failure detector, no timeout is trusted for safety: the primary and the backups of a
 * view are always a majority of the group, so 2f+1 nodes tolerate f crashes, and the minority side
 * of a partition (a primary cut off included) answers nothing.
 *
 * <p>Normal case: the primary of view v gives each request the next sequence number, applies it to
 * its own store (journaled), sends it to every backup of the view ({@link Replicate}) and answers
 * the client once every backup of the view has acknowledged it ({@link Ack}, cumulative). Reads are
 * ordered like writes, so a primary that was deposed without knowing it cannot answer a stale read:
 * a backup that moved to a newer view refuses it. The view's backups are the nodes that promised it
 * (see below); a backup silent for {@code suspectMin} is dropped from the view if a majority of the
 * group (the primary counted) remains, so a backup's crash costs one timeout and no acknowledged
 * write; a node that comes back is brought up to date (missing entries, or a {@link Snapshot}) and
 * rejoins the view once it has every acknowledged write. Empty Replicates every {@code heartbeat}
 * are the primary's heartbeat, and resend what a lossy link dropped.
 *
 * <p>Sizes: a Replicate carries at most {@code maxMessageBytes} of requests (their serialized sizes,
 * measured once when the primary takes them; at least one), and the primary refuses a request larger
 * than that. A {@link Snapshot} goes in chunks of {@code maxMessageBytes} ({@code ChunkSender}: the
 * store serialized once per state sent, a few chunks unacknowledged, each answered {@link
 * SnapshotReply}, a lost one sent again on the heartbeat); the backup installs the state once it is
 * whole. The state a view change's candidate fetches comes in such chunks too ({@link StateFetch}).
 *
 * <p>Failover ({@link ViewChange}, which has the safety argument): a backup that suspects the primary
 * proposes the next view ({@link Prepare}); a candidate promised by a majority ({@link Promise})
 * starts it from the most advanced of their states, fetched if it is another's ({@link Fetch}), and
 * sends that state to every other node. Deposed primaries learn the newer view from any answer and
 * step down; their unanswered clients get {@link KvReply.Unavailable} (the request may or may not
 * survive). A node that is not primary answers {@link KvReply.NotLeader} naming the primary it
 * follows (null while there is none).
 *
 * <p>Guarantees: linearizable puts, gets and cas (each request id applied once, retries answered as
 * the first time); at most one primary per view; no acknowledged write lost as long as a majority
 * of the group does not lose its journal. Liveness: with a majority up and connected and delays well
 * under the timeouts, a primary is in place within a few timeouts and clients complete. Cost: 2(N-1)
 * messages per request (a Replicate to each backup and its Ack), reads included; a view change costs
 * 2(N-1) for the promises and N-1 snapshots, plus the chosen state's transfer when it is another
 * node's ({@link ViewChange}).
 *
 * <p>Files by role: this one (vocabulary, durable state and journal plumbing), {@link
 * PrimaryBackupNode} (the node's role and what it does with each command), {@link PrimaryRole} (what a
 * primary does in its view), {@link BackupRole} (what a backup does with the primary's entries and
 * state), {@link ViewChange} (suspecting the primary, promising and choosing the state of a new view)
 * and {@link StateFetch} (a view change's transfer of the chosen state to the candidate).
 */
public final class PrimaryBackup
    extends EventSourcedBehavior<PrimaryBackup.Command, PrimaryBackup.Event, PrimaryBackup.State> {

  /** Downcalls, wire messages and timers: the protocol's whole vocabulary. */
  public sealed interface Command extends WireMessage
      permits Request, GetStatus, Prepare, Promise, Fetch, FetchedChunk, Replicate, Snapshot, SnapshotReply, Ack,
      Timer {}

  /** A client's request given to this node. */
  public record Request(KvRequest request) implements Command {}

  /** Asks for this node's {@link Status}. */
  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  /** {@code candidate} asks to be the primary of {@code view}. */
  public record Prepare(long view, NodeId candidate) implements Command {}

  /**
   * {@code from}'s answer to a Prepare: its view, whether it promised, and (when it did) how advanced
   * its state is: the view whose state it last installed and its sequence number (the store itself is
   * fetched, {@link Fetch}, if the candidate chooses it).
   */
  public record Promise(long view, NodeId from, boolean granted, long installedView, long seq) implements Command {}

  /**
   * The candidate of {@code view} reads the state a promiser promised it ({@code installedView}, {@code
   * seq}): it holds the first {@code received} bytes of that promiser's transfer {@code transfer} (0:
   * none yet). {@code tick}: sent on the candidate's timer, not in answer to a chunk.
   */
  public record Fetch(long view, NodeId candidate, long installedView, long seq, long transfer, long received,
      boolean tick) implements Command {}

  /** A piece of {@code from}'s state as it promised it for {@code view}, in its transfer {@code transfer}. */
  public record FetchedChunk(long view, NodeId from, long installedView, long seq, long transfer, Chunk chunk)
      implements Command {}

  /** The primary of {@code view} sends the entries numbered from {@code firstSeq} on (none: a heartbeat). */
  public record Replicate(long view, NodeId primary, long firstSeq, List<KvRequest> entries) implements Command {
    public Replicate {
      entries = List.copyOf(entries);
    }
  }

  /**
   * A piece of the primary of {@code view}'s whole state, its store up to {@code seq}: the start of a
   * view, or a catch-up. {@code chunk} holds the store's serialized bytes from its offset on; the
   * backup installs the state once the chunks complete it, and answers each with {@link SnapshotReply}.
   */
  public record Snapshot(long view, NodeId primary, long seq, Chunk chunk) implements Command {}

  /**
   * {@code from} holds the first {@code received} bytes of the state of {@code view} at {@code seq} (all
   * of them once it installed it): the primary sends on from there.
   */
  public record SnapshotReply(long view, NodeId from, long seq, long received) implements Command {}

  /**
   * {@code from} is in {@code view} and holds its entries up to {@code seq}; {@link #NEEDS_STATE}:
   * it has not installed the view's state yet (or it is in a newer view than the one asked).
   */
  public record Ack(long view, NodeId from, long seq) implements Command {}

  /** The seq of an {@link Ack} from a node that has not installed the view's state. */
  public static final long NEEDS_STATE = -1;

  /** The node's timers: the suspicion of the primary, the primary's heartbeat, a candidate's fetch. */
  enum Timer implements Command { SUSPECT, HEARTBEAT, FETCH }

  /** What is persisted. */
  public sealed interface Event extends WireMessage permits ViewAdopted, StateInstalled, Applied {}

  /** The node moved to {@code view}, promising {@code primary} (null: no one yet). */
  public record ViewAdopted(long view, NodeId primary) implements Event {}

  /** The node installed the state of {@code view}, up to {@code seq}. */
  public record StateInstalled(long view, long seq, KvStore store) implements Event {}

  /** The node applied the entry numbered {@code seq}. */
  public record Applied(long seq, KvRequest request) implements Event {}

  /**
   * A node's durable state.
   *
   * @param view the newest view it has seen (it refuses older ones)
   * @param promised whom it promised in that view (null: nobody yet)
   * @param installedView the view whose state it holds
   * @param seq the number of its last applied entry
   * @param store the key-value store after those entries
   */
  public record State(long view, NodeId promised, long installedView, long seq, KvStore store)
      implements WireMessage {

    public static final State INITIAL = new State(0, null, 0, 0, KvStore.EMPTY);

    State adopt(long newView, NodeId primary) {
      return new State(Math.max(view, newView), primary, installedView, seq, store);
    }

    State install(long stateView, long stateSeq, KvStore stateStore) {
      return new State(Math.max(view, stateView), promised, stateView, stateSeq, stateStore);
    }

    State apply(long entrySeq, KvRequest request) {
      if (entrySeq != seq + 1) {
        throw new IllegalStateException("entry " + entrySeq + " applied after " + seq);
      }
      return new State(view, promised, installedView, entrySeq, store.apply(request).store());
    }
  }

  /** What a node is doing. */
  public enum Role { PRIMARY, BACKUP, CANDIDATE }

  /**
   * What a node knows, for the status API.
   *
   * @param primary the primary it follows (itself when primary; null when unknown)
   * @param backups the primary's backups in this view (empty elsewhere)
   * @param seq the number of its last applied entry
   * @param committed the entries acknowledged up to (the primary's; elsewhere 0)
   */
  public record Status(NodeId node, Role role, NodeId primary, long view, SortedSet<NodeId> backups,
      long seq, long committed, Map<String, String> values) implements WireMessage {
    public Status {
      backups = new TreeSet<>(backups);
      values = new TreeMap<>(values);
    }
  }

  /**
   * @param heartbeat how often the primary sends Replicate (its heartbeat and resends)
   * @param suspectMin how long a backup's silence drops it from the view; the shortest timeout
   *     after which a backup suspects the primary
   * @param suspectMax the longest (exclusive); each timeout is drawn uniformly between them
   * @param maxMessageBytes the most bytes of requests one {@link Replicate} carries (at least one), the
   *     size of a {@link Snapshot}'s chunks, and the largest request the primary takes (a larger one is
   *     refused, {@link KvReply.Unavailable} saying so, without effect): well under the transport's
   *     largest message (Artery's frame is 256 KiB unless configured)
   */
  public record Settings(Duration heartbeat, Duration suspectMin, Duration suspectMax, int maxMessageBytes) {

    /** A message's default budget of payload: 128 KiB, half of Artery's default frame. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 128 * 1024;

    public static final Settings DEFAULT =
        new Settings(Duration.ofMillis(20), Duration.ofMillis(150), Duration.ofMillis(300));

    /** These settings with messages of at most 128 KiB of payload. */
    public Settings(Duration heartbeat, Duration suspectMin, Duration suspectMax) {
      this(heartbeat, suspectMin, suspectMax, DEFAULT_MAX_MESSAGE_BYTES);
    }

    public Settings {
      if (maxMessageBytes < 1) {
        throw new IllegalArgumentException("maxMessageBytes must be at least 1, got " + maxMessageBytes);
      }
      Objects.requireNonNull(heartbeat, "heartbeat");
      Objects.requireNonNull(suspectMin, "suspectMin");
      Objects.requireNonNull(suspectMax, "suspectMax");
      if (heartbeat.isZero() || heartbeat.isNegative() || suspectMin.compareTo(heartbeat) <= 0
          || suspectMax.compareTo(suspectMin) <= 0) {
        throw new IllegalArgumentException("primary-backup needs 0 < heartbeat < suspectMin < suspectMax, got " + this);
      }
    }
  }

  /**
   * The replica of {@code peers.self()} in the group named {@code group} (persistence id {@code
   * primary-backup|<group>/<node>}); answers go to {@code upcalls}.
   */
  public static Behavior<Command> create(String group, Peers<Command> peers, NodeEnv env, Settings settings,
      ActorRef<KvReply> upcalls) {
    return create(group, peers, env, settings, upcalls, PrimaryRole::new);
  }

  /** As {@link #create}, with the primary role {@code primaryRole} makes (a variant's, in specs). */
  static Behavior<Command> create(String group, Peers<Command> peers, NodeEnv env, Settings settings,
      ActorRef<KvReply> upcalls, PrimaryRole.Maker primaryRole) {
    Objects.requireNonNull(settings, "settings");
    return Durable.of((context, timers) -> new PrimaryBackup(group, context.getSystem(), timers, peers, env,
        settings, upcalls, primaryRole.make(peers, env, settings, upcalls)));
  }

  private final NodeEnv env;
  private final ActorSystem<?> system;
  private final PrimaryBackupNode node;
  private PayloadCodec codec;

  private PrimaryBackup(String group, ActorSystem<?> system, TimerScheduler<Command> timers, Peers<Command> peers,
      NodeEnv env, Settings settings, ActorRef<KvReply> upcalls, PrimaryRole primaryRole) {
    super(PersistenceId.of("primary-backup", group + "/" + peers.self().name()));
    this.env = env;
    this.system = system;
    this.node = new PrimaryBackupNode(timers, peers, env, settings, upcalls, new WriteAhead<>(Effect()), primaryRole,
        this::codec);
  }

  @Override
  public State emptyState() {
    return State.INITIAL;
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Request.class, node::onRequest)
        .onCommand(Replicate.class, node::onReplicate)
        .onCommand(Snapshot.class, node::onSnapshot)
        .onCommand(SnapshotReply.class, node::onSnapshotReply)
        .onCommand(Ack.class, node::onAck)
        .onCommand(Prepare.class, node::onPrepare)
        .onCommand(Promise.class, node::onPromise)
        .onCommand(Fetch.class, node::onFetch)
        .onCommand(FetchedChunk.class, node::onFetchedChunk)
        .onCommand(Timer.class, node::onTimer)
        .onCommand(GetStatus.class, node::onGetStatus)
        .build();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(ViewAdopted.class, (state, e) -> state.adopt(e.view(), e.primary()))
        .onEvent(StateInstalled.class, (state, e) -> state.install(e.view(), e.seq(), e.store()))
        .onEvent(Applied.class, (state, e) -> state.apply(e.seq(), e.request()))
        .build();
  }

  /** How this node serializes the state it sends and reads the state it receives (found at first use). */
  private PayloadCodec codec() {
    if (codec == null) {
      codec = env.codec(system);
    }
    return codec;
  }
}
