package dev.parley.protocols.replication;

import static dev.parley.protocols.replication.TwoPhaseCommit.partitionOf;

import akka.persistence.typed.javadsl.Effect;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.replication.TpcNode.Step;
import dev.parley.protocols.replication.TpcState.CoordinatorTx;
import dev.parley.protocols.replication.TpcState.Part;
import dev.parley.protocols.replication.TwoPhaseCommit.Ack;
import dev.parley.protocols.replication.TwoPhaseCommit.Begin;
import dev.parley.protocols.replication.TwoPhaseCommit.CoordinatorDecided;
import dev.parley.protocols.replication.TwoPhaseCommit.CoordinatorEnded;
import dev.parley.protocols.replication.TwoPhaseCommit.CoordinatorState;
import dev.parley.protocols.replication.TwoPhaseCommit.CoordinatorWaiting;
import dev.parley.protocols.replication.TwoPhaseCommit.DecisionRequest;
import dev.parley.protocols.replication.TwoPhaseCommit.Ended;
import dev.parley.protocols.replication.TwoPhaseCommit.Event;
import dev.parley.protocols.replication.TwoPhaseCommit.GlobalDecision;
import dev.parley.protocols.replication.TwoPhaseCommit.Joined;
import dev.parley.protocols.replication.TwoPhaseCommit.Request;
import dev.parley.protocols.replication.TwoPhaseCommit.Transact;
import dev.parley.protocols.replication.TwoPhaseCommit.TxOutcome;
import dev.parley.protocols.replication.TwoPhaseCommit.VoteRequest;
import dev.parley.protocols.replication.TwoPhaseCommit.Voted;
import java.time.Instant;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The coordinator's side of {@link TwoPhaseCommit} (whose head comment has the model, guarantees and
 * cost): it hands out a transaction's work (INIT), logs the transaction and asks for the votes
 * (WAIT), logs the decision before it sends it (COMMIT or ABORT), resends it until every
 * participant acknowledged, then logs the end and tells them it {@link Ended}; asked about a
 * transaction it has no record of, it answers ABORT (presumed abort). Its finished transactions and
 * their answers stay only in the window {@link TpcState} keeps.
 */
class TpcCoordinator {

  /** Makes a node's coordinator (its constructor, or a variant's in specs). */
  @FunctionalInterface
  interface Maker {
    TpcCoordinator make(TpcNode node);
  }

  /** A transaction in INIT: its work handed out, and who holds it so far. */
  private record Starting(Map<NodeId, Part> parts, KvRequest request, Instant since, Set<NodeId> joined) {}

  /** The votes so far on a transaction in WAIT (lost in a crash). */
  private record Votes(Instant since, Map<NodeId, Voted> votes) {}

  private final TpcNode node;
  private final Map<String, Starting> starting = new TreeMap<>();
  private final Map<String, Votes> votes = new HashMap<>();
  private final Map<String, Set<NodeId>> acks = new HashMap<>();
  private final Map<String, Object> replies = new HashMap<>();

  TpcCoordinator(TpcNode node) {
    this.node = node;
  }

  // ---------------------------------------------------------------- phase 1

  Effect<Event, TpcState> onRequest(TpcState state, Request r) {
    KvRequest request = r.request();
    if (request instanceof Register) {
      node.answer(new KvReply.Unavailable(request.id(), Register.NOT_HERE));
      return node.none();
    }
    String key = request.key();
    Part part;
    if (request instanceof Put p) {
      part = new Part(Map.of(key, p.value()), Map.of(), Set.of());
    } else if (request instanceof Cas c) {
      Map<String, String> expected = new HashMap<>();
      expected.put(key, c.expected());
      part = new Part(Map.of(key, c.value()), expected, Set.of());
    } else {
      part = new Part(Map.of(), Map.of(), Set.of(key));
    }
    String txId = "kv:" + request.id();
    KvRequest earlier = requestOf(state, txId);
    if (earlier != null && !earlier.fingerprint().equals(request.fingerprint())) {
      node.answer(KvReply.Rejected.of(request.id(), ClientSessions.idReused(request, earlier)));
      return node.none();
    }
    return begin(state, txId, Map.of(partitionOf(key, node.peers.members()), part), request);
  }

