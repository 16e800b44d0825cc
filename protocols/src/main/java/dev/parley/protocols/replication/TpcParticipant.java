package dev.parley.protocols.replication;

import akka.persistence.typed.javadsl.Effect;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.replication.TpcNode.Step;
import dev.parley.protocols.replication.TpcState.ParticipantTx;
import dev.parley.protocols.replication.TpcState.Part;
import dev.parley.protocols.replication.TwoPhaseCommit.Ack;
import dev.parley.protocols.replication.TwoPhaseCommit.Begin;
import dev.parley.protocols.replication.TwoPhaseCommit.DecisionRequest;
import dev.parley.protocols.replication.TwoPhaseCommit.Ended;
import dev.parley.protocols.replication.TwoPhaseCommit.Event;
import dev.parley.protocols.replication.TwoPhaseCommit.GlobalDecision;
import dev.parley.protocols.replication.TwoPhaseCommit.Joined;
import dev.parley.protocols.replication.TwoPhaseCommit.ParticipantDecided;
import dev.parley.protocols.replication.TwoPhaseCommit.ParticipantEnded;
import dev.parley.protocols.replication.TwoPhaseCommit.ParticipantReady;
import dev.parley.protocols.replication.TwoPhaseCommit.ParticipantState;
import dev.parley.protocols.replication.TwoPhaseCommit.Participation;
import dev.parley.protocols.replication.TwoPhaseCommit.Vote;
import dev.parley.protocols.replication.TwoPhaseCommit.VoteRequest;
import dev.parley.protocols.replication.TwoPhaseCommit.Voted;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The participant's side of {@link TwoPhaseCommit} (whose head comment has the model, guarantees and
 * cost): it takes its share of a transaction's work and locks its keys (INIT), votes YES once it
 * logged READY or NO once it logged ABORT, logs and applies the decision; in INIT it may abort on its
 * own after {@code initTimeout}, in READY it may not: it asks the coordinator and, once READY for
 * {@code blockedAfter}, the other participants too (cooperative termination). A decided transaction
 * is kept until its coordinator says it {@link Ended} (its Ack is sent again every {@code
 * blockedAfter} until then), then only in the window {@link TpcState} keeps.
 */
class TpcParticipant {

  /** Makes a node's participant (its constructor, or a variant's in specs). */
  @FunctionalInterface
  interface Maker {
    TpcParticipant make(TpcNode node);
  }

  /** A transaction in INIT: its work, since when it holds it. */
  private record Initial(NodeId coordinator, Part part, Instant since) {}

  private final TpcNode node;
  private final Map<String, Initial> initial = new TreeMap<>();
  private final Map<String, Instant> readySince = new HashMap<>();
  /** When each decided transaction not yet ended last acknowledged its decision. */
  private final Map<String, Instant> ackedAt = new HashMap<>();

  TpcParticipant(TpcNode node) {
    this.node = node;
  }

  /** The work arrives: INIT, its keys locked; a key locked by another transaction refuses it. */
  Effect<Event, TpcState> onBegin(TpcState state, Begin b) {
    ParticipantTx known = state.participating().get(b.txId());
    if (known != null) {
      node.send(b.coordinator(), new Joined(b.txId(), node.self(), known.vote() == Vote.YES, "already aborted"));
      return node.none();
    }
    if (!initial.containsKey(b.txId())) {
      Map<String, String> locks = locks(state);
      for (String key : b.part().keys()) {
        if (locks.containsKey(key)) {
          String reason = "key " + key + " is locked by " + locks.get(key);
          node.send(b.coordinator(), new Joined(b.txId(), node.self(), false, reason));
          return node.none();
        }
      }
      initial.put(b.txId(), new Initial(b.coordinator(), b.part(), node.now()));
    }
    node.send(b.coordinator(), new Joined(b.txId(), node.self(), true, null));
    return node.none();
  }

