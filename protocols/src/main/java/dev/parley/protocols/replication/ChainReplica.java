package dev.parley.protocols.replication;

import static dev.parley.protocols.replication.ChainReplication.NEEDS_STATE;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import dev.parley.protocols.core.ByteBudget;
import dev.parley.protocols.core.Chunk;
import dev.parley.protocols.core.ChunkAssembler;
import dev.parley.protocols.core.ChunkSender;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.PayloadCodec;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.replication.ChainReplication.Acked;
import dev.parley.protocols.replication.ChainReplication.Command;
import dev.parley.protocols.replication.ChainReplication.Config;
import dev.parley.protocols.replication.ChainReplication.Configure;
import dev.parley.protocols.replication.ChainReplication.Forward;
import dev.parley.protocols.replication.ChainReplication.GetStatus;
import dev.parley.protocols.replication.ChainReplication.Member;
import dev.parley.protocols.replication.ChainReplication.Pong;
import dev.parley.protocols.replication.ChainReplication.Request;
import dev.parley.protocols.replication.ChainReplication.Role;
import dev.parley.protocols.replication.ChainReplication.Settings;
import dev.parley.protocols.replication.ChainReplication.Status;
import dev.parley.protocols.replication.ChainReplication.Timer;
import dev.parley.protocols.replication.ChainReplication.Transfer;
import dev.parley.protocols.replication.ChainReplication.TransferReply;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * A replica of {@link ChainReplication} (whose head comment has the model, guarantees and cost): as
 * head it orders and applies writes and answers them once the tail acknowledged; as tail it answers
 * reads; every replica applies what its predecessor forwards, resends what its successor has not
 * acknowledged, and passes acknowledgements up; it serves clients only under the master's lease. A
 * new successor gets the store in chunks ({@link ChunkSender}, {@link ChunkAssembler}).
 */
class ChainReplica extends AbstractBehavior<Command> {

  /** How many chunks of a state transfer may be unacknowledged. */
  static final int TRANSFER_CHUNKS_IN_FLIGHT = 4;

  /** The state transfer under way to successor {@code to} in {@code epoch}: the store at {@code seq}. */
  private record Outgoing(long epoch, NodeId to, long seq, ChunkSender chunks) {}

  /** Makes a replica (its constructor, or a variant's in specs). */
  @FunctionalInterface
  interface Maker {
    ChainReplica make(ActorContext<Command> context, TimerScheduler<Command> timers, NodeId master,
        Peers<Command> peers, NodeEnv env, Settings settings, ActorRef<KvReply> upcalls);
  }

  private final NodeId master;
  private final Peers<Command> peers;
  private final NodeEnv env;
  private final Settings settings;
  private final ActorRef<KvReply> upcalls;
  private final long incarnation;
  private Config config = Config.NONE;
  private long leaseUntil;
  private boolean synced;
  private KvStore store = KvStore.EMPTY;
  private long seq;
  private long acked;
  private final TreeMap<Long, KvRequest> sent = new TreeMap<>();
  /** The serialized size of each entry of the Sent list. */
  private final TreeMap<Long, Long> sentBytes = new TreeMap<>();
  private final TreeMap<Long, KvReply> owed = new TreeMap<>();
  private boolean successorSynced;
  private Outgoing outgoing;
  private final ChunkAssembler incoming = new ChunkAssembler();
  private PayloadCodec codec;

