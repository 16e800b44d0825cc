package dev.parley.protocols.replication;

import static dev.parley.protocols.replication.PrimaryBackup.NEEDS_STATE;

import akka.actor.typed.ActorRef;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.replication.PrimaryBackup.Ack;
import dev.parley.protocols.replication.PrimaryBackup.Command;
import dev.parley.protocols.replication.PrimaryBackup.Replicate;
import dev.parley.protocols.replication.PrimaryBackup.Settings;
import dev.parley.protocols.replication.PrimaryBackup.Snapshot;
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
 * node that comes back up to date. What it holds lives for one view: a deposed primary fails the
 * answers it still owes.
 */
class PrimaryRole {

  /** Makes a node's primary role (its constructor, or a variant's in specs). */
  @FunctionalInterface
  interface Maker {
    PrimaryRole make(Peers<Command> peers, NodeEnv env, Settings settings, ActorRef<KvReply> upcalls);
  }

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
  private final TreeMap<Long, KvReply> owed = new TreeMap<>();
  private long viewStart;
  private long committed;

  PrimaryRole(Peers<Command> peers, NodeEnv env, Settings settings, ActorRef<KvReply> upcalls) {
    this.peers = peers;
    this.env = env;
    this.settings = settings;
    this.upcalls = upcalls;
  }

  /** Starts the view {@code state} installed, with the nodes that promised it as its backups. */
  void start(State state, Collection<NodeId> promised) {
    viewStart = state.seq();
    committed = state.seq();
    log.clear();
    matched.clear();
    backups.clear();
    promised.stream().filter(n -> !n.equals(peers.self())).forEach(backups::add);
    long now = env.clock().millis();
    backups.forEach(b -> lastHeard.put(b, now));
    peers.tellOthers(new Snapshot(state.view(), peers.self(), state.seq(), state.store()));
    commit(state);
  }

  /** The view ends (a newer one exists): the answers still owed fail. */
  void stepDown() {
    owed.forEach((seq, reply) ->
        upcalls.tell(new KvReply.Unavailable(reply.id(), "the primary was deposed before replicating it")));
    owed.clear();
    log.clear();
  }

  /**
   * Takes {@code request} into this view's log, before it is written; {@code reply} is its answer,
   * owed once it is written and the backups hold it.
   */
  void order(KvRequest request, KvReply reply) {
    log.add(request);
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
      peers.tell(a.from(), new Snapshot(state.view(), peers.self(), state.seq(), state.store()));
      return;
    }
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

  /** The heartbeat: drops silent backups while a majority remains, resends what each lacks. */
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
      } else {
        List<KvRequest> missing = log.subList((int) (m - viewStart), log.size());
        peers.tell(n, new Replicate(state.view(), peers.self(), m + 1, missing));
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
