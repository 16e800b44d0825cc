package dev.parley.protocols.byzantine;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;

/**
 * The two generals: a bounded acknowledgement chain over a fair-loss link, and why no bound is
 * enough.
 *
 * <p>Model: two nodes (general A, the lower id, proposes; general B) and a fair-loss link (the
 * simulation's drop or a cut): any message may be lost, and nobody is told. No crashes, no traitors.
 *
 * <p>Algorithm, for a bound of k messages: A, given {@link Propose}, sends depth 1 (the attack
 * time) to B. A general receiving depth d &lt; k acknowledges it at once with depth d+1; nothing is
 * retransmitted. Depth d received means: "I know that you know that ... (d levels) the time". A
 * general commits to attack ({@link Attack}) when its part of the chain is done: the sender of depth
 * k when it sends it, the other when it receives it.
 *
 * <p>Guarantees: none beyond "if no message is lost both attack". The sender of the last message
 * cannot tell a run where it arrives from one where it is lost: its view is the same, so it attacks
 * in both, while in the second the other general does not (and knows one level less). Removing the
 * last message only moves the problem to the one before: no finite k gives common knowledge (the
 * spec shows it for k = 1..6). Cost: k messages.
 */
public final class TwoGenerals extends AbstractBehavior<TwoGenerals.Command> {

  /** Downcalls, wire messages and the status query. */
  public sealed interface Command extends WireMessage permits Propose, Ack, GetStatus {}

  /** Downcall to general A: propose attacking at {@code time}. */
  public record Propose(long time) implements Command {}

  /** The chain message of depth {@code depth} (1: the proposal, 2: its ack, 3: the ack's ack...). */
  public record Ack(int depth, long time) implements Command {}

  /** Asks for this node's {@link Status}. */
  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  /** The deepest message a general received (0: none), the deepest it sent, whether it attacks. */
  public record Status(NodeId node, int received, int sent, boolean attacks) implements WireMessage {}

  /** Upcalls. */
  public sealed interface Upcall extends WireMessage permits Received, Attack {}

  /** {@code node} received the chain message of {@code depth} about {@code time}. */
  public record Received(NodeId node, int depth, long time) implements Upcall {}

  /** {@code node} commits to attack at {@code time}. */
  public record Attack(NodeId node, long time) implements Upcall {}

  /** @param rounds the bound k on the chain's length, at least 1 */
  public record Settings(int rounds) {
    public Settings {
      if (rounds < 1) {
        throw new IllegalArgumentException("rounds must be at least 1, got " + rounds);
      }
    }
  }

  private final Peers<Command> peers;
  private final Settings settings;
  private final ActorRef<? super Upcall> listener;
  private final NodeId other;
  private int received;
  private int sent;
  private boolean attacks;

  public static Behavior<Command> create(
      Peers<Command> peers, Settings settings, ActorRef<? super Upcall> listener) {
    if (peers.size() != 2) {
      throw new IllegalArgumentException("the two generals are two nodes, got " + peers.members());
    }
    return Behaviors.setup(ctx -> new TwoGenerals(ctx, peers, settings, listener));
  }

  private TwoGenerals(
      ActorContext<Command> ctx, Peers<Command> peers, Settings settings,
      ActorRef<? super Upcall> listener) {
    super(ctx);
    this.peers = peers;
    this.settings = settings;
    this.listener = listener;
    this.other = peers.others().first();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Propose.class, this::onPropose)
        .onMessage(Ack.class, this::onAck)
        .onMessage(GetStatus.class, this::onGetStatus)
        .build();
  }

  private Behavior<Command> onPropose(Propose p) {
    if (peers.self().equals(peers.members().first()) && sent == 0 && received == 0) {
      send(1, p.time());
    }
    return this;
  }

  private Behavior<Command> onAck(Ack a) {
    if (a.depth() <= received || a.depth() > settings.rounds()) {
      return this; // a duplicate or out of bounds
    }
    received = a.depth();
    listener.tell(new Received(peers.self(), a.depth(), a.time()));
    if (a.depth() == settings.rounds()) {
      attack(a.time());
    } else {
      send(a.depth() + 1, a.time());
    }
    return this;
  }

  private void send(int depth, long time) {
    sent = depth;
    peers.tell(other, new Ack(depth, time));
    if (depth == settings.rounds()) {
      attack(time);
    }
  }

  private void attack(long time) {
    if (!attacks) {
      attacks = true;
      listener.tell(new Attack(peers.self(), time));
    }
  }

  private Behavior<Command> onGetStatus(GetStatus q) {
    q.replyTo().tell(new Status(peers.self(), received, sent, attacks));
    return this;
  }
}
