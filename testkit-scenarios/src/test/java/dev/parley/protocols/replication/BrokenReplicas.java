package dev.parley.protocols.replication;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.persistence.typed.javadsl.Effect;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.election.Role;
import dev.parley.protocols.replication.TpcNode.Step;
import dev.parley.protocols.replication.TpcState.CoordinatorTx;
import dev.parley.protocols.replication.TpcState.ParticipantTx;
import dev.parley.protocols.replication.TwoPhaseCommit.CoordinatorDecided;
import dev.parley.protocols.replication.TwoPhaseCommit.CoordinatorState;
import dev.parley.protocols.replication.TwoPhaseCommit.Event;
import dev.parley.protocols.replication.TwoPhaseCommit.GlobalDecision;
import dev.parley.protocols.replication.TwoPhaseCommit.ParticipantDecided;
import dev.parley.protocols.replication.TwoPhaseCommit.ParticipantState;
import dev.parley.protocols.replication.TwoPhaseCommit.Participation;
import dev.parley.protocols.replication.TwoPhaseCommit.Vote;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The deliberately broken variants the replication specs use as negative controls: each is the
 * production protocol with the one part that differs replaced (a subclass of the role it breaks).
 */
public final class BrokenReplicas {

  private BrokenReplicas() {}

  /** A primary that answers each request before its backups hold it. */
  public static Behavior<PrimaryBackup.Command> primaryAnsweringBeforeReplicating(String group,
      Peers<PrimaryBackup.Command> peers, NodeEnv env, PrimaryBackup.Settings settings, ActorRef<KvReply> upcalls) {
    return PrimaryBackup.create(group, peers, env, settings, upcalls, AnsweringAtOnce::new);
  }

  /**
   * A primary that answers each request as soon as it orders it, before the write that applies it
   * has completed (and again once its backups hold it, as the correct one does).
   */
  public static Behavior<PrimaryBackup.Command> primaryAnsweringBeforeWriting(String group,
      Peers<PrimaryBackup.Command> peers, NodeEnv env, PrimaryBackup.Settings settings, ActorRef<KvReply> upcalls) {
    return PrimaryBackup.create(group, peers, env, settings, upcalls, AnsweringBeforeWriting::new);
  }

  /** Chain replicas whose head and tail serve without a lease from the master. */
  public static Behavior<ChainReplication.Command> chainServingWithoutLease(String group,
      Peers<ChainReplication.Command> peers, NodeEnv env, ChainReplication.Settings settings,
      ActorRef<KvReply> upcalls) {
    return ChainReplication.create(group, peers, env, settings, upcalls, Unleased::new);
  }

  /**
   * Two-phase commit whose coordinators log a decision only once every participant acknowledged it,
   * not before sending it: one that crashes after sending restarts in WAIT and aborts.
   */
  public static Behavior<TwoPhaseCommit.Command> coordinatorNotLoggingDecisions(String group,
      Peers<TwoPhaseCommit.Command> peers, NodeEnv env, TwoPhaseCommit.Settings settings,
      ActorRef<KvReply> upcalls, ActorRef<TwoPhaseCommit.Upcall> transactions) {
    return TwoPhaseCommit.create(group, peers, env, settings, upcalls, transactions, LazyDecisionLog::new);
  }

  /**
   * Two-phase commit whose coordinators send a decision as soon as they take it, before the write
   * that logs it has completed (and again after it, as the correct one does): one whose write is
   * lost, to a crash or a failed write, restarts in WAIT and aborts what a participant may have
   * committed.
   */
  public static Behavior<TwoPhaseCommit.Command> coordinatorDecidingBeforeLogging(String group,
      Peers<TwoPhaseCommit.Command> peers, NodeEnv env, TwoPhaseCommit.Settings settings,
      ActorRef<KvReply> upcalls, ActorRef<TwoPhaseCommit.Upcall> transactions) {
    return TwoPhaseCommit.create(group, peers, env, settings, upcalls, transactions, DecidingEarly::new);
  }

  /**
   * Two-phase commit whose participants, READY and blocked for {@code blockedAfter} with the
   * coordinator unreachable, abort on their own (the "timeout in READY" that the blocking of 2PC
   * forbids): if the coordinator had logged COMMIT before it crashed, it commits on recovery what
   * they aborted.
   */
  public static Behavior<TwoPhaseCommit.Command> participantAbortingWhenBlocked(String group,
      Peers<TwoPhaseCommit.Command> peers, NodeEnv env, TwoPhaseCommit.Settings settings,
      ActorRef<KvReply> upcalls, ActorRef<TwoPhaseCommit.Upcall> transactions) {
    return TwoPhaseCommit.create(group, peers, env, settings, upcalls, transactions, TpcCoordinator::new,
        ImpatientParticipant::new);
  }

