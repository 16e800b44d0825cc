package com.example.maxgossip;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;
import java.time.Duration;
import java.util.List;

/**
 * Max gossip: every node starts with a number and learns the largest in the group.
 *
 * <p>Model: closed group, links that may lose, delay and duplicate messages. Every round each node
 * pushes the largest number it knows to one peer chosen at random. Guarantee: once the links stop
 * losing everything, every node learns the maximum (convergence), in O(log N) rounds on average.
 */
public final class MaxGossip extends AbstractBehavior<MaxGossip.Command> {

  /** Downcalls, wire messages and timers: the protocol's whole vocabulary. */
  public sealed interface Command extends WireMessage permits Push, Tick {}

  /** A peer's largest known number. */
  public record Push(NodeId from, long max) implements Command {}

  /** Time for a gossip round. */
  public enum Tick implements Command { INSTANCE }

  /** Upcall: this node's largest known number grew. */
  public record Learned(NodeId node, long max) {}

  public static Behavior<Command> create(
      Peers<Command> peers, NodeEnv env, long initial, ActorRef<Learned> listener, Duration round) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Tick.INSTANCE, round);
      return new MaxGossip(ctx, peers, env, initial, listener);
    }));
  }

  private final Peers<Command> peers;
  private final NodeEnv env;
  private final ActorRef<Learned> listener;
  private long max;

  private MaxGossip(ActorContext<Command> ctx, Peers<Command> peers, NodeEnv env, long initial,
      ActorRef<Learned> listener) {
    super(ctx);
    this.peers = peers;
    this.env = env;
    this.listener = listener;
    this.max = initial;
    listener.tell(new Learned(peers.self(), max));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Push.class, this::onPush)
        .onMessageEquals(Tick.INSTANCE, this::onTick)
        .build();
  }

  private Behavior<Command> onPush(Push push) {
    if (push.max() > max) {
      max = push.max();
      listener.tell(new Learned(peers.self(), max));
    }
    return this;
  }

  private Behavior<Command> onTick() {
    List<NodeId> others = List.copyOf(peers.others());
    if (!others.isEmpty()) {
      NodeId target = others.get(env.random().nextInt(others.size())); // seeded, never new Random()
      peers.tell(target, new Push(peers.self(), max));
    }
    return this;
  }
}