  /** The key-value request transaction {@code txId} serves, if this coordinator knows it. */
  private KvRequest requestOf(TpcState state, String txId) {
    CoordinatorTx known = coordinated(state, txId);
    if (known != null) {
      return known.request();
    }
    Starting start = starting.get(txId);
    return start == null ? null : start.request();
  }

  Effect<Event, TpcState> onTransact(TpcState state, Transact t) {
    if (t.writes().isEmpty() && t.expected().isEmpty()) {
      node.report(new TxOutcome(t.txId(), false, "empty transaction"));
      return node.none();
    }
    if (t.writes().containsValue(null)) {
      node.report(new TxOutcome(t.txId(), false, "a write needs a value, got " + t.writes()));
      return node.none();
    }
    Map<NodeId, Map<String, String>> writes = byPartition(t.writes());
    Map<NodeId, Map<String, String>> expected = byPartition(t.expected());
    Map<NodeId, Part> parts = new TreeMap<>();
    Set<NodeId> nodes = new TreeSet<>(writes.keySet());
    nodes.addAll(expected.keySet());
    for (NodeId n : nodes) {
      parts.put(n, new Part(writes.getOrDefault(n, Map.of()), expected.getOrDefault(n, Map.of()), Set.of()));
    }
    return begin(state, t.txId(), parts, null);
  }

  private Map<NodeId, Map<String, String>> byPartition(Map<String, String> values) {
    Map<NodeId, Map<String, String>> split = new TreeMap<>();
    values.forEach((k, v) ->
        split.computeIfAbsent(partitionOf(k, node.peers.members()), n -> new TreeMap<>()).put(k, v));
    return split;
  }

  /** A new transaction is in INIT: hand out the work (nothing is logged yet). */
  private Effect<Event, TpcState> begin(TpcState state, String txId, Map<NodeId, Part> parts, KvRequest request) {
    CoordinatorTx known = coordinated(state, txId);
    if (known != null && known.decided()) {
      Object reply = replies.get(txId);
      if (reply != null) {
        node.answer(reply);
      } else if (known.request() == null) {
        node.report(new TxOutcome(txId, known.state() == CoordinatorState.COMMIT, known.reason()));
      }
    }
    if (known == null && !starting.containsKey(txId)) {
      starting.put(txId, new Starting(parts, request, node.now(), new TreeSet<>()));
      parts.forEach((n, part) -> node.send(n, new Begin(txId, node.self(), part)));
    }
    return node.none();
  }

  /** INIT to WAIT once every participant holds its work: log the transaction, then ask for the votes. */
  Effect<Event, TpcState> onJoined(TpcState state, Joined j) {
    Starting tx = starting.get(j.txId());
    if (tx == null) {
      return node.none();
    }
    if (!j.ok()) {
      abortInInit(j.txId(), j.from() + " refused the work: " + j.reason());
      return node.none();
    }
    tx.joined().add(j.from());
    if (!tx.joined().containsAll(tx.parts().keySet())) {
      return node.none();
    }
    starting.remove(j.txId());
    return node.writes.then(new CoordinatorWaiting(j.txId(), tx.parts(), tx.request()), s -> {
      votes.put(j.txId(), new Votes(node.now(), new TreeMap<>()));
      requestVotes(s.coordinating().get(j.txId()), tx.parts().keySet());
    });
  }

  /** INIT to ABORT: nothing was logged and nobody voted, so the participants are told but not waited for. */
  void abortInInit(String txId, String reason) {
    Starting tx = starting.remove(txId);
    tx.parts().keySet().forEach(n -> node.send(n, new GlobalDecision(txId, node.self(), false)));
    node.answer(reply(txId, tx.request(), false, reason, Map.of()));
  }

  private void requestVotes(CoordinatorTx tx, Collection<NodeId> from) {
    List<NodeId> participants = List.copyOf(tx.parts().keySet());
    from.forEach(n -> node.send(n, new VoteRequest(tx.txId(), node.self(), participants)));
  }

