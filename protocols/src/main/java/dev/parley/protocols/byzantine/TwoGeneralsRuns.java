package dev.parley.protocols.byzantine;

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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * Runs of the two generals across a group, each asked at any node and answered there with the
 * whole chain: the experiment that shows, run after run, that no bound on the acknowledgement chain
 * makes the generals act alike.
 *
 * <p>Model: a group of at least two nodes; the first two are generals A and B ({@link TwoGenerals}),
 * the others look on. Each run's chain crosses a link that loses each chain message with
 * probability {@code loss}, drawn from the node's seeded random (on top of whatever the network
 * itself does); the reports to the asking node cross the network alone. No crashes.
 *
 * <p>Algorithm: the asking node (the initiator) sends {@link Run} to both generals. Each starts its
 * {@link TwoGenerals.General} for the run, buffering chain messages that overtook the run; A
 * proposes at once. Nothing is retransmitted. After the configured {@code run} each general reports
 * its {@link Outcome} (deepest message received and sent, whether it attacks, every chain message it
 * sent and whether the link delivered it) to the initiator, which answers {@link Chain} as soon as
 * both reported, or after {@code 3 * run} with what it has.
 *
 * <p>Guarantees: every run is answered at its initiator (liveness, whatever is lost); a general
 * attacks exactly when its part of the chain is done, so both attack iff nothing of the chain was
 * lost, neither does iff a message before the last was lost, and one attacks alone iff the last one
 * was. Cost per run: at most {@code rounds} chain messages, 2 for the run, 2 reports.
 */
public final class TwoGeneralsRuns extends AbstractBehavior<TwoGeneralsRuns.Command> {

  /** Downcall {@link Run}, the wire messages between the nodes, and the timers. */
  public sealed interface Command extends WireMessage permits Run, Message, Outcome, Report, Collect {}

  /** Downcall (and its announcement to the generals): one run's id, its initiator, bound and loss. */
  public record Run(long run, NodeId initiator, int rounds, double loss) implements Command {
    public Run {
      if (rounds < 1 || loss < 0 || loss > 1) {
        throw new IllegalArgumentException("a run has rounds >= 1 and a loss within 0..1, got " + rounds
            + " and " + loss);
      }
    }
  }

  /** A chain message of run {@code run}. */
  public record Message(long run, TwoGenerals.Ack ack) implements Command {}

  /** A general's outcome: the deepest message it received and sent, whether it attacks, its sends. */
  public record Outcome(long run, NodeId node, int received, int sent, boolean attacks, List<Link> sends)
      implements Command {}

  /** Timer at a general: run {@code run} is over here. */
  record Report(long run) implements Command {}

  /** Timer at the initiator: stop waiting for run {@code run}'s outcomes. */
  record Collect(long run) implements Command {}

  /** One message of the chain: its depth, sender, receiver, and whether the link delivered it. */
  public record Link(int depth, NodeId from, NodeId to, boolean delivered) implements WireMessage {}

  /**
   * Upcall at the initiator: run {@code run}'s chain in order, each general's outcome (a general
   * missing did not report in time), and whether they acted alike (both attack, or neither).
   */
  public record Chain(
      long run, int rounds, double loss, List<Link> chain, Map<NodeId, Outcome> generals, boolean coordinated)
      implements WireMessage {}

  /** @param run how long a general's part of a run lasts before it reports */
  public record Settings(Duration run) {
    public Settings {
      if (run == null || run.isNegative() || run.isZero()) {
        throw new IllegalArgumentException("a run lasts a positive time, got " + run);
      }
    }
  }

  /** This general's side of one run, and what its link did with each message. */
  private static final class Side {
    final Run spec;
    final List<Link> sends = new ArrayList<>();
    TwoGenerals.General general;

    Side(Run spec) {
      this.spec = spec;
    }
  }

  private final TimerScheduler<Command> timers;
  private final Settings settings;
  private final Peers<Command> peers;
  private final NodeEnv env;
  private final ActorRef<? super Chain> upcalls;
  private final NodeId a;
  private final NodeId b;
  private final Map<Long, Side> sides = new HashMap<>();
  private final Map<Long, List<TwoGenerals.Ack>> early = new HashMap<>();
  private final Set<Long> over = new HashSet<>();
  private final Map<Long, Run> initiated = new HashMap<>();
  private final Map<Long, Map<NodeId, Outcome>> collected = new HashMap<>();