  /** INIT to READY (vote YES) or ABORT (vote NO), logged before the vote is sent. */
  Effect<Event, TpcState> onVoteRequest(TpcState state, VoteRequest r) {
    String txId = r.txId();
    ParticipantTx known = state.participating().get(txId);
    if (known != null) {
      Voted again = known.vote() == Vote.YES ? new Voted(txId, node.self(), true, null, reads(state, known.part()))
          : new Voted(txId, node.self(), false, "aborted", Map.of());
      node.send(r.coordinator(), again);
      return node.none();
    }
    Initial init = initial.remove(txId);
    String refusal = init == null ? "no record of the transaction's work (lost in a crash, or aborted)" : null;
    Map<String, String> failed = new TreeMap<>();
    if (refusal == null) {
      init.part().expected().forEach((k, v) -> {
        if (!Objects.equals(state.values().get(k), v)) {
          failed.put(k, state.values().get(k));
        }
      });
      if (!failed.isEmpty()) {
        refusal = "precondition failed: expected " + init.part().expected() + ", found " + failed;
      }
    }
    if (refusal != null) {
      String why = refusal;
      return node.writes.then(new ParticipantDecided(txId, r.coordinator(), Vote.NO, false), s -> {
        node.send(r.coordinator(), new Voted(txId, node.self(), false, why, failed));
        node.report(new Participation(txId, node.self(), Vote.NO, ParticipantState.ABORT));
      });
    }
    Event ready = new ParticipantReady(txId, r.coordinator(), r.participants(), init.part());
    return node.writes.then(ready, s -> {
      readySince.put(txId, node.now());
      node.send(r.coordinator(), new Voted(txId, node.self(), true, null, reads(s, init.part())));
      node.report(new Participation(txId, node.self(), Vote.YES, ParticipantState.READY));
    });
  }

  static Map<String, String> reads(TpcState state, Part part) {
    Map<String, String> found = new TreeMap<>();
    part.reads().forEach(k -> found.put(k, state.values().get(k)));
    return found;
  }

  /** READY (or INIT, on ABORT) to the decision: log it, apply it, release the locks, acknowledge. */
  Effect<Event, TpcState> onGlobalDecision(TpcState state, GlobalDecision d) {
    ParticipantTx tx = state.participating().get(d.txId());
    Ack ack = new Ack(d.txId(), node.self());
    if (tx != null && tx.state() == ParticipantState.READY) {
      Event decided = new ParticipantDecided(d.txId(), tx.coordinator(), Vote.YES, d.commit());
      return node.writes.then(decided, s -> {
        readySince.remove(d.txId());
        node.report(new Participation(d.txId(), node.self(), Vote.YES, s.participating().get(d.txId()).state()));
        node.send(d.coordinator(), ack);
      });
    }
    if (initial.containsKey(d.txId()) && !d.commit()) {
      Step step = new Step();
      abortUnilaterally(step, d.txId(), d.coordinator());
      step.then.add(() -> node.send(d.coordinator(), ack));
      return node.run(step, state);
    }
    node.send(d.coordinator(), ack);
    return node.none();
  }

  /** The coordinator says every participant has the decision: the record may be forgotten (logged). */
  Effect<Event, TpcState> onEnded(TpcState state, Ended e) {
    ParticipantTx tx = state.participating().get(e.txId());
    ackedAt.remove(e.txId());
    if (tx == null || !tx.awaitsEnd()) {
      return node.none();
    }
    return node.writes.then(new ParticipantEnded(e.txId()), s -> { });
  }

  /** Aborts a transaction this participant has not voted on; it will vote NO if asked. */
  void abortUnilaterally(Step step, String txId, NodeId coordinator) {
    initial.remove(txId);
    step.events.add(new ParticipantDecided(txId, coordinator, Vote.NONE, false));
    step.then.add(() -> node.report(new Participation(txId, node.self(), Vote.NONE, ParticipantState.ABORT)));
  }

  /** A fellow participant asks for the outcome (cooperative termination): one that has not voted aborts. */
  Effect<Event, TpcState> onDecisionRequest(TpcState state, DecisionRequest r) {
    String txId = r.txId();
    ParticipantTx tx = state.participating().get(txId);
    if (tx == null) {
      Step step = new Step();
      abortUnilaterally(step, txId, r.coordinator());
      step.then.add(() -> node.send(r.from(), new GlobalDecision(txId, r.coordinator(), false)));
      return node.run(step, state);
    }
    if (tx.state() != ParticipantState.READY) {
      node.send(r.from(), new GlobalDecision(txId, r.coordinator(), tx.state() == ParticipantState.COMMIT));
    }
    return node.none();
  }

