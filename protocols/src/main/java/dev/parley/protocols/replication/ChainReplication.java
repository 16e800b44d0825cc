package dev.parley.protocols.replication;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import dev.parley.protocols.core.Chunk;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Chain replication (van Renesse and Schneider, OSDI 2004) of the {@link KvStore}: the replicas
 * form a chain; a write enters at the head, which orders it and applies it, and passes down the
 * chain, each replica applying it in turn; once the tail has applied it, the write is acknowledged
 * back up the chain to the head, which answers the client. Reads are answered by the tail alone.
 *
 * <p>Model: crash-stop replicas that may come back as new members (a restarted replica has lost
 * its memory and rejoins at the tail by state transfer), one configuration master ({@link
 * ChainMaster}, on the node {@code Settings.master}, by default the group's lowest id; its
 * configuration is journaled, so it is crash-recovery), links that lose, delay, duplicate and
 * reorder, partitions; clocks with bounded skew (the simulation's virtual clock has none). Safety
 * holds under all of these. Progress needs the master up and reaching the chain, and one replica
 * holding the store to survive until the next repair: the chain tolerates the crash of all its
 * replicas but one, one at a time (a partition may make the master shrink the chain to the
 * replicas it reaches; a crash of every replica holding the store loses it).
 *
 * <p>Each replica keeps the entries it applied but the tail has not yet acknowledged (the paper's
 * Sent list) and resends them to its successor every {@code heartbeat} until acknowledged, so a
 * lossy link or a crashed middle replica loses nothing: the repaired chain links the crashed
 * replica's predecessor to its successor, and the predecessor's Sent list holds everything the
 * successor may lack. A new tail gets its predecessor's whole state and serves only once it has
 * it: the predecessor serializes its store once and sends it in chunks of {@code maxMessageBytes}
 * ({@link Transfer}, a few unacknowledged at most, each answered with how much the successor holds,
 * {@link TransferReply}; a chunk lost is sent again on the resend timer, {@code ChunkSender}); the
 * successor installs the store once it is whole. A {@link Forward} carries at most {@code
 * maxMessageBytes} of requests (their serialized sizes, measured once when they enter the Sent list),
 * and the head refuses a write larger than that. Messages of another epoch are ignored.
 *
 * <p>The master pings every replica every {@code heartbeat} with the configuration ({@link
 * Configure}: the epoch and the chain) and a lease running {@code lease} from the replica's last
 * answer ({@link Pong}, carrying its incarnation, drawn at start, so the master tells a restart from
 * a slow node). A replica silent for {@code suspectAfter} is removed once its lease has run out; a
 * restarted replica is removed at once (its old incarnation is gone) and, as any live node outside
 * the chain, appended at the tail. A head or tail serves clients only under a lease, so a replica
 * removed while still running (cut off by a partition) has stopped serving before the chain that
 * replaced it serves anything. A request for a replica that is not the head (writes) or the tail
 * (reads) is answered {@link KvReply.NotLeader} naming it.
 *
 * <p>Guarantees: linearizable puts, gets and cas (each request id applied once); an acknowledged
 * write is held by every replica from the head to the tail that acknowledged it, and a replica
 * added later starts from the tail's state. Cost for a chain of N: a write takes N-1 messages down
 * the chain and N-1 acknowledgements back up, 2(N-1) (the paper's tail answers the client itself,
 * N; here the answer is an upcall at the head, as in every algorithm of this package); a read
 * takes none; the master sends a ping and gets a pong per replica per heartbeat.
 *
 * <p>Files by role: this one (vocabulary and the entry point), {@link ChainReplica} (a replica) and
 * {@link ChainMaster} (the configuration master).
 */
public final class ChainReplication {

  private ChainReplication() {}

  /** Downcalls, wire messages and timers of the replicas and the master. */
  public sealed interface Command extends WireMessage
      permits Request, GetStatus, Configure, Pong, Forward, Acked, Transfer, TransferReply, Timer {}

  /** A client's request given to this node. */
  public record Request(KvRequest request) implements Command {}

  /** Asks for this node's {@link Status}. */
  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  /**
   * The master's heartbeat: the configuration, and the lease of the replica it is sent to: it may
   * serve clients until {@code leaseUntil} (epoch millis; 0 for none).
   */
  public record Configure(Config config, long leaseUntil) implements Command {}

  /** A replica's answer to the master: its incarnation, the epoch it is in, whether it holds the store. */
  public record Pong(NodeId from, long incarnation, long epoch, boolean synced) implements Command {}

  /** Entries numbered from {@code firstSeq} on, passed down the chain of {@code epoch}. */
  public record Forward(long epoch, NodeId from, long firstSeq, List<KvRequest> entries) implements Command {
    public Forward {
      entries = List.copyOf(entries);
    }
  }

  /**
   * Up the chain of {@code epoch}: the tail holds every entry up to {@code seq}; {@link
   * #NEEDS_STATE}: {@code from} is a new replica waiting for its predecessor's state.
   */
  public record Acked(long epoch, NodeId from, long seq) implements Command {}

  /** The seq of an {@link Acked} from a replica that has not received its state. */
  public static final long NEEDS_STATE = -1;

  /**
   * A piece of a predecessor's whole state, its store after the entries up to {@code seq}, for its new
   * successor: {@code chunk} holds the store's serialized bytes from its offset on. The successor
   * installs the store once the chunks complete it, and answers each with {@link TransferReply}.
   */
  public record Transfer(long epoch, NodeId from, long seq, Chunk chunk) implements Command {}

  /**
   * {@code from} holds the first {@code received} bytes of its predecessor's state at {@code seq} (all
   * of them once it installed it): the predecessor sends on from there.
   */
  public record TransferReply(long epoch, NodeId from, long seq, long received) implements Command {}

  enum Timer implements Command { RESEND, PING }

  /** A replica in a chain: the node, its incarnation, and the epoch it joined the chain in. */
  public record Member(NodeId node, long incarnation, long since) implements WireMessage {}

  /**
   * A configuration: its epoch and the chain, head first. Epoch 0 is the empty chain before the
   * master has heard from every replica; epoch {@link #GENESIS} is the first chain, every replica
   * starting from the empty store.
   */
  public record Config(long epoch, List<Member> chain) implements WireMessage {
    public static final long GENESIS = 1;
    public static final Config NONE = new Config(0, List.of());

    public Config {
      chain = List.copyOf(chain);
    }

    /** The position of {@code node} with this {@code incarnation}, or -1. */
    int indexOf(NodeId node, long incarnation) {
      for (int i = 0; i < chain.size(); i++) {
        if (chain.get(i).node().equals(node) && chain.get(i).incarnation() == incarnation) {
          return i;
        }
      }
      return -1;
    }

    /** The head, or null for an empty chain. */
    public NodeId head() {
      return chain.isEmpty() ? null : chain.get(0).node();
    }

    /** The tail, or null for an empty chain. */
    public NodeId tail() {
      return chain.isEmpty() ? null : chain.get(chain.size() - 1).node();
    }

    /** The chain's nodes, head first. */
    public List<NodeId> nodes() {
      return chain.stream().map(Member::node).toList();
    }
  }

  /** What a node is. */
  public enum Role { MASTER, HEAD, MIDDLE, TAIL, HEAD_AND_TAIL, OUTSIDE }

  /**
   * What a node knows, for the status API.
   *
   * @param chain the chain of its configuration, head first
   * @param synced whether it holds the store (a replica added at the tail waits for its state)
   * @param seq the number of its last applied entry
   * @param acked up to which entry the tail is known to hold them
   * @param sent how many applied entries await the tail's acknowledgement (the Sent list)
   */
  public record Status(NodeId node, Role role, long epoch, List<NodeId> chain, boolean synced, long seq,
      long acked, int sent, Map<String, String> values) implements WireMessage {
    public Status {
      chain = List.copyOf(chain);
      values = new TreeMap<>(values);
    }
  }

  /**
   * @param heartbeat how often the master pings and replicas resend unacknowledged entries
   * @param lease how long a ping lets a replica serve clients
   * @param suspectAfter how long a replica may be silent before the master removes it from the chain
   *     (once its lease has run out too)
   * @param master the node running the master (null: the group's lowest id); the others are replicas
   * @param maxMessageBytes the most bytes of requests one {@link Forward} carries (at least one), the
   *     size of a state transfer's chunks, and the largest write the head takes (a larger one is
   *     refused, {@link KvReply.Unavailable} saying so, without effect): well under the transport's
   *     largest message (Artery's frame is 256 KiB unless configured)
   */
  public record Settings(Duration heartbeat, Duration lease, Duration suspectAfter, NodeId master,
      int maxMessageBytes) {

    /** A message's default budget of payload: 128 KiB, half of Artery's default frame. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 128 * 1024;

    public static final Settings DEFAULT =
        new Settings(Duration.ofMillis(20), Duration.ofMillis(150), Duration.ofMillis(150), null);

    /** These settings with messages of at most 128 KiB of payload. */
    public Settings(Duration heartbeat, Duration lease, Duration suspectAfter, NodeId master) {
      this(heartbeat, lease, suspectAfter, master, DEFAULT_MAX_MESSAGE_BYTES);
    }

    public Settings {
      if (maxMessageBytes < 1) {
        throw new IllegalArgumentException("maxMessageBytes must be at least 1, got " + maxMessageBytes);
      }
      Objects.requireNonNull(heartbeat, "heartbeat");
      Objects.requireNonNull(lease, "lease");
      Objects.requireNonNull(suspectAfter, "suspectAfter");
      if (heartbeat.isZero() || heartbeat.isNegative() || lease.compareTo(heartbeat) <= 0
          || suspectAfter.compareTo(heartbeat) <= 0) {
        throw new IllegalArgumentException(
            "chain replication needs 0 < heartbeat < lease and heartbeat < suspectAfter, got " + this);
      }
    }

    /** The master of a group of {@code members}. */
    NodeId masterOf(Peers<?> peers) {
      NodeId m = master != null ? master : peers.members().first();
      if (!peers.contains(m)) {
        throw new IllegalArgumentException("the master " + m + " is not in the group " + peers.members());
      }
      if (peers.size() < 2) {
        throw new IllegalArgumentException("chain replication needs the master and at least one replica");
      }
      return m;
    }
  }

  /**
   * The node {@code peers.self()} of the group named {@code group}: the master (persistence id
   * {@code chain-master|<group>}) on {@code settings.master}, a replica elsewhere. Answers go to
   * {@code upcalls}.
   */
  public static Behavior<Command> create(String group, Peers<Command> peers, NodeEnv env, Settings settings,
      ActorRef<KvReply> upcalls) {
    return create(group, peers, env, settings, upcalls, ChainReplica::new);
  }

  /** As {@link #create}, with the replicas {@code replica} makes (a variant's, in specs). */
  static Behavior<Command> create(String group, Peers<Command> peers, NodeEnv env, Settings settings,
      ActorRef<KvReply> upcalls, ChainReplica.Maker replica) {
    Objects.requireNonNull(settings, "settings");
    NodeId master = settings.masterOf(peers);
    if (master.equals(peers.self())) {
      return ChainMaster.create(group, peers, env, settings, upcalls);
    }
    return Behaviors.setup(context -> Behaviors.withTimers(timers ->
        replica.make(context, timers, master, peers, env, settings, upcalls)));
  }
}
