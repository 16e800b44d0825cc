package dev.parley.protocols.mutex;

import akka.actor.typed.ActorRef;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.persistence.typed.javadsl.Effect;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WriteAhead;
import dev.parley.protocols.mutex.LockServer.Command;
import dev.parley.protocols.mutex.LockServer.Commit;
import dev.parley.protocols.mutex.LockServer.Enqueued;
import dev.parley.protocols.mutex.LockServer.Event;
import dev.parley.protocols.mutex.LockServer.GetStatus;
import dev.parley.protocols.mutex.LockServer.Handover;
import dev.parley.protocols.mutex.LockServer.Holder;
import dev.parley.protocols.mutex.LockServer.LeaseEnded;
import dev.parley.protocols.mutex.LockServer.LockRelease;
import dev.parley.protocols.mutex.LockServer.LockRequest;
import dev.parley.protocols.mutex.LockServer.Settings;
import dev.parley.protocols.mutex.LockServer.State;
import dev.parley.protocols.mutex.LockServer.Status;
import dev.parley.protocols.mutex.LockServer.Waiter;
import dev.parley.protocols.mutex.LockServer.Withdrawn;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;

/**
 * The {@link LockServer}'s handling of its clients (whose head comment has the model, guarantees and
 * cost): a {@link LockRequest} joins the queue, and a retry of one is ignored or answered again; a
 * {@link LockRelease} hands the lock over or withdraws a queued request; a {@link LeaseEnded} hands
 * a silent holder's lock over. Every change is written before the server acts on it ({@link
 * #change}: the requests waiting for the commit window go in the same write, ahead of it), and only
 * then are the requests reported queued and a new holder granted the lock with a fresh lease. The
 * server's vocabulary and durable {@link State} are in {@link LockServer}, which dispatches its
 * commands here; a variant of the server in the specs subclasses this.
 */
class LockRequests {

  private static final String LEASE = "lease";

  private final Peers<LockClient.Command> clients;
  private final NodeEnv env;
  private final ActorRef<MutexUpcall> listener;
  private final Settings settings;
  private final Logger log;
  private final TimerScheduler<Command> timers;
  private final WriteAhead<Command, Event, State> writes;
  /** Requests arrived while the lock is held, not yet written (group commit), in order. */
  private final WriteAhead<Command, Event, State>.Batch<Enqueued> requests;
  private Instant leaseUntil;

  LockRequests(Peers<LockClient.Command> clients, NodeEnv env, ActorRef<MutexUpcall> listener, Settings settings,
      Logger log, TimerScheduler<Command> timers, WriteAhead<Command, Event, State> writes) {
    this.clients = clients;
    this.env = env;
    this.listener = listener;
    this.settings = settings;
    this.log = log;
    this.timers = timers;
    this.writes = writes;
    this.requests = writes.batch(timers, new Commit(), settings.commitWindow(),
        (state, waiting) -> List.copyOf(waiting));
  }

  Effect<Event, State> onRequest(State state, LockRequest r) {
    NodeId client = r.client();
    if (!clients.contains(client) || client.equals(clients.self())) {
      log.warn("lock request from {}, which is not a client of this server", client);
      return writes.none();
    }
    Holder holder = state.holder();
    if (holder != null && holder.client().equals(client)) {
      if (r.requestId() == holder.requestId()) {
        sendGrant(holder); // a retry: the grant may have been lost
        return writes.none();
      }
      if (r.requestId() > holder.requestId()) { // its release was lost, and it asks again
        return change(state, List.of(new Handover(holder.token(), false), new Enqueued(client, r.requestId())));
      }
      return writes.none();
    }
    Long arrived = arrived(client);
    if (r.requestId() <= state.latest(client) || (arrived != null && r.requestId() <= arrived)) {
      if (arrived == null && state.waiting(client) == null && r.requestId() == state.latest(client)) {
        // served and over (its lease ended, or it was withdrawn): a client still waiting lost the grant
        clients.tell(client, new LockClient.Served(r.requestId()));
      }
      return writes.none(); // a copy of a request already queued or served
    }
    requests.withdraw(e -> e.client().equals(client));
    Waiter queued = state.waiting(client);
    if (queued != null) {
      return change(state, List.of(new Withdrawn(client, queued.requestId()), new Enqueued(client, r.requestId())));
    }
    if (holder == null || settings.commitWindow().isZero()) {
      return change(state, List.of(new Enqueued(client, r.requestId())));
    }
    requests.take(new Enqueued(client, r.requestId())); // written with the next release, or when the window ends
    return requests.due(state);
  }