  // ---------------------------------------------------------------- retries, recovery, status

  /**
   * The retry tick: INIT past {@code initTimeout} aborts; READY asks for the outcome; a decision not
   * yet ended is acknowledged again every {@code blockedAfter}.
   */
  void onTick(TpcState state, Step step, Instant now) {
    for (ParticipantTx tx : state.participating().values()) {
      if (tx.awaitsEnd() && tx.coordinator() != null) {
        Instant last = ackedAt.computeIfAbsent(tx.txId(), id -> now);
        if (!now.isBefore(last.plus(node.settings.blockedAfter()))) {
          ackedAt.put(tx.txId(), now);
          node.send(tx.coordinator(), new Ack(tx.txId(), node.self()));
        }
      }
    }
    for (Map.Entry<String, Initial> e : List.copyOf(initial.entrySet())) {
      if (!now.isBefore(e.getValue().since().plus(node.settings.initTimeout()))) {
        abortUnilaterally(step, e.getKey(), e.getValue().coordinator());
      }
    }
    for (ParticipantTx tx : ready(state)) {
      stillReady(step, tx, readySince.computeIfAbsent(tx.txId(), id -> now), now);
    }
  }

  /**
   * {@code tx} is READY since {@code since}: it may not decide on its own (the coordinator may have
   * decided either way), so it asks the coordinator and, once blocked, the other participants.
   */
  void stillReady(Step step, ParticipantTx tx, Instant since, Instant now) {
    if (!now.isBefore(since.plus(node.settings.retry()))) {
      DecisionRequest ask = new DecisionRequest(tx.txId(), tx.coordinator(), node.self());
      node.send(tx.coordinator(), ask);
      if (!now.isBefore(since.plus(node.settings.blockedAfter()))) {
        tx.participants().stream().filter(n -> !n.equals(node.self()) && !n.equals(tx.coordinator()))
            .forEach(n -> node.send(n, ask));
      }
    }
  }

  /** After recovery: every READY transaction starts waiting for its outcome now. */
  void recovered(TpcState state) {
    ready(state).forEach(tx -> readySince.put(tx.txId(), node.now()));
  }

  /** Each participant state's transactions, for the status. */
  Map<ParticipantState, List<String>> byState(TpcState state) {
    Map<ParticipantState, List<String>> byState = new EnumMap<>(ParticipantState.class);
    initial.keySet().forEach(id -> TpcNode.list(byState, ParticipantState.INIT, id));
    state.participating().values().forEach(tx -> TpcNode.list(byState, tx.state(), tx.txId()));
    return byState;
  }

  /** The transactions READY for {@code blockedAfter} or longer, with why, for the status. */
  List<String> blocked(TpcState state) {
    Instant now = node.now();
    List<String> blocked = new ArrayList<>();
    for (ParticipantTx tx : ready(state)) {
      Instant since = readySince.getOrDefault(tx.txId(), now);
      if (!now.isBefore(since.plus(node.settings.blockedAfter()))) {
        List<NodeId> others = tx.participants().stream().filter(n -> !n.equals(node.self())).toList();
        blocked.add(tx.txId() + " READY since " + since + ", coordinator " + tx.coordinator()
            + " unreachable; asked " + others + ", none knows the outcome");
      }
    }
    return blocked;
  }

  /** Which transaction locks each key: the READY ones (logged) and those in INIT. */
  Map<String, String> locks(TpcState state) {
    Map<String, String> locks = new TreeMap<>();
    ready(state).forEach(tx -> tx.part().keys().forEach(k -> locks.put(k, tx.txId())));
    initial.forEach((id, init) -> init.part().keys().forEach(k -> locks.put(k, id)));
    return locks;
  }

  /** The READY transactions, in id order (the log is a sorted map). */
  static List<ParticipantTx> ready(TpcState state) {
    return state.participating().values().stream()
        .filter(tx -> tx.state() == ParticipantState.READY)
        .toList();
  }
}
