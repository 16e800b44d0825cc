package dev.parley.protocols.replication;

import static dev.parley.protocols.replication.PrimaryBackup.NEEDS_STATE;

import akka.actor.typed.ActorRef;
import dev.parley.protocols.core.ByteBudget;
import dev.parley.protocols.core.Chunk;
import dev.parley.protocols.core.ChunkSender;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.PayloadCodec;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.SerializedPayload;
import dev.parley.protocols.replication.PrimaryBackup.Ack;
import dev.parley.protocols.replication.PrimaryBackup.Command;
import dev.parley.protocols.replication.PrimaryBackup.Replicate;
import dev.parley.protocols.replication.PrimaryBackup.Settings;
import dev.parley.protocols.replication.PrimaryBackup.Snapshot;
import dev.parley.protocols.replication.PrimaryBackup.SnapshotReply;
import dev.parley.protocols.replication.PrimaryBackup.State;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The primary's side of {@link PrimaryBackup} (whose head comment has the model, guarantees and
 * cost): in its view it replicates each request it ordered to every backup, answers the client once
 * every backup of the view holds it, drops a silent backup while a majority remains, and brings a
 * node that comes back up to date (the entries it lacks, as many as a message carries, or the state
 * in chunks, {@link ChunkSender}). What it holds lives for one view: a deposed primary fails the
 * answers it still owes.
 */
class PrimaryRole {

  /** Makes a node's primary role (its constructor, or a variant's in specs). */
  @FunctionalInterface
  interface Maker {
    PrimaryRole make(Peers<Command> peers, NodeEnv env, Settings settings, ActorRef<KvReply> upcalls);
  }

  /** How many chunks of a state transfer may be unacknowledged. */
  static final int SNAPSHOT_CHUNKS_IN_FLIGHT = 4;

  /** The state up to {@code seq} under way to a node, in chunks. */
  private record Transfer(long seq, ChunkSender chunks) {}

  private final Peers<Command> peers;
  private final NodeEnv env;
  private final Settings settings;
  private final ActorRef<KvReply> upcalls;
  // the view: its backups, what each holds, when each was last heard
  private final TreeSet<NodeId> backups = new TreeSet<>();
  private final Map<NodeId, Long> matched = new HashMap<>();
  private final Map<NodeId, Long> lastHeard = new HashMap<>();
  // the entries of this view, numbered from viewStart + 1, and the answers still owed
  private final List<KvRequest> log = new ArrayList<>();
  /** The serialized size of each entry of {@code log}. */
  private final List<Long> logBytes = new ArrayList<>();
  private long admittedBytes;
  private final TreeMap<Long, KvReply> owed = new TreeMap<>();
  // the state transfers under way, and the state last serialized (at serializedSeq)
  private final Map<NodeId, Transfer> transfers = new HashMap<>();
  private PayloadCodec codec;
  private SerializedPayload serialized;
  private long serializedSeq = -1;
  private long viewStart;
  private long committed;

  PrimaryRole(Peers<Command> peers, NodeEnv env, Settings settings, ActorRef<KvReply> upcalls) {
    this.peers = peers;
    this.env = env;
    this.settings = settings;
    this.upcalls = upcalls;
  }

  /**
   * Starts the view {@code state} installed, with the nodes that promised it as its backups, sending
   * the state to every other node; {@code codec} serializes it.
   */
  void start(State state, Collection<NodeId> promised, PayloadCodec codec) {
    this.codec = codec;
    viewStart = state.seq();
    committed = state.seq();
    log.clear();
    logBytes.clear();
    matched.clear();
    backups.clear();
    transfers.clear();
    serialized = null;
    serializedSeq = -1;
    promised.stream().filter(n -> !n.equals(peers.self())).forEach(backups::add);
    long now = env.clock().millis();
    backups.forEach(b -> lastHeard.put(b, now));
    peers.others().forEach(n -> sendState(state, n));
    commit(state);
  }

  /** Starts sending {@code state} to {@code node} in chunks. */
  private void sendState(State state, NodeId node) {
    if (serializedSeq != state.seq()) {
      serialized = codec.serialize(state.store());
      serializedSeq = state.seq();
    }
    Transfer t = new Transfer(state.seq(), new ChunkSender(serialized, settings.maxMessageBytes(),
        SNAPSHOT_CHUNKS_IN_FLIGHT));
    transfers.put(node, t);
    sendChunks(state, node, t, t.chunks().due());
  }

