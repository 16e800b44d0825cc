package dev.parley.protocols.replication;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.Effect;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import akka.persistence.typed.javadsl.RetentionCriteria;
import dev.parley.protocols.core.Durable;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;
import dev.parley.protocols.core.WriteAhead;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Quorum replication of a key-value store (Gifford's voting, as Dynamo uses it), with the write-back
 * phase of Attiya, Bar-Noy and Dolev (ABD) in reads.
 *
 * <p>Model: N replicas (the whole group), crash-recovery with stable storage, links that lose, delay,
 * duplicate and reorder, partitions; no clock synchronisation. Each replica keeps, per key, the
 * newest {@link Versioned} value it has seen; a version is (counter, writer node), totally ordered
 * (the request id breaks the tie between two writes given the same version). The node a client
 * contacts coordinates its request; {@code R} and {@code W} are the read and write quorums.
 *
 * <p>Algorithm. A put has two phases: it reads the versions of the key from R replicas and takes the
 * highest, then writes its value with the next counter (and itself as writer) to the replicas and
 * answers Ok once W of them have acknowledged. A get reads from R replicas and takes the newest value;
 * before answering it writes that value back until W replicas hold it (replicas that already
 * answered with it count): the write-back of ABD, which is also read repair, since every replica that
 * answered an older value (or has not answered) is sent the newest. A read answer coming after the
 * operation is over is still repaired until the operation's timeout. Replicas keep a value only if it
 * is newer than theirs, and write it to their journal before acknowledging it. Requests, reads and
 * writes go to every replica and are resent every {@code retransmit} to those that have not answered;
 * a coordinator that gathers no quorum within {@code timeout} answers {@link KvReply.Unavailable}.
 * Retries are safe: a coordinator answers a retried request it has answered with the same reply and
 * ignores one in flight, and refuses another request under a used id ({@link ClientSessions}, kept
 * by each coordinator in memory); a put whose request id is already on the newest version it reads
 * (it took effect on an earlier attempt) only writes that version back and is not given a second
 * version.
 *
 * <p>Guarantees. With {@code R + W > N} every read quorum meets every write quorum, so put and get are
 * linearizable per key (atomic registers, across crashes and restarts), whatever the faults: a get
 * returns the value of the last put completed before it began, or a newer one, and once a get has
 * returned a value no later get returns an older one (the write-back). A coordinator cut off from a
 * quorum (a minority side of a partition) answers Unavailable, never stale data. Cas is answered
 * {@link KvReply.Unavailable}: an atomic read-modify-write needs consensus (use Raft), which quorums
 * alone do not give. With {@code R + W <= N} quorums need not meet: reads may be stale (and a put may
 * be given a version lower than an earlier put's, so it is lost), the price of lower latency. Cost:
 * a put sends 4(N-1) messages (read, answers, write, acks); a get 2(N-1), plus up to 2(N-1) for the
 * write-back when replicas disagree; one journal write per replica per newer value.
 */
public final class QuorumReplication
    extends EventSourcedBehavior<QuorumReplication.Command, QuorumReplication.Stored, VersionedStore> {

  /** Client requests, replica messages, timers and the status query. */
  public sealed interface Command extends WireMessage
      permits Request, GetStatus, Read, ReadReply, Write, WriteAck, Retransmit, Expire {}

  /** A client's request given to this node, which coordinates it. */
  public record Request(KvRequest request) implements Command {}

  /** Asks for this node's {@link Status}. */
  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  /** The coordinator of {@code op} asks a replica for its value of {@code key}. */
  public record Read(RequestId op, NodeId coordinator, String key) implements Command {}

  /** Replica {@code from}'s value of the key for {@code op} (null: never written). */
  public record ReadReply(RequestId op, NodeId from, Versioned value) implements Command {}

  /** The coordinator of {@code op} asks a replica to keep {@code value} for {@code key} if newer. */
  public record Write(RequestId op, NodeId coordinator, String key, Versioned value) implements Command {}

  /** Replica {@code from} holds {@code version} (or a newer one) of the key written for {@code op}. */
  public record WriteAck(RequestId op, NodeId from, Versioned.Version version) implements Command {}

  /** Resend {@code op}'s current phase to the replicas that have not answered (a timer). */
  private record Retransmit(RequestId op) implements Command {}

  /** {@code op}'s time is up (a timer). */
  private record Expire(RequestId op) implements Command {}

  /** What a replica persists: it took {@code value} for {@code key}, newer than what it held. */
  public record Stored(String key, Versioned value) implements WireMessage {}

  /**
   * What a node holds and coordinates.
   *
   * @param node this node
   * @param replicas N, the group size
   * @param readQuorum R
   * @param writeQuorum W
   * @param overlapping whether R + W > N (reads are fresh)
   * @param entries this replica's keys with their newest versions
   * @param inFlight requests this node is coordinating
   */
  public record Status(NodeId node, int replicas, int readQuorum, int writeQuorum, boolean overlapping,
      Map<String, Versioned> entries, int inFlight) implements WireMessage {

    public Status {
      entries = Map.copyOf(entries);
    }
  }

  /**
   * @param readQuorum R, the replicas a read waits for, 1..N
   * @param writeQuorum W, the replicas a write waits for, 1..N
   * @param retransmit how often a phase is resent to the replicas that have not answered
   * @param timeout how long a coordinator tries before it answers Unavailable
   */
  public record Settings(int readQuorum, int writeQuorum, Duration retransmit, Duration timeout) {

    /** Majorities of three replicas (R = W = 2), resending every 50 ms, giving up after 1 s. */
    public static final Settings DEFAULT = majorities(3);

    public Settings {
      Objects.requireNonNull(retransmit, "retransmit");
      Objects.requireNonNull(timeout, "timeout");
      if (readQuorum < 1 || writeQuorum < 1) {
        throw new IllegalArgumentException("quorums must be at least 1, got R=" + readQuorum
            + " W=" + writeQuorum);
      }
      if (retransmit.isZero() || retransmit.isNegative() || timeout.compareTo(retransmit) <= 0) {
        throw new IllegalArgumentException("quorum replication needs 0 < retransmit < timeout, got retransmit="
            + retransmit + " timeout=" + timeout);
      }
    }

    /** Majority quorums for {@code replicas} replicas (R = W = N/2 + 1): reads are fresh. */
    public static Settings majorities(int replicas) {
      int majority = replicas / 2 + 1;
      return new Settings(majority, majority, Duration.ofMillis(50), Duration.ofSeconds(1));
    }

    /** Whether reads and writes quorums must meet among {@code replicas}: R + W > N. */
    public boolean overlapping(int replicas) {
      return readQuorum + writeQuorum > replicas;
    }

    /** Checks the quorums against the group size N. */
    public Settings requireFits(int replicas) {
      if (readQuorum > replicas || writeQuorum > replicas) {
        throw new IllegalArgumentException("quorums must be at most the group size N=" + replicas
            + ", got R=" + readQuorum + " W=" + writeQuorum);
      }
      return this;
    }
  }

  /**
   * Replica and coordinator {@code peers.self()} of the store named {@code group} (persistence id
   * {@code quorum|<group>/<node>}); replies go to {@code upcalls}. The quorums must fit the group.
   */
  public static Behavior<Command> create(String group, Peers<Command> peers, NodeEnv env, Settings settings,
      ActorRef<KvReply> upcalls) {
    Objects.requireNonNull(env, "env");
    settings.requireFits(peers.size());
    return Durable.of((context, timers) -> new QuorumReplication(group, peers, settings, upcalls, context, timers));
  }

  private enum Phase { READ, WRITE, DONE }

  /** A request this node coordinates. */
  private static final class Operation {
    final KvRequest request;
    Phase phase = Phase.READ;
    final Map<NodeId, Versioned> answers = new HashMap<>();
    Versioned chosen;
    final Set<NodeId> holding = new HashSet<>();

    Operation(KvRequest request) {
      this.request = request;
    }
  }

  private final WriteAhead<Command, Stored, VersionedStore> writes;
  private final Peers<Command> peers;
  private final Settings settings;
  private final ActorRef<KvReply> upcalls;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final Map<RequestId, Operation> operations = new HashMap<>();
  private ClientSessions<KvReply> answered = ClientSessions.empty();

  private QuorumReplication(String group, Peers<Command> peers, Settings settings, ActorRef<KvReply> upcalls,
      ActorContext<Command> context, TimerScheduler<Command> timers) {
    super(PersistenceId.of("quorum", group + "/" + peers.self().name()));
    this.writes = new WriteAhead<>(Effect());
    this.peers = peers;
    this.settings = settings;
    this.upcalls = upcalls;
    this.context = context;
    this.timers = timers;
  }

  @Override
  public VersionedStore emptyState() {
    return VersionedStore.EMPTY;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(1_000, 2).withDeleteEventsOnSnapshot();
  }

  @Override
  public CommandHandler<Command, Stored, VersionedStore> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Request.class, this::onRequest)
        .onCommand(Read.class, this::onRead)
        .onCommand(ReadReply.class, this::onReadReply)
        .onCommand(Write.class, this::onWrite)
        .onCommand(WriteAck.class, this::onWriteAck)
        .onCommand(Retransmit.class, this::onRetransmit)
        .onCommand(Expire.class, this::onExpire)
        .onCommand(GetStatus.class, this::onGetStatus)
        .build();
  }

  @Override
  public EventHandler<VersionedStore, Stored> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(Stored.class, (store, e) -> store.merge(e.key(), e.value()))
        .build();
  }

  // ---------------------------------------------------------------- coordinator

  private Effect<Stored, VersionedStore> onRequest(VersionedStore store, Request r) {
    KvRequest request = r.request();
    ClientSessions.Check<KvReply> seen = answered.check(request);
    Operation inFlight = operations.get(request.id());
    if (seen instanceof ClientSessions.Refused<KvReply> refused) {
      upcalls.tell(KvReply.Rejected.of(request.id(), refused));
    } else if (seen instanceof ClientSessions.Retry<KvReply> retry && retry.first() != null) {
      upcalls.tell(retry.first());
    } else if (inFlight != null && !inFlight.request.fingerprint().equals(request.fingerprint())) {
      upcalls.tell(KvReply.Rejected.of(request.id(), ClientSessions.idReused(request, inFlight.request)));
    } else if (request instanceof Register) {
      upcalls.tell(new KvReply.Unavailable(request.id(), Register.NOT_HERE));
    } else if (request instanceof Cas) {
      upcalls.tell(new KvReply.Unavailable(request.id(),
          "cas needs consensus, which quorums alone do not give; use raft"));
    } else if (!operations.containsKey(request.id())) {
      operations.put(request.id(), new Operation(request));
      timers.startTimerWithFixedDelay(new Retransmit(request.id()), settings.retransmit());
      timers.startSingleTimer(new Expire(request.id()), settings.timeout());
      peers.members().forEach(n -> send(n, new Read(request.id(), self(), request.key())));
    }
    return Effect().none();
  }

  private Effect<Stored, VersionedStore> onReadReply(VersionedStore store, ReadReply m) {
    Operation op = operations.get(m.op());
    if (op == null || op.answers.containsKey(m.from())) {
      return Effect().none();
    }
    op.answers.put(m.from(), m.value());
    if (op.phase != Phase.READ) {
      if (op.chosen != null && op.chosen.isNewerThan(m.value())) {
        send(m.from(), new Write(m.op(), self(), op.request.key(), op.chosen)); // read repair, late answer
      }
    } else if (op.answers.size() >= settings.readQuorum()) {
      startWrite(op);
    }
    return Effect().none();
  }

  /** A read quorum has answered: write the put's new version, or write the newest value back. */
  private void startWrite(Operation op) {
    Versioned newest = op.answers.values().stream().reduce(null, Versioned::newest);
    if (op.request instanceof Put p && (newest == null || !newest.writtenBy().equals(p.id()))) {
      op.chosen = new Versioned(Versioned.Version.after(Versioned.versionOf(newest), self()), p.value(), p.id());
    } else {
      op.chosen = newest;
    }
    op.phase = Phase.WRITE;
    if (op.chosen == null) {
      finish(op, new KvReply.Ok(op.request.id(), null)); // nothing was ever written: nothing to write back
      return;
    }
    op.answers.forEach((node, value) -> {
      if (op.chosen.equals(value)) {
        op.holding.add(node);
      }
    });
    if (op.holding.size() >= settings.writeQuorum()) {
      finish(op, ok(op));
    } else {
      sendWrites(op);
    }
  }

  private Effect<Stored, VersionedStore> onWriteAck(VersionedStore store, WriteAck m) {
    Operation op = operations.get(m.op());
    if (op != null && op.phase == Phase.WRITE && op.chosen.version().equals(m.version())) {
      op.holding.add(m.from());
      if (op.holding.size() >= settings.writeQuorum()) {
        finish(op, ok(op));
      }
    }
    return Effect().none();
  }

  private KvReply ok(Operation op) {
    return new KvReply.Ok(op.request.id(), op.request instanceof Get ? op.chosen.value() : null);
  }

  /** Answers the client; the operation stays until its timeout to repair replicas answering late. */
  private void finish(Operation op, KvReply reply) {
    op.phase = Phase.DONE;
    timers.cancel(new Retransmit(op.request.id()));
    answered = answered.record(op.request, reply);
    upcalls.tell(reply);
  }

  private Effect<Stored, VersionedStore> onRetransmit(VersionedStore store, Retransmit t) {
    Operation op = operations.get(t.op());
    if (op != null && op.phase == Phase.READ) {
      peers.members().stream().filter(n -> !op.answers.containsKey(n))
          .forEach(n -> send(n, new Read(t.op(), self(), op.request.key())));
    } else if (op != null && op.phase == Phase.WRITE) {
      sendWrites(op);
    }
    return Effect().none();
  }

  private void sendWrites(Operation op) {
    peers.members().stream().filter(n -> !op.holding.contains(n))
        .forEach(n -> send(n, new Write(op.request.id(), self(), op.request.key(), op.chosen)));
  }

  private Effect<Stored, VersionedStore> onExpire(VersionedStore store, Expire t) {
    Operation op = operations.remove(t.op());
    timers.cancel(new Retransmit(t.op()));
    if (op != null && op.phase != Phase.DONE) {
      int answered = op.phase == Phase.READ ? op.answers.size() : op.holding.size();
      int needed = op.phase == Phase.READ ? settings.readQuorum() : settings.writeQuorum();
      upcalls.tell(new KvReply.Unavailable(t.op(), "no quorum: " + answered + " of the " + needed
          + " replicas needed to " + (op.phase == Phase.READ ? "read" : "write") + " answered within "
          + settings.timeout().toMillis() + " ms"));
    }
    return Effect().none();
  }

  // ---------------------------------------------------------------- replica

  private Effect<Stored, VersionedStore> onRead(VersionedStore store, Read m) {
    send(m.coordinator(), new ReadReply(m.op(), self(), store.get(m.key())));
    return Effect().none();
  }

  private Effect<Stored, VersionedStore> onWrite(VersionedStore store, Write m) {
    WriteAck ack = new WriteAck(m.op(), self(), m.value().version());
    if (!m.value().isNewerThan(store.get(m.key()))) {
      send(m.coordinator(), ack);
      return Effect().none();
    }
    return writes.then(new Stored(m.key(), m.value()), s -> send(m.coordinator(), ack));
  }

  // ---------------------------------------------------------------- status and plumbing

  private Effect<Stored, VersionedStore> onGetStatus(VersionedStore store, GetStatus g) {
    long inFlight = operations.values().stream().filter(op -> op.phase != Phase.DONE).count();
    g.replyTo().tell(new Status(self(), peers.size(), settings.readQuorum(), settings.writeQuorum(),
        settings.overlapping(peers.size()), store.entries(), (int) inFlight));
    return Effect().none();
  }

  /** To a replica, this node included (a message to itself, so its own replica answers in turn). */
  private void send(NodeId node, Command message) {
    if (node.equals(self())) {
      context.getSelf().tell(message);
    } else {
      peers.tell(node, message);
    }
  }

  private NodeId self() {
    return peers.self();
  }
}