  public static Behavior<Command> create(
      Peers<Command> peers, Settings settings, NodeEnv env, ActorRef<? super Chain> upcalls) {
    if (peers.size() < 2) {
      throw new IllegalArgumentException("the two generals need a group of at least two nodes, got "
          + peers.members());
    }
    return Behaviors.setup(ctx -> Behaviors.withTimers(t -> new TwoGeneralsRuns(ctx, t, settings, peers, env,
        upcalls)));
  }

  private TwoGeneralsRuns(ActorContext<Command> ctx, TimerScheduler<Command> timers, Settings settings,
      Peers<Command> peers, NodeEnv env, ActorRef<? super Chain> upcalls) {
    super(ctx);
    this.timers = timers;
    this.settings = settings;
    this.peers = peers;
    this.env = env;
    this.upcalls = upcalls;
    List<NodeId> members = new ArrayList<>(peers.members());
    this.a = members.get(0);
    this.b = members.get(1);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Run.class, this::onRun)
        .onMessage(Message.class, this::onMessage)
        .onMessage(Report.class, this::onReport)
        .onMessage(Outcome.class, this::onOutcome)
        .onMessage(Collect.class, c -> verdict(c.run()))
        .build();
  }

  private boolean isGeneral() {
    return peers.self().equals(a) || peers.self().equals(b);
  }

  private Behavior<Command> onRun(Run spec) {
    NodeId self = peers.self();
    if (spec.initiator().equals(self) && !initiated.containsKey(spec.run())) {
      initiated.put(spec.run(), spec);
      collected.put(spec.run(), new TreeMap<>());
      for (NodeId general : List.of(a, b)) {
        if (!general.equals(self)) {
          peers.tell(general, spec);
        }
      }
      timers.startSingleTimer(new Collect(spec.run()), settings.run().multipliedBy(3));
    }
    if (!isGeneral() || sides.containsKey(spec.run()) || over.contains(spec.run())) {
      return this;
    }
    NodeId other = self.equals(a) ? b : a;
    Side side = new Side(spec);
    Random link = new Random(env.random().nextLong());
    side.general = new TwoGenerals.General(self, self.equals(a), new TwoGenerals.Settings(spec.rounds()), ack -> {
      boolean delivered = link.nextDouble() >= spec.loss();
      side.sends.add(new Link(ack.depth(), self, other, delivered));
      if (delivered) {
        peers.tell(other, new Message(spec.run(), ack));
      }
    }, upcall -> { });
    sides.put(spec.run(), side);
    early.getOrDefault(spec.run(), List.of()).forEach(side.general::receive);
    early.remove(spec.run());
    side.general.propose(spec.run());
    timers.startSingleTimer(new Report(spec.run()), settings.run());
    return this;
  }

  private Behavior<Command> onMessage(Message m) {
    Side side = sides.get(m.run());
    if (side != null) {
      side.general.receive(m.ack());
    } else if (!over.contains(m.run())) {
      early.computeIfAbsent(m.run(), r -> new ArrayList<>()).add(m.ack());
    }
    return this;
  }

  /** The run is over here: the general reports where it got to. */
  private Behavior<Command> onReport(Report r) {
    Side side = sides.remove(r.run());
    if (side == null) {
      return this;
    }
    over.add(r.run());
    TwoGenerals.Status s = side.general.status();
    Outcome outcome = new Outcome(r.run(), peers.self(), s.received(), s.sent(), s.attacks(), List.copyOf(side.sends));
    if (side.spec.initiator().equals(peers.self())) {
      return onOutcome(outcome);
    }
    peers.tell(side.spec.initiator(), outcome);
    return this;
  }

  private Behavior<Command> onOutcome(Outcome o) {
    Map<NodeId, Outcome> outcomes = collected.get(o.run());
    if (outcomes == null) {
      return this;
    }
    outcomes.put(o.node(), o);
    return outcomes.size() == 2 ? verdict(o.run()) : this;
  }

  private Behavior<Command> verdict(long run) {
    Map<NodeId, Outcome> outcomes = collected.remove(run);
    Run spec = initiated.remove(run);
    if (outcomes == null || spec == null) {
      return this;
    }
    timers.cancel(new Collect(run));
    List<Link> chain = new ArrayList<>();
    outcomes.values().forEach(o -> chain.addAll(o.sends()));
    chain.sort(Comparator.comparingInt(Link::depth));
    Outcome oa = outcomes.get(a);
    Outcome ob = outcomes.get(b);
    boolean coordinated = oa != null && ob != null && oa.attacks() == ob.attacks();
    upcalls.tell(new Chain(run, spec.rounds(), spec.loss(), chain, outcomes, coordinated));
    return this;
  }
}