  private void sendChunks(State state, NodeId node, Transfer t, List<Chunk> chunks) {
    for (Chunk c : chunks) {
      peers.tell(node, new Snapshot(state.view(), peers.self(), t.seq(), c));
    }
  }

  /** A node holds part of the state sent to it: the transfer goes on from there. */
  void snapshotReceived(State state, SnapshotReply r) {
    Transfer t = transfers.get(r.from());
    if (t != null && t.seq() == r.seq()) {
      if (r.received() >= t.chunks().total()) {
        transfers.remove(r.from()); // installed: should it need the state again, a new transfer
        return;
      }
      t.chunks().acknowledged(r.received());
      sendChunks(state, r.from(), t, t.chunks().due());
    }
  }

  /** The view ends (a newer one exists): the answers still owed fail. */
  void stepDown() {
    owed.forEach((seq, reply) ->
        upcalls.tell(new KvReply.Unavailable(reply.id(), "the primary was deposed before replicating it")));
    owed.clear();
    log.clear();
    logBytes.clear();
    transfers.clear();
  }

  /**
   * Whether the primary takes {@code request}: null if so (its size is kept for the {@link #order}
   * that follows), else the refusal, naming its size and the limit.
   */
  String admit(KvRequest request, PayloadCodec codec) {
    admittedBytes = codec.serialize(request).size();
    return ByteBudget.refusal("the request " + request.id(), admittedBytes, settings.maxMessageBytes(),
        "primary-backup's maxMessageBytes");
  }

  /**
   * Takes {@code request} into this view's log, before it is written; {@code reply} is its answer,
   * owed once it is written and the backups hold it.
   */
  void order(KvRequest request, KvReply reply) {
    log.add(request);
    logBytes.add(admittedBytes);
  }

  /** The request numbered {@code seq} is written: replicate it, and answer once the backups hold it. */
  void replicate(State after, long seq, KvRequest request, KvReply reply) {
    owe(seq, reply);
    Replicate entry = new Replicate(after.view(), peers.self(), seq, List.of(request));
    backups.forEach(b -> peers.tell(b, entry));
    commit(after);
  }

  /** Holds {@code reply} until every backup of the view holds entry {@code seq}. */
  void owe(long seq, KvReply reply) {
    owed.put(seq, reply);
  }

  /** A backup of this view acknowledged its entries up to {@code a.seq()}. */
  void acked(State state, Ack a) {
    lastHeard.put(a.from(), env.clock().millis());
    if (a.seq() < viewStart) {
      matched.put(a.from(), NEEDS_STATE);
      if (!transfers.containsKey(a.from())) {
        sendState(state, a.from());
      }
      return;
    }
    transfers.remove(a.from());
    matched.merge(a.from(), a.seq(), Math::max);
    if (!backups.contains(a.from()) && a.seq() >= committed) {
      backups.add(a.from());
    }
    commit(state);
  }

  /** Answers every request that all backups of the view now hold. */
  private void commit(State state) {
    long upTo = state.seq();
    for (NodeId b : backups) {
      upTo = Math.min(upTo, matched.getOrDefault(b, NEEDS_STATE));
    }
    committed = Math.max(committed, upTo);
    var done = owed.headMap(committed, true);
    done.values().forEach(upcalls::tell);
    done.clear();
  }

  /**
   * The heartbeat: drops silent backups while a majority remains, resends what each lacks (as many
   * entries as a message carries; to a node without the view's state, the chunks due).
   */
  void heartbeat(State state, int quorum) {
    long silence = settings.suspectMin().toMillis();
    long now = env.clock().millis();
    for (NodeId b : List.copyOf(backups)) {
      if (now - lastHeard.getOrDefault(b, now) >= silence && backups.size() >= quorum) {
        backups.remove(b);
      }
    }
    commit(state);
    for (NodeId n : peers.others()) {
      long m = matched.getOrDefault(n, NEEDS_STATE);
      if (m < viewStart) {
        peers.tell(n, new Replicate(state.view(), peers.self(), state.seq() + 1, List.of()));
        Transfer t = transfers.get(n);
        if (t != null) {
          sendChunks(state, n, t, t.chunks().tick());
        }
      } else {
        int from = (int) (m - viewStart);
        int count = ByteBudget.fitting(logBytes.subList(from, logBytes.size()), Long::longValue,
            settings.maxMessageBytes());
        peers.tell(n, new Replicate(state.view(), peers.self(), m + 1, log.subList(from, from + count)));
      }
    }
  }

  SortedSet<NodeId> backups() {
    return backups;
  }

  long committed() {
    return committed;
  }
}
