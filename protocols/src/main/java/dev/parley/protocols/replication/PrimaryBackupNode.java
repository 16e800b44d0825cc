package dev.parley.protocols.replication;

import akka.actor.typed.ActorRef;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.persistence.typed.javadsl.Effect;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.PayloadCodec;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WriteAhead;
import dev.parley.protocols.replication.PrimaryBackup.Ack;
import dev.parley.protocols.replication.PrimaryBackup.Applied;
import dev.parley.protocols.replication.PrimaryBackup.Command;
import dev.parley.protocols.replication.PrimaryBackup.Event;
import dev.parley.protocols.replication.PrimaryBackup.Fetch;
import dev.parley.protocols.replication.PrimaryBackup.FetchedChunk;
import dev.parley.protocols.replication.PrimaryBackup.GetStatus;
import dev.parley.protocols.replication.PrimaryBackup.Prepare;
import dev.parley.protocols.replication.PrimaryBackup.Promise;
import dev.parley.protocols.replication.PrimaryBackup.Replicate;
import dev.parley.protocols.replication.PrimaryBackup.Request;
import dev.parley.protocols.replication.PrimaryBackup.Role;
import dev.parley.protocols.replication.PrimaryBackup.Settings;
import dev.parley.protocols.replication.PrimaryBackup.Snapshot;
import dev.parley.protocols.replication.PrimaryBackup.SnapshotReply;
import dev.parley.protocols.replication.PrimaryBackup.State;
import dev.parley.protocols.replication.PrimaryBackup.StateInstalled;
import dev.parley.protocols.replication.PrimaryBackup.Status;
import dev.parley.protocols.replication.PrimaryBackup.Timer;
import dev.parley.protocols.replication.PrimaryBackup.ViewAdopted;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What a {@link PrimaryBackup} node does with each command (whose head comment has the model,
 * guarantees and cost), and the role it plays: primary, backup or candidate, and the primary it
 * follows. It takes a command to the part that handles it ({@link PrimaryRole}, {@link BackupRole},
 * {@link ViewChange}), writes what that part asks before acting on it, and changes role on what the
 * write and the answers tell: a backup that suspects the primary becomes a candidate, a candidate
 * whose view has its state becomes the primary, and any node that learns of a newer view follows
 * it. {@link PrimaryBackup} keeps the vocabulary, the durable {@link State} and the journal
 * plumbing, and dispatches its commands here.
 */
final class PrimaryBackupNode {

  private final TimerScheduler<Command> timers;
  private final Peers<Command> peers;
  private final Settings settings;
  private final ActorRef<KvReply> upcalls;
  private final WriteAhead<Command, Event, State> writes;
  private final Supplier<PayloadCodec> codec;
  private final PrimaryRole primaryRole;
  private final BackupRole backupRole;
  private final ViewChange viewChange;
  private Role role = Role.BACKUP;
  private NodeId primary;

  /** A backup following no one yet, its suspicion of the primary started; {@code codec} found at first use. */
  PrimaryBackupNode(TimerScheduler<Command> timers, Peers<Command> peers, NodeEnv env, Settings settings,
      ActorRef<KvReply> upcalls, WriteAhead<Command, Event, State> writes, PrimaryRole primaryRole,
      Supplier<PayloadCodec> codec) {
    this.timers = timers;
    this.peers = peers;
    this.settings = settings;
    this.upcalls = upcalls;
    this.writes = writes;
    this.codec = codec;
    this.primaryRole = primaryRole;
    this.backupRole = new BackupRole(peers, codec);
    this.viewChange = new ViewChange(peers, timers, env, settings, codec);
    viewChange.resetSuspectTimer();
  }

  // ---------------------------------------------------------------- the primary orders requests

  Effect<Event, State> onRequest(State state, Request r) {
    KvRequest request = r.request();
    if (role != Role.PRIMARY) {
      upcalls.tell(new KvReply.NotLeader(request.id(), primary));
      return writes.none();
    }
    String refusal = primaryRole.admit(request, codec.get());
    if (refusal != null) {
      upcalls.tell(new KvReply.Unavailable(request.id(), refusal));
      return writes.none();
    }
    long seq = state.seq() + 1;
    KvReply reply = state.store().apply(request).reply();
    primaryRole.order(request, reply);
    return writes.then(new Applied(seq, request), after -> primaryRole.replicate(after, seq, request, reply));
  }