  private static final class ImpatientParticipant extends TpcParticipant {
    private final TpcNode node;

    ImpatientParticipant(TpcNode node) {
      super(node);
      this.node = node;
    }

    @Override
    void stillReady(Step step, ParticipantTx tx, Instant since, Instant now) {
      if (now.isBefore(since.plus(node.settings.blockedAfter()))) {
        super.stillReady(step, tx, since, now);
        return;
      }
      step.events.add(new ParticipantDecided(tx.txId(), tx.coordinator(), Vote.YES, false));
      step.then.add(() -> node.report(new Participation(tx.txId(), node.self(), Vote.YES, ParticipantState.ABORT)));
    }
  }

  /**
   * Raft's key-value store whose leader answers a read from its own state at once, outside the log,
   * without checking it still leads: a deposed leader that does not know it yet answers stale values.
   * The replicas are Raft's own; only the frontend, which hands them the clients' requests, differs.
   */
  @SuppressWarnings("unchecked")
  public static Behavior<RaftKv.Command> raftKvReadingAtTheLeader(String group, Peers<RaftKv.Command> peers,
      NodeEnv env, RaftKv.Settings settings, ActorRef<KvReply> upcalls) {
    Raft.Frontend<KvStore, KvRequest, KvReply> frontend = Raft.<KvStore, KvRequest, KvReply>answering(upcalls,
        (request, leader) -> new KvReply.NotLeader(request.id(), leader),
        (request, error) -> new KvReply.Unavailable(request.id(), error)).withDowncalls((downcall, replica) -> {
          if (downcall instanceof RaftKv.Request r && !r.request().isWrite()
              && replica.status().role() == Role.LEADER) {
            upcalls.tell(KvStore.MACHINE.apply(replica.state(), r.request()).reply());
          } else if (downcall instanceof RaftKv.Request r) {
            replica.submit(r.request());
          } else {
            RaftKv.GetStatus query = (RaftKv.GetStatus) downcall;
            RaftKv.answerStatus(query, replica.status(), replica.state().values().size());
          }
        });
    return Raft.create("raft-kv", group, (Peers<Raft.Command>) (Peers<?>) peers, env, settings.raft(),
        KvStore.MACHINE, frontend).narrow();
  }

  /**
   * Raft whose leader commits the highest index a majority holds whatever the term of its entry: the
   * rule of section 5.4.2 left out. An entry of an earlier term that a new leader has copied to a
   * majority is committed and applied at once, yet a later leader whose log ends in a newer term may
   * still be elected without it and overwrite it (Figure 8 of the paper). Upcalls as {@link
   * Raft#create(String, Peers, NodeEnv, Raft.Settings, StateMachine, ActorRef)}'s.
   */
  public static <S, C, R> Behavior<Raft.Command> raftCommittingEarlierTerms(String group, Peers<Raft.Command> peers,
      NodeEnv env, Raft.Settings settings, StateMachine<S, C, R> machine, ActorRef<? super Raft.Upcall> upcalls) {
    return Raft.create("raft", group, peers, env, settings, machine, Raft.<S, C, R>upcalling(upcalls),
        CommittingEarlierTerms::new);
  }

  /**
   * Raft whose followers answer the leader's entries as soon as they pass the consistency check,
   * before the write that keeps them completes: a crash during the write takes from a follower an
   * entry the leader has counted, so an entry may be committed (and answered) on a minority that
   * then loses it. Upcalls as {@link Raft#create(String, Peers, NodeEnv, Raft.Settings, StateMachine,
   * ActorRef)}'s.
   */
  public static <S, C, R> Behavior<Raft.Command> raftFollowersAnsweringBeforeWriting(String group,
      Peers<Raft.Command> peers, NodeEnv env, Raft.Settings settings, StateMachine<S, C, R> machine,
      ActorRef<? super Raft.Upcall> upcalls) {
    return Raft.create("raft", group, peers, env, settings, machine, Raft.<S, C, R>upcalling(upcalls),
        RaftLeader::new, AcknowledgingBeforeWriting::new);
  }

  /** The follower that acknowledges entries it has not yet written. */
  private static final class AcknowledgingBeforeWriting extends RaftFollower {
    AcknowledgingBeforeWriting(RaftServer<?, ?, ?> server) {
      super(server);
    }

