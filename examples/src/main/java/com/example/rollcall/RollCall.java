package com.example.rollcall;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Roll call: a node asks the rest of its group who is there, and reports who answered.
 *
 * <p>Model: closed group, links that may lose messages, nodes that may crash. A roll call sends one
 * question to every other node and takes one answer from each that hears it. Guarantee: the roll
 * lists exactly the peers whose answer arrived within {@code wait}; it is complete when all did.
 * Cost: 2(N-1) messages, one round trip.
 */
public final class RollCall extends AbstractBehavior<RollCall.Command> {

  /** Downcalls, wire messages and timers: the protocol's whole vocabulary. */
  public sealed interface Command extends WireMessage permits Call, Question, Answer, Due {}

  /** Downcall: hold roll call number {@code id}. */
  public record Call(long id) implements Command {}

  /** Who is there? Asked by {@code caller} for its roll call {@code id}. */
  public record Question(long id, NodeId caller) implements Command {}

  /** {@code node} is there, for roll call {@code id}. */
  public record Answer(long id, NodeId node) implements Command {}

  /** Roll call {@code id}'s wait is over. */
  public record Due(long id) implements Command {}

  /** Upcall: who answered roll call {@code id}, asked at {@code caller}. */
  public record Roll(long id, NodeId caller, List<NodeId> present, boolean complete) {}

  public static Behavior<Command> create(Peers<Command> peers, Duration wait, ActorRef<Roll> listener) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new RollCall(ctx, timers, peers, wait, listener)));
  }

  private final TimerScheduler<Command> timers;
  private final Peers<Command> peers;
  private final Duration wait;
  private final ActorRef<Roll> listener;
  private final Map<Long, Set<NodeId>> open = new HashMap<>();

  private RollCall(ActorContext<Command> ctx, TimerScheduler<Command> timers, Peers<Command> peers, Duration wait,
      ActorRef<Roll> listener) {
    super(ctx);
    this.timers = timers;
    this.peers = peers;
    this.wait = wait;
    this.listener = listener;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Call.class, this::onCall)
        .onMessage(Question.class, this::onQuestion)
        .onMessage(Answer.class, this::onAnswer)
        .onMessage(Due.class, due -> report(due.id()))
        .build();
  }

  private Behavior<Command> onCall(Call call) {
    open.put(call.id(), new TreeSet<>());
    peers.tellOthers(new Question(call.id(), peers.self()));
    timers.startSingleTimer(call.id(), new Due(call.id()), wait);
    return peers.others().isEmpty() ? report(call.id()) : this;
  }

  private Behavior<Command> onQuestion(Question question) {
    peers.tell(question.caller(), new Answer(question.id(), peers.self()));
    return this;
  }

  private Behavior<Command> onAnswer(Answer answer) {
    Set<NodeId> present = open.get(answer.id());
    if (present != null && present.add(answer.node()) && present.containsAll(peers.others())) {
      return report(answer.id());
    }
    return this;
  }

  private Behavior<Command> report(long id) {
    Set<NodeId> present = open.remove(id);
    if (present != null) {
      timers.cancel(id);
      listener.tell(new Roll(id, peers.self(), List.copyOf(present), present.containsAll(peers.others())));
    }
    return this;
  }
}
