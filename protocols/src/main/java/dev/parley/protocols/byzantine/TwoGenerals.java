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
import java.util.function.Consumer;

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

  private final General general;

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
    NodeId other = peers.others().first();
    this.general = new General(peers.self(), peers.self().equals(peers.members().first()), settings,
        ack -> peers.tell(other, ack), listener::tell);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Propose.class, p -> {
          general.propose(p.time());
          return this;
        })
        .onMessage(Ack.class, a -> {
          general.receive(a);
          return this;
        })
        .onMessage(GetStatus.class, q -> {
          q.replyTo().tell(general.status());
          return this;
        })
        .build();
  }

  /**
   * One general's side of one chain as plain state, hosted by the behavior above and by {@link
   * TwoGeneralsRuns} (which runs many chains in one actor): it sends through {@code send} and tells
   * its upcalls to {@code upcalls}.
   */
  public static final class General {

    private final NodeId self;
    private final boolean proposer;
    private final Settings settings;
    private final Consumer<Ack> send;
    private final Consumer<Upcall> upcalls;
    private int received;
    private int sent;
    private boolean attacks;

    /** @param proposer whether this is general A, the one that proposes */
    public General(NodeId self, boolean proposer, Settings settings, Consumer<Ack> send, Consumer<Upcall> upcalls) {
      this.self = self;
      this.proposer = proposer;
      this.settings = settings;
      this.send = send;
      this.upcalls = upcalls;
    }

    /** General A proposes attacking at {@code time} (once; B ignores it). */
    public void propose(long time) {
      if (proposer && sent == 0 && received == 0) {
        send(1, time);
      }
    }

    /** The chain message {@code a} arrived: acknowledge it, or attack if it was the last. */
    public void receive(Ack a) {
      if (a.depth() <= received || a.depth() > settings.rounds()) {
        return; // a duplicate or out of bounds
      }
      received = a.depth();
      upcalls.accept(new Received(self, a.depth(), a.time()));
      if (a.depth() == settings.rounds()) {
        attack(a.time());
      } else {
        send(a.depth() + 1, a.time());
      }
    }

    public Status status() {
      return new Status(self, received, sent, attacks);
    }

    private void send(int depth, long time) {
      sent = depth;
      send.accept(new Ack(depth, time));
      if (depth == settings.rounds()) {
        attack(time);
      }
    }

    private void attack(long time) {
      if (!attacks) {
        attacks = true;
        upcalls.accept(new Attack(self, time));
      }
    }
  }
}
