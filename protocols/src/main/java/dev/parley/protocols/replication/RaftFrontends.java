package dev.parley.protocols.replication;

import akka.actor.typed.ActorRef;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.replication.Raft.Answered;
import dev.parley.protocols.replication.Raft.Downcall;
import dev.parley.protocols.replication.Raft.Failed;
import dev.parley.protocols.replication.Raft.Frontend;
import dev.parley.protocols.replication.Raft.NotLeader;
import dev.parley.protocols.replication.Raft.Replica;
import dev.parley.protocols.replication.Raft.Upcall;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;

/**
 * The {@link Raft.Frontend}s that {@link Raft} makes (the algorithm, its model and cost: {@link Raft}):
 * one that upcalls {@link Answered}, {@link NotLeader} and {@link Failed}, one that answers with the
 * facade's own replies, and one that hands a facade's own downcalls to a handler.
 */
final class RaftFrontends {

  private RaftFrontends() {}

  /** The error for a downcall that the frontend does not handle, saying what to give the replica. */
  static IllegalArgumentException unhandled(Downcall downcall) {
    return new IllegalArgumentException("a Raft replica got " + downcall + ", which its frontend does not "
        + "handle: give the replica Raft.Submit(command), or a frontend that handles " + downcall.getClass()
        .getSimpleName());
  }

  /** {@code answers}, with the facade's own downcalls handled by {@code handler}. */
  static <S, C, R> Frontend<S, C, R> withDowncalls(Frontend<S, C, R> answers,
      BiConsumer<Downcall, Replica<S, C>> handler) {
    return new Frontend<>() {
      @Override
      public void applied(C command, R reply) {
        answers.applied(command, reply);
      }

      @Override
      public void notApplied(C command, NodeId leader) {
        answers.notApplied(command, leader);
      }

      @Override
      public void failed(C command, String error) {
        answers.failed(command, error);
      }

      @Override
      public void leaderKnown(NodeId leader, long term) {
        answers.leaderKnown(leader, term);
      }

      @Override
      public void onDowncall(Downcall downcall, Replica<S, C> replica) {
        handler.accept(downcall, replica);
      }
    };
  }

  /**
   * The frontend that answers each command with its reply, a command without effect with {@code
   * notLeader}'s reply, and one the machine threw on with {@code failed}'s, to {@code upcalls}.
   */
  static <S, C, R> Frontend<S, C, R> answering(ActorRef<? super R> upcalls,
      BiFunction<C, NodeId, R> notLeader, BiFunction<C, String, R> failed) {
    return new Frontend<>() {
      @Override
      public void applied(C command, R reply) {
        upcalls.tell(reply);
      }

      @Override
      public void notApplied(C command, NodeId leader) {
        upcalls.tell(notLeader.apply(command, leader));
      }

      @Override
      public void failed(C command, String error) {
        upcalls.tell(failed.apply(command, error));
      }
    };
  }

  /** The frontend that tells {@code upcalls} {@link Answered}, {@link NotLeader} and {@link Failed}. */
  static <S, C, R> Frontend<S, C, R> upcalling(ActorRef<? super Upcall> upcalls) {
    return new Frontend<>() {
      @Override
      public void applied(C command, R reply) {
        upcalls.tell(new Answered(command, reply));
      }

      @Override
      public void notApplied(C command, NodeId leader) {
        upcalls.tell(new NotLeader(command, leader));
      }

      @Override
      public void failed(C command, String error) {
        upcalls.tell(new Failed(command, error));
      }
    };
  }
}