  ChainReplica(ActorContext<Command> context, TimerScheduler<Command> timers, NodeId master,
      Peers<Command> peers, NodeEnv env, Settings settings, ActorRef<KvReply> upcalls) {
    super(context);
    this.master = master;
    this.peers = peers;
    this.env = env;
    this.settings = settings;
    this.upcalls = upcalls;
    this.incarnation = NodeEnv.mix(env.random().nextLong(), "started at " + env.clock().millis());
    timers.startTimerWithFixedDelay(Timer.RESEND, settings.heartbeat());
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Request.class, this::onRequest)
        .onMessage(Configure.class, this::onConfigure)
        .onMessage(Forward.class, this::onForward)
        .onMessage(Acked.class, this::onAcked)
        .onMessage(Transfer.class, this::onTransfer)
        .onMessage(TransferReply.class, this::onTransferReply)
        .onMessage(Timer.class, t -> onResend())
        .onMessage(GetStatus.class, this::onGetStatus)
        .onMessage(Pong.class, p -> this)
        .build();
  }

  // ------------------------------------------- clients: writes at the head, reads at the tail

  private Behavior<Command> onRequest(Request r) {
    KvRequest request = r.request();
    int at = position();
    boolean mine = request.isWrite() ? at == 0 : at >= 0 && at == config.chain().size() - 1;
    if (!mine) {
      upcalls.tell(new KvReply.NotLeader(request.id(), request.isWrite() ? config.head() : config.tail()));
    } else if (!synced) {
      upcalls.tell(new KvReply.Unavailable(request.id(), "the replica is waiting for its state"));
    } else if (!leased()) {
      upcalls.tell(new KvReply.Unavailable(request.id(), "no lease from the master"));
    } else if (!request.isWrite()) {
      upcalls.tell(store.apply(request).reply());
    } else {
      write(request);
    }
    return this;
  }

  /** At the head: orders and applies {@code request}, and passes it down; refused if too large to pass. */
  private void write(KvRequest request) {
    long size = serializedSize(request);
    String refusal = ByteBudget.refusal("the write " + request.id(), size, settings.maxMessageBytes(),
        "chain replication's maxMessageBytes");
    if (refusal != null) {
      upcalls.tell(new KvReply.Unavailable(request.id(), refusal));
      return;
    }
    KvStore.Result result = store.apply(request);
    store = result.store();
    seq++;
    owed.put(seq, result.reply());
    if (isTail()) {
      acknowledge(seq);
    } else {
      remember(seq, request, size);
      successorTell(new Forward(config.epoch(), self(), seq, List.of(request)));
    }
  }

  /** Puts entry {@code s} in the Sent list, with its serialized size. */
  private void remember(long s, KvRequest request, long size) {
    sent.put(s, request);
    sentBytes.put(s, size);
  }

  /** Whether the master's lease lets this replica serve clients now. */
  boolean leased() {
    return env.clock().millis() < leaseUntil;
  }

  // ---------------------------------------------------------------- down the chain

  private Behavior<Command> onForward(Forward f) {
    if (f.epoch() != config.epoch() || !f.from().equals(predecessor())) {
      return this;
    }
    if (!synced) {
      peers.tell(f.from(), new Acked(config.epoch(), self(), NEEDS_STATE));
      return this;
    }
    List<KvRequest> fresh = new ArrayList<>();
    long firstFresh = seq + 1;
    for (int i = 0; i < f.entries().size(); i++) {
      if (f.firstSeq() + i == seq + 1) {
        KvRequest entry = f.entries().get(i);
        store = store.apply(entry).store();
        seq++;
        fresh.add(entry);
        if (!isTail()) {
          remember(seq, entry, serializedSize(entry));
        }
      }
    }
    if (isTail()) {
      acked = seq;
      peers.tell(f.from(), new Acked(config.epoch(), self(), seq));
    } else if (!fresh.isEmpty()) {
      successorTell(new Forward(config.epoch(), self(), firstFresh, fresh));
    } else {
      peers.tell(f.from(), new Acked(config.epoch(), self(), acked));
    }
    return this;
  }

  /** A chunk of the predecessor's state: installed once whole; each chunk answered with what is held. */
  private Behavior<Command> onTransfer(Transfer t) {
    if (t.epoch() != config.epoch() || !t.from().equals(predecessor())) {
      return this;
    }
    if (synced) {
      peers.tell(t.from(), new TransferReply(t.epoch(), self(), t.seq(), t.chunk().total()));
      return this;
    }
    ChunkAssembler.Outcome outcome = incoming.accept(List.of(t.epoch(), t.from(), t.seq()), t.chunk());
    if (outcome instanceof ChunkAssembler.Partial p) {
      peers.tell(t.from(), new TransferReply(t.epoch(), self(), t.seq(), p.received()));
      return this;
    }
    KvStore whole;
    try {
      whole = (KvStore) codec().deserialize(((ChunkAssembler.Whole) outcome).payload());
    } catch (IllegalArgumentException e) {
      getContext().getLog().error("chain replica {} cannot read its predecessor's state: {}", self(), e.getMessage());
      return this;
    }
    synced = true;
    store = whole;
    seq = t.seq();
    acked = isTail() ? seq : 0;
    sent.clear();
    sentBytes.clear();
    peers.tell(t.from(), new TransferReply(t.epoch(), self(), t.seq(), t.chunk().total()));
    if (isTail()) {
      peers.tell(t.from(), new Acked(config.epoch(), self(), seq));
    }
    return this;
  }

  /** The successor holds part of the state sent to it: the transfer goes on from there. */
  private Behavior<Command> onTransferReply(TransferReply r) {
    if (outgoing != null && r.epoch() == outgoing.epoch() && r.epoch() == config.epoch()
        && r.from().equals(outgoing.to()) && r.seq() == outgoing.seq()) {
      outgoing.chunks().acknowledged(r.received());
      sendChunks(outgoing.chunks().due());
    }
    return this;
  }

  /** Starts sending the store, as it is now, to the new successor {@code to}. */
  private void startTransfer(NodeId to) {
    try {
      outgoing = new Outgoing(config.epoch(), to, seq, new ChunkSender(codec().serialize(store),
          settings.maxMessageBytes(), TRANSFER_CHUNKS_IN_FLIGHT));
    } catch (IllegalArgumentException e) {
      getContext().getLog().error("chain replica {} cannot send its state to {}: {}", self(), to, e.getMessage());
      return;
    }
    sendChunks(outgoing.chunks().due());
  }

  private void sendChunks(List<Chunk> chunks) {
    for (Chunk c : chunks) {
      peers.tell(outgoing.to(), new Transfer(outgoing.epoch(), self(), outgoing.seq(), c));
    }
  }

  /**
   * Entries the tail has not acknowledged go again to the successor, as many as one Forward carries;
   * a new successor is probed until it answers (with the state it needs, or its position), and a
   * state transfer under way sends again what was not acknowledged.
   */
  private Behavior<Command> onResend() {
    if (synced && successor() != null && (!sent.isEmpty() || !successorSynced)) {
      long first = sent.isEmpty() ? seq + 1 : sent.firstKey();
      int n = ByteBudget.fitting(List.copyOf(sent.keySet()), s -> sentBytes.getOrDefault(s, 0L),
          settings.maxMessageBytes());
      successorTell(new Forward(config.epoch(), self(), first, sent.values().stream().limit(n).toList()));
    }
    if (outgoing != null) {
      sendChunks(outgoing.chunks().tick());
    }
    return this;
  }

  /**
   * {@code request}'s serialized size; 0 if it has none or the node no serialization (a test's stub
   * actor system): the transport, if any, says so.
   */
  private long serializedSize(KvRequest request) {
    try {
      return codec().serialize(request).size();
    } catch (RuntimeException e) {
      return 0;
    }
  }

  private PayloadCodec codec() {
    if (codec == null) {
      codec = env.codec(getContext().getSystem());
    }
    return codec;
  }

  // ---------------------------------------------------------------- up the chain

  private Behavior<Command> onAcked(Acked a) {
    if (a.epoch() != config.epoch() || !a.from().equals(successor()) || !synced) {
      return this;
    }
    if (a.seq() == NEEDS_STATE) {
      if (outgoing == null || outgoing.epoch() != config.epoch() || !outgoing.to().equals(a.from())) {
        startTransfer(a.from());
      }
      return this;
    }
    successorSynced = true;
    outgoing = null;
    acknowledge(a.seq());
    return this;
  }

  /**
   * The tail holds every entry up to {@code upTo}: they leave the Sent list, and the predecessor
   * (or, at the head, the clients) hears of it.
   */
  private void acknowledge(long upTo) {
    acked = Math.max(acked, upTo);
    sent.headMap(upTo, true).clear();
    sentBytes.headMap(upTo, true).clear();
    var done = owed.headMap(upTo, true);
    done.values().forEach(upcalls::tell);
    done.clear();
    NodeId predecessor = predecessor();
    if (predecessor != null) {
      peers.tell(predecessor, new Acked(config.epoch(), self(), upTo));
    }
  }

  // ---------------------------------------------------------------- configuration

  private Behavior<Command> onConfigure(Configure c) {
    if (c.config().epoch() > config.epoch()) {
      adopt(c.config());
    }
    if (c.config().epoch() == config.epoch() && position() >= 0) {
      leaseUntil = Math.max(leaseUntil, c.leaseUntil());
    }
    peers.tell(master, new Pong(self(), incarnation, config.epoch(), synced));
    return this;
  }

  private void adopt(Config next) {
    NodeId oldSuccessor = successor();
    boolean wasHead = position() == 0;
    Member before = member(config);
    Member now = member(next);
    config = next;
    if (now == null) {
      forget();
      return;
    }
    if (now.since() == Config.GENESIS) {
      synced = true; // every replica of the first chain starts from the empty store
    } else if (before == null || before.since() != now.since()) {
      forget(); // added anew: it waits for its predecessor's state
    }
    if (wasHead && position() != 0) {
      failOwed("this replica is no longer the head");
    }
    if (synced && isTail()) {
      acknowledge(seq);
    }
    NodeId newSuccessor = successor();
    if (newSuccessor == null || !newSuccessor.equals(oldSuccessor)) {
      outgoing = null;
    }
    if (newSuccessor != null && !newSuccessor.equals(oldSuccessor)) {
      successorSynced = false;
      onResend();
    }
  }

  /** Out of the chain, or added anew: what this replica held is not the chain's any more. */
  private void forget() {
    failOwed("this replica left the chain");
    synced = false;
    store = KvStore.EMPTY;
    seq = 0;
    acked = 0;
    sent.clear();
    sentBytes.clear();
    outgoing = null;
    leaseUntil = 0;
  }

  private void failOwed(String reason) {
    owed.values().forEach(reply -> upcalls.tell(new KvReply.Unavailable(reply.id(), reason)));
    owed.clear();
  }

  private Member member(Config c) {
    int i = c.indexOf(self(), incarnation);
    return i < 0 ? null : c.chain().get(i);
  }

  private int position() {
    return config.indexOf(self(), incarnation);
  }

  private boolean isTail() {
    int at = position();
    return at >= 0 && at == config.chain().size() - 1;
  }

  private NodeId predecessor() {
    int at = position();
    return at > 0 ? config.chain().get(at - 1).node() : null;
  }

  private NodeId successor() {
    int at = position();
    return at >= 0 && at < config.chain().size() - 1 ? config.chain().get(at + 1).node() : null;
  }

  private void successorTell(Command message) {
    peers.tell(successor(), message);
  }

  // ---------------------------------------------------------------- status

  private Behavior<Command> onGetStatus(GetStatus g) {
    int at = position();
    int last = config.chain().size() - 1;
    Role role = at < 0 ? Role.OUTSIDE : at == 0 && at == last ? Role.HEAD_AND_TAIL
        : at == 0 ? Role.HEAD : at == last ? Role.TAIL : Role.MIDDLE;
    g.replyTo().tell(new Status(self(), role, config.epoch(), config.nodes(), synced, seq, acked, sent.size(),
        store.values()));
    return this;
  }

  private NodeId self() {
    return peers.self();
  }
}