  Effect<Event, TpcState> onVoted(TpcState state, Voted v) {
    CoordinatorTx tx = coordinated(state, v.txId());
    if (tx == null) {
      return node.none();
    }
    if (tx.decided()) {
      node.send(v.from(), new GlobalDecision(tx.txId(), node.self(), tx.state() == CoordinatorState.COMMIT));
      return node.none();
    }
    Votes w = votes.get(v.txId());
    if (w == null) {
      return node.none(); // restarted in WAIT: the next tick aborts it
    }
    w.votes().put(v.from(), v);
    Step step = new Step();
    if (!v.yes()) {
      decide(step, tx, false, v.from() + " voted NO: " + v.reason());
    } else if (w.votes().size() == tx.parts().size()) {
      decide(step, tx, true, null);
    }
    return node.run(step, state);
  }

  // ---------------------------------------------------------------- phase 2

  /** WAIT to COMMIT or ABORT: log the decision, then send it and answer the client. */
  private void decide(Step step, CoordinatorTx tx, boolean commit, String reason) {
    Votes w = votes.remove(tx.txId());
    logDecision(step, tx, commit, reason);
    step.then.add(() -> {
      acks.put(tx.txId(), new HashSet<>());
      tx.parts().keySet().forEach(n -> node.send(n, new GlobalDecision(tx.txId(), node.self(), commit)));
      Object reply = reply(tx.txId(), tx.request(), commit, reason, w == null ? Map.of() : w.votes());
      replies.put(tx.txId(), reply);
      node.answer(reply);
    });
  }

  /** The answer to the client: a {@link TxOutcome}, or the key-value reply to its request. */
  private Object reply(String txId, KvRequest request, boolean commit, String reason, Map<NodeId, Voted> votes) {
    if (request == null) {
      return new TxOutcome(txId, commit, reason);
    }
    Voted vote = votes.get(partitionOf(request.key(), node.peers.members()));
    if (commit) {
      return new KvReply.Ok(request.id(), request instanceof Get ? vote.found().get(request.key()) : null);
    }
    if (request instanceof Cas && vote != null && !vote.yes() && vote.found().containsKey(request.key())) {
      return new KvReply.CasFailed(request.id(), vote.found().get(request.key()));
    }
    return new KvReply.Unavailable(request.id(), "transaction aborted: " + reason);
  }

  /**
   * A participant has the decision; once all have, the end is logged and they are told. An Ack of a
   * transaction this coordinator finished, or has no record of and is not starting (forgotten, or
   * never past INIT here), is answered {@link Ended}: nobody needs the participant's record.
   */
  Effect<Event, TpcState> onAck(TpcState state, Ack a) {
    CoordinatorTx tx = coordinated(state, a.txId());
    if ((tx == null && !starting.containsKey(a.txId())) || (tx != null && tx.ended())) {
      node.send(a.from(), new Ended(a.txId(), node.self()));
      return node.none();
    }
    Set<NodeId> acked = acks.get(a.txId());
    if (tx == null || !tx.decided() || acked == null) {
      return node.none();
    }
    acked.add(a.from());
    if (!acked.containsAll(tx.parts().keySet())) {
      return node.none();
    }
    return node.writes.then(ended(tx), state, s -> {
      acks.remove(tx.txId());
      tx.parts().keySet().forEach(n -> node.send(n, new Ended(tx.txId(), node.self())));
    });
  }

  // ---------------------------------------------------------------- retries, recovery, status

