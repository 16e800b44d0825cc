package dev.parley.protocols.replication;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.WireMessage;
import dev.parley.protocols.replication.TwoPhaseCommit.CoordinatorState;
import dev.parley.protocols.replication.TwoPhaseCommit.Event;
import dev.parley.protocols.replication.TwoPhaseCommit.ParticipantState;
import dev.parley.protocols.replication.TwoPhaseCommit.Vote;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What one node of {@link TwoPhaseCommit} keeps on disk: its coordinator's log (every transaction it
 * coordinates past INIT, with its decision), its participant's log (every transaction it voted on or
 * aborted) and the committed values of its partition. Changed only by the node's events; an
 * immutable value, so it can be a snapshot.
 *
 * @param coordinating the coordinator's transactions by id
 * @param participating the participant's transactions by id (INIT ones are not logged)
 * @param values the committed values of this node's partition
 */
public record TpcState(
    Map<String, CoordinatorTx> coordinating,
    Map<String, ParticipantTx> participating,
    Map<String, String> values)
    implements WireMessage {

  public static final TpcState EMPTY = new TpcState(Map.of(), Map.of(), Map.of());

  public TpcState {
    coordinating = Map.copyOf(coordinating);
    participating = Map.copyOf(participating);
    values = Map.copyOf(values);
  }

  /**
   * One participant's share of a transaction: the writes on its partition, the values they require
   * first (a null value: the key must be absent) and the keys it reads.
   */
  public record Part(Map<String, String> writes, Map<String, String> expected, Set<String> reads)
      implements WireMessage {

    public Part {
      writes = Collections.unmodifiableMap(new TreeMap<>(writes));
      expected = Collections.unmodifiableMap(new TreeMap<>(expected));
      reads = Collections.unmodifiableSet(new TreeSet<>(reads));
    }

    /** Every key it touches, which the participant locks. */
    public Set<String> keys() {
      TreeSet<String> keys = new TreeSet<>(writes.keySet());
      keys.addAll(expected.keySet());
      keys.addAll(reads);
      return keys;
    }
  }

  /**
   * A transaction in the coordinator's log.
   *
   * @param parts each participant's share
   * @param request the key-value request it serves, or null for a {@link TwoPhaseCommit.Transact}
   * @param state WAIT, COMMIT or ABORT (INIT is never logged)
   * @param reason why it aborted (null if it did not)
   * @param ended every participant acknowledged the decision: nothing left to re-send
   */
  public record CoordinatorTx(
      String txId,
      Map<NodeId, Part> parts,
      KvRequest request,
      CoordinatorState state,
      String reason,
      boolean ended)
      implements WireMessage {

    public CoordinatorTx {
      parts = Collections.unmodifiableMap(new TreeMap<>(parts));
    }

    CoordinatorTx decide(boolean commit, String why) {
      return new CoordinatorTx(txId, parts, request, commit ? CoordinatorState.COMMIT : CoordinatorState.ABORT,
          why, false);
    }

    CoordinatorTx end() {
      return new CoordinatorTx(txId, parts, request, state, reason, true);
    }

    boolean decided() {
      return state != CoordinatorState.WAIT;
    }
  }

  /**
   * A transaction in the participant's log.
   *
   * @param coordinator who coordinates it (null if this participant aborted it without knowing)
   * @param participants every participant, for cooperative termination
   * @param part this participant's share (null if it never voted YES)
   * @param vote what it voted
   * @param state READY, COMMIT or ABORT (INIT is kept in memory only)
   */
  public record ParticipantTx(
      String txId,
      NodeId coordinator,
      List<NodeId> participants,
      Part part,
      Vote vote,
      ParticipantState state)
      implements WireMessage {

    public ParticipantTx {
      participants = List.copyOf(participants);
    }
  }

  TpcState apply(Event event) {
    if (event instanceof TwoPhaseCommit.CoordinatorWaiting w) {
      return withCoordinating(
          new CoordinatorTx(w.txId(), w.parts(), w.request(), CoordinatorState.WAIT, null, false));
    }
    if (event instanceof TwoPhaseCommit.CoordinatorDecided d) {
      CoordinatorTx tx = coordinating.get(d.txId());
      CoordinatorTx decided = tx != null ? tx.decide(d.commit(), d.reason())
          : new CoordinatorTx(d.txId(), Map.of(), null, CoordinatorState.ABORT, d.reason(), true);
      return withCoordinating(decided);
    }
    if (event instanceof TwoPhaseCommit.CoordinatorEnded e) {
      return withCoordinating(coordinating.get(e.txId()).end());
    }
    if (event instanceof TwoPhaseCommit.ParticipantReady r) {
      return withParticipating(new ParticipantTx(r.txId(), r.coordinator(), r.participants(), r.part(), Vote.YES,
          ParticipantState.READY), values);
    }
    if (event instanceof TwoPhaseCommit.ParticipantDecided d) {
      ParticipantTx tx = participating.get(d.txId());
      Map<String, String> next = values;
      if (d.commit()) {
        next = new HashMap<>(values);
        next.putAll(tx.part().writes());
      }
      ParticipantTx decided = tx != null
          ? new ParticipantTx(tx.txId(), tx.coordinator(), tx.participants(), tx.part(), tx.vote(),
              d.commit() ? ParticipantState.COMMIT : ParticipantState.ABORT)
          : new ParticipantTx(d.txId(), d.coordinator(), List.of(), null, d.vote(), ParticipantState.ABORT);
      return withParticipating(decided, next);
    }
    throw new IllegalArgumentException("unknown two-phase commit event " + event);
  }

  private TpcState withCoordinating(CoordinatorTx tx) {
    Map<String, CoordinatorTx> next = new HashMap<>(coordinating);
    next.put(tx.txId(), tx);
    return new TpcState(next, participating, values);
  }

  private TpcState withParticipating(ParticipantTx tx, Map<String, String> newValues) {
    Map<String, ParticipantTx> next = new HashMap<>(participating);
    next.put(tx.txId(), tx);
    return new TpcState(coordinating, next, newValues);
  }
}
