package dev.parley.protocols.replication;

import dev.parley.protocols.core.Payload;
import dev.parley.protocols.core.WireMessage;
import java.util.Objects;

/**
 * Client sessions around any state machine whose commands are {@link ClientRequest}s: one request id
 * names one request. The rules are {@link ClientSessions}'s: a retry of a write is answered with its
 * first answer and not applied again, a retried read is read again, another request under a used id
 * (or an id older than the client's window) is refused without effect, requests of one client are
 * applied in whatever order they arrive. The wrapped machine never sees a retry or a refused request,
 * nor a registration ({@link ClientRequest#registers}, given {@link #withRegistration}): the sessions
 * issue the client its id.
 *
 * <p>This is where sessions live for every machine {@link Raft} replicates that wants them (the
 * partitioned log's {@code LogStore}, a user's machine); {@link KvStore} keeps its sessions beside its
 * keys (primary-backup and chain replication hold it without Raft) and applies them through this same
 * layer. A machine that wants no sessions (one whose commands are idempotent, or the election's empty
 * one) is given to Raft as it is.
 *
 * <p>Deterministic as the wrapped machine is: the sessions are part of the replicated state and of
 * its snapshots. Cost: one look-up in the client's window per command, and O(log n) for n sessions
 * per fresh command, structure-sharing (see {@link ClientSessions}, which also says how sessions
 * expire and how anonymous requests leave none).
 *
 * @param <S> the wrapped machine's state
 * @param <C> its commands
 * @param <R> its answers
 */
public final class SessionStateMachine<S, C extends ClientRequest, R>
    implements StateMachine<SessionStateMachine.Sessioned<S, R>, C, R> {

  /** The answer to a refused request: the request, why, and a sentence for its client. */
  @FunctionalInterface
  public interface Refusal<C, R> {
    R refuse(C request, ClientSessions.Why why, String reason);
  }

  /** The answer to a registration ({@link ClientRequest#registers}): the request and the client id issued. */
  @FunctionalInterface
  public interface Registrar<C, R> {
    R registered(C request, String client);
  }

  /** The wrapped machine's state and the clients' sessions. */
  public record Sessioned<S, R>(@Payload S state, ClientSessions<R> sessions) implements WireMessage {
    public Sessioned {
      Objects.requireNonNull(sessions, "sessions");
    }
  }

  private final StateMachine<S, C, R> machine;
  private final Refusal<C, R> refusal;
  private final SessionExpiry expiry;
  private final Registrar<C, R> registrar;

  private SessionStateMachine(StateMachine<S, C, R> machine, Refusal<C, R> refusal, SessionExpiry expiry,
      Registrar<C, R> registrar) {
    this.machine = Objects.requireNonNull(machine, "machine");
    this.refusal = Objects.requireNonNull(refusal, "refusal");
    this.expiry = Objects.requireNonNull(expiry, "expiry");
    this.registrar = registrar;
  }

  /** {@code machine} with client sessions; a refused request is answered {@code refusal}'s reply. */
  public static <S, C extends ClientRequest, R> SessionStateMachine<S, C, R> wrap(StateMachine<S, C, R> machine,
      Refusal<C, R> refusal) {
    return new SessionStateMachine<>(machine, refusal, SessionExpiry.DEFAULT, null);
  }

  /** This machine with sessions that expire by {@code expiry} (fixed when its state starts empty). */
  public SessionStateMachine<S, C, R> withExpiry(SessionExpiry expiry) {
    return new SessionStateMachine<>(machine, refusal, expiry, registrar);
  }

  /**
   * This machine issuing client ids to registrations ({@link ClientSessions#register}), each answered
   * {@code registrar}'s reply; without it a registration is refused as an unknown operation.
   */
  public SessionStateMachine<S, C, R> withRegistration(Registrar<C, R> registrar) {
    return new SessionStateMachine<>(machine, refusal, expiry, Objects.requireNonNull(registrar, "registrar"));
  }

  @Override
  public Sessioned<S, R> initialState() {
    return new Sessioned<>(machine.initialState(), ClientSessions.empty(expiry));
  }

  @Override
  public Applied<Sessioned<S, R>, R> apply(Sessioned<S, R> state, C command) {
    Objects.requireNonNull(command, "command");
    ClientSessions.Check<R> check = state.sessions().check(command);
    if (check instanceof ClientSessions.Refused<R> refused) {
      return new Applied<>(state, refusal.refuse(command, refused.why(), refused.reason()));
    }
    if (check instanceof ClientSessions.Retry<R> retry && retry.first() != null) {
      return new Applied<>(state, retry.first());
    }
    if (command.registers()) {
      if (registrar == null) {
        throw new IllegalArgumentException(command.describe() + " (" + command.id() + "): this state machine does"
            + " not register clients; name the client instead");
      }
      ClientSessions.Registration<R> registration = state.sessions().register();
      R reply = registrar.registered(command, registration.client());
      return new Applied<>(new Sessioned<>(state.state(), registration.sessions().record(command, reply)), reply);
    }
    Applied<S, R> applied = machine.apply(state.state(), command);
    ClientSessions<R> sessions = check instanceof ClientSessions.Fresh<R>
        ? state.sessions().record(command, applied.reply()) : state.sessions();
    return new Applied<>(new Sessioned<>(applied.state(), sessions), applied.reply());
  }

  @Override
  public Object takeSnapshot(Sessioned<S, R> state) {
    return new Sessioned<>(machine.takeSnapshot(state.state()), state.sessions());
  }

  @Override
  @SuppressWarnings("unchecked")
  public Sessioned<S, R> restoreSnapshot(Object snapshot) {
    Sessioned<Object, R> taken = (Sessioned<Object, R>) snapshot;
    return new Sessioned<>(machine.restoreSnapshot(taken.state()), taken.sessions());
  }
}
