package dev.parley.protocols.replication;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.WireMessage;
import dev.parley.protocols.replication.TwoPhaseCommit.CoordinatorState;
import dev.parley.protocols.replication.TwoPhaseCommit.Event;
import dev.parley.protocols.replication.TwoPhaseCommit.ParticipantState;
import dev.parley.protocols.replication.TwoPhaseCommit.Vote;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.pcollections.TreePMap;

/**
 * What one node of {@link TwoPhaseCommit} keeps on disk: its coordinator's log (the transactions it
 * coordinates past INIT, with their decisions), its participant's log (the transactions it voted on
 * or aborted) and the committed values of its partition. Changed only by the node's events; an
 * immutable value, so it can be a snapshot.
 *
 * <p>Bounded: a finished transaction is kept only in a window of the last {@code keepEnded}. At the
 * coordinator a transaction finishes when every participant acknowledged its decision ({@link
 * TwoPhaseCommit.CoordinatorEnded}); at a participant when its coordinator said so ({@link
 * TwoPhaseCommit.ParticipantEnded}), so a participant never forgets a decision a fellow participant
 * may still ask it for. Older finished transactions are dropped, on every replay alike (the window is
 * part of the state). What remains: the transactions in progress, plus at most {@code keepEnded}
 * finished ones per role, so the state and its snapshots stay bounded however many transactions ran.
 *
 * <p>Cost: persistent sorted maps (structure-sharing), so an event costs O(log n) for n records
 * kept, never a copy of the logs.
 *
 * @param coordinating the coordinator's transactions by id
 * @param participating the participant's transactions by id (INIT ones are not logged)
 * @param values the committed values of this node's partition
 * @param coordinatorEnded the coordinator's finished transactions in the order they finished (the
 *     window; its first is dropped next)
 * @param participantEnded the participant's finished transactions in the order they finished
 * @param keepEnded how many finished transactions each role keeps (at least 1)
 */
