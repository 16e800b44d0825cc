package dev.parley.protocols.replication;

import java.util.function.BiFunction;

/**
 * What {@link Raft} replicates: a deterministic state machine over immutable values (in the shape of
 * Apache Ratis's {@code StateMachine}: apply a committed transaction, take a snapshot, restore one;
 * adapted to values, so the state is passed in and returned rather than held).
 *
 * <p>Rules an implementation keeps, or replicas diverge:
 *
 * <ul>
 *   <li>{@link #apply} is a pure function of the state and the command: no clock, no randomness, no
 *       I/O, no iteration over an unordered collection whose order could differ between JVMs.
 *       Whatever varies (a time stamp, a random choice) travels inside the command, chosen once by
 *       whoever made it. The same commands in the same order then give the same state everywhere.
 *   <li>States, commands, replies and snapshots are immutable values that implement {@code
 *       WireMessage} (they travel in log entries, journals and {@code InstallSnapshot} as Jackson
 *       CBOR); a reply a state keeps (to answer a retry) needs its type on the wire, as {@link
 *       KvReply} carries it.
 * </ul>
 *
 * <p>Raft applies every committed command in log order on every replica and answers the command's
 * client at the replica it was given to. A read is a command like any other: it goes through the log,
 * which is what makes it linearizable.
 *
 * <p>Client sessions (one request id names one request: a retry gets its first answer) are not the
 * state machine's business: {@link SessionStateMachine#wrap} adds them to any machine whose commands
 * are {@link ClientRequest}s.
 *
 * @param <S> the state, an immutable value
 * @param <C> the commands it applies
 * @param <R> its answers
 */
public interface StateMachine<S, C, R> {

  /** The state and the answer one command produced. */
  record Applied<S, R>(S state, R reply) {}

  /** The machine starting in {@code initial}, applying commands with {@code apply}; its snapshots are its states. */
  static <S, C, R> StateMachine<S, C, R> of(S initial, BiFunction<S, C, Applied<S, R>> apply) {
    return new StateMachine<>() {
      @Override
      public S initialState() {
        return initial;
      }

      @Override
      public Applied<S, R> apply(S state, C command) {
        return apply.apply(state, command);
      }
    };
  }

  /** The state before any command. */
  S initialState();

  /** The state after {@code command} in {@code state}, and its answer. Deterministic. */
  Applied<S, R> apply(S state, C command);

  /**
   * The snapshot of {@code state}: what Raft keeps in place of the log's applied prefix and sends a
   * follower that lags behind it. The state itself by default (it is a value already).
   */
  default Object takeSnapshot(S state) {
    return state;
  }

  /** The state a snapshot taken by {@link #takeSnapshot} stands for. */
  @SuppressWarnings("unchecked")
  default S restoreSnapshot(Object snapshot) {
    return (S) snapshot;
  }
}