  Effect<Event, State> onAck(State state, Ack a) {
    if (a.view() > state.view()) {
      return writes.then(new ViewAdopted(a.view(), null), after -> follow(null));
    }
    if (role == Role.PRIMARY && a.view() == state.view()) {
      primaryRole.acked(state, a);
    }
    return writes.none();
  }

  // ---------------------------------------------------------------- backups follow the primary

  Effect<Event, State> onReplicate(State state, Replicate m) {
    return thenFollow(state, backupRole.onReplicate(state, m), m.primary(), after -> backupRole.replicated(after, m));
  }

  /** A chunk of the primary's state: held until the chunks complete it, then installed. */
  Effect<Event, State> onSnapshot(State state, Snapshot m) {
    return thenFollow(state, backupRole.onSnapshot(state, m), m.primary(), after -> backupRole.installed(after, m));
  }

  /**
   * Journals {@code events} (null: nothing to do, answered already), then follows {@code newPrimary}
   * and answers ({@code answer}, on the state after them).
   */
  private Effect<Event, State> thenFollow(State state, List<Event> events, NodeId newPrimary,
      Consumer<State> answer) {
    if (events == null) {
      return writes.none();
    }
    return writes.then(events, state, after -> {
      follow(newPrimary);
      answer.accept(after);
    });
  }

  Effect<Event, State> onSnapshotReply(State state, SnapshotReply r) {
    if (role == Role.PRIMARY && r.view() == state.view()) {
      primaryRole.snapshotReceived(state, r);
    }
    return writes.none();
  }

  // ---------------------------------------------------------------- view changes (ViewChange)

  Effect<Event, State> onTimer(State state, Timer t) {
    if (t == Timer.FETCH) {
      viewChange.keepFetching(state, role == Role.CANDIDATE);
    } else if (t == Timer.HEARTBEAT && role == Role.PRIMARY) {
      primaryRole.heartbeat(state, viewChange.quorum());
    } else if (t == Timer.SUSPECT && role != Role.PRIMARY) {
      long view = state.view() + 1;
      if (viewChange.quorum() > 1) {
        return writes.then(new ViewAdopted(view, self()), this::becomeCandidate);
      }
      return writes.then(List.of(new ViewAdopted(view, self()), new StateInstalled(view, state.seq(), state.store())),
          state, this::startView);
    }
    return writes.none();
  }

  private void becomeCandidate(State state) {
    role = Role.CANDIDATE;
    primary = null;
    viewChange.propose(state);
  }

  Effect<Event, State> onPrepare(State state, Prepare p) {
    NodeId following = p.view() == state.view() ? primary : null;
    return thenFollow(state, viewChange.onPrepare(state, p), following, after -> viewChange.promise(after, p));
  }

  Effect<Event, State> onPromise(State state, Promise pr) {
    if (pr.view() > state.view()) {
      return writes.then(new ViewAdopted(pr.view(), null), after -> follow(null));
    }
    StateInstalled own = role == Role.CANDIDATE ? viewChange.onPromise(state, pr) : null;
    return own == null ? writes.none() : writes.then(own, this::startView);
  }

  Effect<Event, State> onFetch(State state, Fetch f) {
    viewChange.serve(state, f);
    return writes.none();
  }

  Effect<Event, State> onFetchedChunk(State state, FetchedChunk c) {
    StateInstalled fetched = role == Role.CANDIDATE ? viewChange.onFetchedChunk(state, c) : null;
    return fetched == null ? writes.none() : writes.then(fetched, this::startView);
  }

  private void startView(State state) {
    role = Role.PRIMARY;
    primary = self();
    primaryRole.start(state, viewChange.won(), codec.get());
    timers.startTimerWithFixedDelay(Timer.HEARTBEAT, settings.heartbeat());
  }

  /** Becomes (or stays) a backup following {@code newPrimary} (null: unknown). */
  private void follow(NodeId newPrimary) {
    if (role == Role.PRIMARY) {
      timers.cancel(Timer.HEARTBEAT);
      primaryRole.stepDown();
    }
    role = Role.BACKUP;
    primary = newPrimary;
    viewChange.follow(newPrimary);
  }

  // ---------------------------------------------------------------- status

  Effect<Event, State> onGetStatus(State state, GetStatus g) {
    SortedSet<NodeId> view = role == Role.PRIMARY ? primaryRole.backups() : new TreeSet<>();
    g.replyTo().tell(new Status(self(), role, primary, state.view(), view, state.seq(),
        role == Role.PRIMARY ? primaryRole.committed() : 0, state.store().values()));
    return writes.none();
  }

  private NodeId self() {
    return peers.self();
  }
}