public record TpcState(
    Map<String, CoordinatorTx> coordinating,
    Map<String, ParticipantTx> participating,
    Map<String, String> values,
    Map<Long, String> coordinatorEnded,
    Map<Long, String> participantEnded,
    int keepEnded)
    implements WireMessage {

  /** How many finished transactions each role keeps by default. */
  public static final int DEFAULT_KEEP_ENDED = 10_000;

  public static final TpcState EMPTY = empty(DEFAULT_KEEP_ENDED);

  /** No transaction yet, keeping {@code keepEnded} finished transactions per role. */
  public static TpcState empty(int keepEnded) {
    return new TpcState(Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), keepEnded);
  }

  /** The logs and values with no finished transaction in the windows, keeping the default number. */
  public TpcState(Map<String, CoordinatorTx> coordinating, Map<String, ParticipantTx> participating,
      Map<String, String> values) {
    this(coordinating, participating, values, Map.of(), Map.of(), DEFAULT_KEEP_ENDED);
  }

  public TpcState {
    coordinating = persistent(coordinating);
    participating = persistent(participating);
    values = persistent(values);
    coordinatorEnded = persistent(coordinatorEnded);
    participantEnded = persistent(participantEnded);
    if (keepEnded < 1) {
      throw new IllegalArgumentException("two-phase commit keeps at least 1 finished transaction, got " + keepEnded);
    }
  }

  private static <K extends Comparable<? super K>, V> TreePMap<K, V> persistent(Map<K, V> map) {
    if (map == null) {
      return TreePMap.empty();
    }
    return map instanceof TreePMap<K, V> p ? p : TreePMap.from(map);
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
   * @param ended its coordinator said every participant has the decision: it may be forgotten
   */
  public record ParticipantTx(
      String txId,
      NodeId coordinator,
      List<NodeId> participants,
      Part part,
      Vote vote,
      ParticipantState state,
      boolean ended)
      implements WireMessage {

    public ParticipantTx {
      participants = List.copyOf(participants);
    }

    /** A record not (yet) finished. */
    public ParticipantTx(String txId, NodeId coordinator, List<NodeId> participants, Part part, Vote vote,
        ParticipantState state) {
      this(txId, coordinator, participants, part, vote, state, false);
    }

    /** Decided (COMMIT or ABORT) and not yet finished: its coordinator may still need its acknowledgement. */
    boolean awaitsEnd() {
      return state != ParticipantState.READY && !ended;
    }
  }

  TpcState apply(Event event) {
    if (event instanceof TwoPhaseCommit.CoordinatorWaiting w) {
      return withCoordinating(
          new CoordinatorTx(w.txId(), w.parts(), w.request(), CoordinatorState.WAIT, null, false));
    }
    if (event instanceof TwoPhaseCommit.CoordinatorDecided d) {
      CoordinatorTx tx = coordinating.get(d.txId());
      if (tx != null) {
        return withCoordinating(tx.decide(d.commit(), d.reason()));
      }
      return coordinatorFinished(
          new CoordinatorTx(d.txId(), Map.of(), null, CoordinatorState.ABORT, d.reason(), true));
    }
    if (event instanceof TwoPhaseCommit.CoordinatorEnded e) {
      CoordinatorTx tx = coordinating.get(e.txId());
      return tx == null || tx.ended() ? this : coordinatorFinished(tx.end());
    }
    if (event instanceof TwoPhaseCommit.ParticipantReady r) {
      return withParticipating(new ParticipantTx(r.txId(), r.coordinator(), r.participants(), r.part(), Vote.YES,
          ParticipantState.READY), values);
    }
    if (event instanceof TwoPhaseCommit.ParticipantDecided d) {
      ParticipantTx tx = participating.get(d.txId());
      Map<String, String> next = values;
      if (d.commit()) {
        next = ((TreePMap<String, String>) values).plusAll(tx.part().writes());
      }
      ParticipantTx decided = tx != null
          ? new ParticipantTx(tx.txId(), tx.coordinator(), tx.participants(), tx.part(), tx.vote(),
              d.commit() ? ParticipantState.COMMIT : ParticipantState.ABORT)
          : new ParticipantTx(d.txId(), d.coordinator(), List.of(), null, d.vote(), ParticipantState.ABORT);
      return withParticipating(decided, next);
    }
    if (event instanceof TwoPhaseCommit.ParticipantEnded e) {
      ParticipantTx tx = participating.get(e.txId());
      if (tx == null || !tx.awaitsEnd()) {
        return this;
      }
      TreePMap<Long, String> window = ((TreePMap<Long, String>) participantEnded)
          .plus(next(participantEnded), tx.txId());
      TreePMap<String, ParticipantTx> kept = ((TreePMap<String, ParticipantTx>) participating).plus(tx.txId(),
          new ParticipantTx(tx.txId(), tx.coordinator(), tx.participants(), tx.part(), tx.vote(), tx.state(), true));
      while (window.size() > keepEnded) {
        kept = kept.minus(window.firstEntry().getValue());
        window = window.minusFirstEntry();
      }
      return new TpcState(coordinating, kept, values, coordinatorEnded, window, keepEnded);
    }
    throw new IllegalArgumentException("unknown two-phase commit event " + event);
  }

  /** The key the next finished transaction takes in {@code window}. */
  private static long next(Map<Long, String> window) {
    return window.isEmpty() ? 1 : ((TreePMap<Long, String>) window).lastKey() + 1;
  }

  /** {@code tx}, ended, joins the coordinator's window; the oldest beyond {@code keepEnded} are dropped. */
  private TpcState coordinatorFinished(CoordinatorTx tx) {
    TreePMap<Long, String> window = ((TreePMap<Long, String>) coordinatorEnded).plus(next(coordinatorEnded), tx.txId());
    TreePMap<String, CoordinatorTx> kept = ((TreePMap<String, CoordinatorTx>) coordinating).plus(tx.txId(), tx);
    while (window.size() > keepEnded) {
      kept = kept.minus(window.firstEntry().getValue());
      window = window.minusFirstEntry();
    }
    return new TpcState(kept, participating, values, window, participantEnded, keepEnded);
  }

  private TpcState withCoordinating(CoordinatorTx tx) {
    return new TpcState(((TreePMap<String, CoordinatorTx>) coordinating).plus(tx.txId(), tx), participating, values,
        coordinatorEnded, participantEnded, keepEnded);
  }

  private TpcState withParticipating(ParticipantTx tx, Map<String, String> newValues) {
    return new TpcState(coordinating, ((TreePMap<String, ParticipantTx>) participating).plus(tx.txId(), tx),
        newValues, coordinatorEnded, participantEnded, keepEnded);
  }
}