  /** The id of {@code client}'s request arrived but not yet written, or null. */
  private Long arrived(NodeId client) {
    for (Enqueued e : requests.waiting()) {
      if (e.client().equals(client)) {
        return e.requestId();
      }
    }
    return null;
  }

  Effect<Event, State> onCommit(State state, Commit c) {
    return requests.waiting().isEmpty() ? writes.none() : change(state, List.of());
  }

  Effect<Event, State> onRelease(State state, LockRelease r) {
    Holder holder = state.holder();
    if (holder != null && holder.client().equals(r.client()) && holder.requestId() == r.requestId()) {
      return change(state, List.of(new Handover(holder.token(), false)));
    }
    Waiter queued = state.waiting(r.client());
    if (queued != null && queued.requestId() == r.requestId()) {
      return change(state, List.of(new Withdrawn(r.client(), r.requestId())));
    }
    Long arrived = arrived(r.client());
    if (arrived != null && arrived == r.requestId()) {
      requests.withdraw(e -> e.client().equals(r.client())); // withdrawn before it was written
    }
    return writes.none(); // a late copy, or the release of a lease that already ended
  }

  Effect<Event, State> onLeaseEnded(State state, LeaseEnded e) {
    Holder holder = state.holder();
    if (holder == null || holder.token() != e.token()) {
      return writes.none();
    }
    log.info("lease of {} (token {}) ended", holder.client(), holder.token());
    return change(state, List.of(new Handover(holder.token(), true)));
  }

  Effect<Event, State> onGetStatus(State state, GetStatus q) {
    Holder h = state.holder();
    q.replyTo()
        .tell(
            new Status(
                h == null ? null : h.client(),
                h == null ? 0 : h.token(),
                h == null ? null : leaseUntil,
                state.queue().stream().map(Waiter::client).toList(),
                requests.waiting().stream().map(Enqueued::client).toList(),
                state.lastToken()));
    return writes.none();
  }

  /**
   * Persists, in one write, the requests not yet written and then {@code events}; afterwards reports
   * the requests now queued and tells a new holder.
   */
  Effect<Event, State> change(State before, List<Event> events) {
    List<Event> all = new ArrayList<>(requests.waiting());
    all.addAll(events);
    return requests.write(before, events, after -> {
      long arrival = before.arrivals();
      for (Event e : all) {
        if (e instanceof Enqueued queued) {
          listener.tell(new Requested(queued.client(), ++arrival));
        }
      }
      Holder was = before.holder();
      Holder now = after.holder();
      if (now == null) {
        timers.cancel(LEASE);
        leaseUntil = null;
      } else if (was == null || was.token() != now.token()) {
        startLease(now);
        sendGrant(now);
      }
    });
  }

  /** Starts the lease of {@code holder} (none if null): at recovery, and for each new holder. */
  void startLease(Holder holder) {
    if (holder == null) {
      return;
    }
    leaseUntil = env.now().plus(settings.lease());
    timers.startSingleTimer(LEASE, new LeaseEnded(holder.token()), settings.lease());
  }

  void sendGrant(Holder holder) {
    clients.tell(
        holder.client(), new LockClient.LockGrant(holder.requestId(), holder.token(), leaseUntil));
  }
}