  /**
   * The retry tick: work not yet held is sent again (aborted after {@code voteTimeout}); votes
   * missing are asked again (aborted after {@code voteTimeout}, or at once after a restart in WAIT);
   * decisions are sent again until acknowledged.
   */
  void onTick(TpcState state, Step step, Instant now) {
    if (replies.size() > state.coordinatorEnded().size() + votes.size() + acks.size()) {
      replies.keySet().removeIf(txId -> coordinated(state, txId) == null);
    }
    for (Map.Entry<String, Starting> e : List.copyOf(starting.entrySet())) {
      Starting tx = e.getValue();
      Set<NodeId> silent = new TreeSet<>(tx.parts().keySet());
      silent.removeAll(tx.joined());
      if (!now.isBefore(tx.since().plus(node.settings.voteTimeout()))) {
        abortInInit(e.getKey(), "no answer to the work from " + silent + " within "
            + node.settings.voteTimeout().toMillis() + " ms");
      } else if (!now.isBefore(tx.since().plus(node.settings.retry()))) {
        silent.forEach(n -> node.send(n, new Begin(e.getKey(), node.self(), tx.parts().get(n))));
      }
    }
    for (CoordinatorTx tx : coordinatorLog(state)) {
      if (tx.ended()) {
        continue;
      }
      if (!tx.decided()) {
        Votes w = votes.get(tx.txId());
        if (w == null) {
          decide(step, tx, false, "coordinator restarted in WAIT");
        } else if (!now.isBefore(w.since().plus(node.settings.voteTimeout()))) {
          Set<NodeId> silent = new TreeSet<>(tx.parts().keySet());
          silent.removeAll(w.votes().keySet());
          decide(step, tx, false, "no vote from " + silent + " within "
              + node.settings.voteTimeout().toMillis() + " ms");
        } else if (!now.isBefore(w.since().plus(node.settings.retry()))) {
          Set<NodeId> silent = new TreeSet<>(tx.parts().keySet());
          silent.removeAll(w.votes().keySet());
          requestVotes(tx, silent);
        }
      } else {
        Set<NodeId> acked = acks.computeIfAbsent(tx.txId(), id -> new HashSet<>());
        boolean commit = tx.state() == CoordinatorState.COMMIT;
        tx.parts().keySet().stream().filter(n -> !acked.contains(n))
            .forEach(n -> node.send(n, new GlobalDecision(tx.txId(), node.self(), commit)));
      }
    }
  }

  /**
   * A READY participant asks for the outcome: the decision; or, with no record, ABORT (presumed
   * abort), logged first if the transaction is in INIT here, else not logged: a transaction this
   * coordinator has no record of and is not starting was never logged here (so nobody voted YES on
   * it) or was finished and forgotten (so the question is a late duplicate), and recording an ABORT
   * would contradict a forgotten COMMIT.
   */
  Effect<Event, TpcState> onDecisionRequest(TpcState state, DecisionRequest r) {
    String txId = r.txId();
    CoordinatorTx tx = coordinated(state, txId);
    if (tx == null && !starting.containsKey(txId)) {
      node.send(r.from(), new GlobalDecision(txId, node.self(), false));
      return node.none();
    }
    if (tx == null) {
      abortInInit(txId, r.from() + " asked for the outcome before the vote");
      return node.writes.then(new CoordinatorDecided(txId, false, "unknown to its coordinator (presumed abort)"),
          s -> node.send(r.from(), new GlobalDecision(txId, node.self(), false)));
    }
    if (tx.decided()) {
      node.send(r.from(), new GlobalDecision(txId, node.self(), tx.state() == CoordinatorState.COMMIT));
    }
    return node.none();
  }

  /** Each coordinator state's transactions, for the status. */
  Map<CoordinatorState, List<String>> byState(TpcState state) {
    Map<CoordinatorState, List<String>> byState = new EnumMap<>(CoordinatorState.class);
    starting.keySet().forEach(id -> TpcNode.list(byState, CoordinatorState.INIT, id));
    coordinatorLog(state).forEach(tx -> TpcNode.list(byState, tx.state(), tx.txId()));
    return byState;
  }

  // ---------------------------------------------------------------- the log

  /** Logs the decision on {@code tx} with the {@code step}, before it is sent. */
  void logDecision(Step step, CoordinatorTx tx, boolean commit, String reason) {
    step.events.add(new CoordinatorDecided(tx.txId(), commit, reason));
  }

  /** What is logged once every participant acknowledged the decision on {@code tx}. */
  List<Event> ended(CoordinatorTx tx) {
    return List.of(new CoordinatorEnded(tx.txId()));
  }

  /** The coordinator's record of {@code txId}. */
  CoordinatorTx coordinated(TpcState state, String txId) {
    return state.coordinating().get(txId);
  }

  /** The coordinator's log, in transaction id order (a sorted map already). */
  Collection<CoordinatorTx> coordinatorLog(TpcState state) {
    return state.coordinating().values();
  }
}