    @Override
    Effect<Raft.Event, Raft.State> accept(List<Raft.Event> events, Raft.AppendEntries ae, long match,
        List<LogEntry> conflicting) {
      server.peers.tell(ae.leader(), new Raft.AppendReply(ae.term(), server.self(), true, match,
          ae.entries().isEmpty()));
      return super.accept(events, ae, match, conflicting);
    }
  }

  /** The leader that counts replicas of any entry, of its own term or not. */
  private static final class CommittingEarlierTerms<C> extends RaftLeader<C> {
    CommittingEarlierTerms(RaftServer<?, C, ?> server) {
      super(server);
    }

    @Override
    boolean mayCommit(Raft.State state, long index) {
      return true;
    }
  }

  /** The primary role whose answer goes at once, not once the backups hold the entry. */
  private static final class AnsweringAtOnce extends PrimaryRole {
    private final ActorRef<KvReply> upcalls;

    AnsweringAtOnce(Peers<PrimaryBackup.Command> peers, NodeEnv env, PrimaryBackup.Settings settings,
        ActorRef<KvReply> upcalls) {
      super(peers, env, settings, upcalls);
      this.upcalls = upcalls;
    }

    @Override
    void owe(long seq, KvReply reply) {
      upcalls.tell(reply);
    }
  }

  /** The primary role whose answer goes when the request is ordered, before its write. */
  private static final class AnsweringBeforeWriting extends PrimaryRole {
    private final ActorRef<KvReply> upcalls;

    AnsweringBeforeWriting(Peers<PrimaryBackup.Command> peers, NodeEnv env, PrimaryBackup.Settings settings,
        ActorRef<KvReply> upcalls) {
      super(peers, env, settings, upcalls);
      this.upcalls = upcalls;
    }

    @Override
    void order(KvRequest request, KvReply reply) {
      super.order(request, reply);
      upcalls.tell(reply); // the bug: the answer leaves before the write that applies the request
    }
  }

  /** The replica that serves whenever its own configuration says so, lease or not. */
  private static final class Unleased extends ChainReplica {
    Unleased(ActorContext<ChainReplication.Command> context, TimerScheduler<ChainReplication.Command> timers,
        NodeId master, Peers<ChainReplication.Command> peers, NodeEnv env, ChainReplication.Settings settings,
        ActorRef<KvReply> upcalls) {
      super(context, timers, master, peers, env, settings, upcalls);
    }

    @Override
    boolean leased() {
      return true;
    }
  }

  /** The coordinator that sends its decision before the write that logs it completes. */
  private static final class DecidingEarly extends TpcCoordinator {
    private final TpcNode node;

    DecidingEarly(TpcNode node) {
      super(node);
      this.node = node;
    }

    @Override
    void logDecision(Step step, CoordinatorTx tx, boolean commit, String reason) {
      super.logDecision(step, tx, commit, reason);
      GlobalDecision decision = new GlobalDecision(tx.txId(), node.self(), commit);
      tx.parts().keySet().forEach(n -> node.send(n, decision)); // the bug: sent before the write completes
    }
  }

  /** The coordinator that keeps its decisions in memory until the end, then logs them with it. */
  private static final class LazyDecisionLog extends TpcCoordinator {
    private final Map<String, CoordinatorTx> unlogged = new HashMap<>();

    LazyDecisionLog(TpcNode node) {
      super(node);
    }

    @Override
    void logDecision(Step step, CoordinatorTx tx, boolean commit, String reason) {
      unlogged.put(tx.txId(), tx.decide(commit, reason));
    }

    @Override
    List<Event> ended(CoordinatorTx tx) {
      List<Event> events = new ArrayList<>();
      CoordinatorTx lazy = unlogged.remove(tx.txId());
      if (lazy != null) {
        events.add(new CoordinatorDecided(lazy.txId(), lazy.state() == CoordinatorState.COMMIT, lazy.reason()));
      }
      events.addAll(super.ended(tx));
      return events;
    }

    @Override
    CoordinatorTx coordinated(TpcState state, String txId) {
      CoordinatorTx lazy = unlogged.get(txId);
      return lazy != null ? lazy : super.coordinated(state, txId);
    }

    @Override
    Collection<CoordinatorTx> coordinatorLog(TpcState state) {
      Map<String, CoordinatorTx> all = new TreeMap<>(state.coordinating());
      all.putAll(unlogged);
      return all.values();
    }
  }
}
