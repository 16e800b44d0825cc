package dev.parley.cluster;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import dev.parley.protocols.byzantine.TwoGenerals;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Payload;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * The two generals on the cluster: the group's first two nodes are generals A and B, the others
 * look on. Operation {@code run} {@code {"rounds": 4, "loss": 0.3}}, at any node, runs a fresh
 * {@link TwoGenerals} chain of at most {@code rounds} messages over a link that loses each one with
 * probability {@code loss} (drawn from the node's seeded random, on top of any nemesis), and
 * answers, as upcall {@link Chain}, every message of the acknowledgement chain (delivered or lost),
 * what each general received, sent and decided, and whether they acted alike. Whatever the bound,
 * a lost last message leaves one general attacking alone. Setting: {@code run}, how long a run lasts
 * before the generals report (the chain is sent at once, no retries).
 */
public record TwoGeneralsKind(String name, String description) implements ProtocolKind {

  @Override
  public void checkConfig(KindConfig config) {
    config.positiveDuration("run");
  }

  @Override
  public Behavior<Object> create(KindContext context) {
    Peers<Object> peers = context.peers();
    if (peers.size() < 2) {
      throw new IllegalArgumentException("the two generals need a group of at least two nodes");
    }
    Duration run = context.config().positiveDuration("run");
    return Behaviors.setup(ctx -> Behaviors.withTimers(
        timers -> new General(ctx, timers, run, peers, context.env(), context.upcalls())));
  }

  /** The body of {@code run}: {@code rounds} of messengers (1 to 100, default 4), each lost with chance {@code loss}. */
  public record Attack(Integer rounds, Double loss) {
    public Attack {
      if (rounds != null && (rounds < 1 || rounds > 100)) {
        throw new IllegalArgumentException("\"rounds\" must be a whole number from 1 to 100, got " + rounds);
      }
      if (loss != null && !(loss >= 0 && loss <= 1)) {
        throw new IllegalArgumentException("\"loss\" must be a number from 0 to 1, got " + loss);
      }
      rounds = rounds == null ? 4 : rounds;
      loss = loss == null ? 0 : loss;
    }
  }

  @Override
  public List<Operation<?>> operations() {
    return List.of(Operation.of("run", Attack.class, (caller, a) -> {
      long run = System.nanoTime();
      return Invocation.answeredBy(new Run(run, caller.node().node(), a.rounds(), a.loss()), Chain.class, Chain::run,
          run);
    }));
  }

  @Override
  public Object status(UpcallLog upcalls, String instance) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("lastRun", upcalls.latest(instance, Chain.class));
    return out;
  }

  /** One run: its id, the node collecting the outcome, the chain's bound and the loss rate. */
  public record Run(long run, NodeId initiator, int rounds, double loss) implements WireMessage {}

  /** A chain message of run {@code run}. */
  public record Envelope(long run, @Payload Object message) implements WireMessage {}

  /** One message of the chain: its depth, sender, receiver, and whether the link delivered it. */
  public record Link(int depth, NodeId from, NodeId to, boolean delivered) implements WireMessage {}

  /** A general's outcome: the deepest message it received and sent, whether it attacks, its sends. */
  public record Outcome(long run, NodeId node, int received, int sent, boolean attacks, List<Link> sends)
      implements WireMessage {}

  /**
   * Upcall: run {@code run}'s chain in order, each general's outcome, and whether they acted alike
   * (both attack, or neither).
   */
  public record Chain(
      long run, int rounds, double loss, List<Link> chain, Map<NodeId, Outcome> generals, boolean coordinated)
      implements WireMessage {}

  private record Report(long run) {}

  private record RunStatus(long run, TwoGenerals.Status status) {}

  private record Collect(long run) {}

  /** A node's part: general A or B of each run, or an onlooker that may collect a run's outcome. */
  static final class General extends AbstractBehavior<Object> {

    private final TimerScheduler<Object> timers;
    private final Duration run;
    private final Peers<Object> peers;
    private final NodeEnv env;
    private final ActorRef<Object> upcalls;
    private final NodeId a;
    private final NodeId b;
    private final Map<Long, Instance> runs = new HashMap<>();
    private final Map<Long, List<Object>> early = new HashMap<>();
    private final Map<Long, Map<NodeId, Outcome>> collected = new HashMap<>();
    private final Map<Long, Run> initiated = new HashMap<>();

    /** This general's instance of one run. */
    private static final class Instance {
      final Run spec;
      final List<Link> sends = Collections.synchronizedList(new ArrayList<>()); // written by the link actor
      ActorRef<Object> child;
      ActorRef<Object> link;

      Instance(Run spec) {
        this.spec = spec;
      }
    }

    General(ActorContext<Object> ctx, TimerScheduler<Object> timers, Duration run, Peers<Object> peers, NodeEnv env,
        ActorRef<Object> upcalls) {
      super(ctx);
      this.timers = timers;
      this.run = run;
      this.peers = peers;
      this.env = env;
      this.upcalls = upcalls;
      List<NodeId> members = new ArrayList<>(peers.members());
      this.a = members.get(0);
      this.b = members.get(1);
    }

    @Override
    public Receive<Object> createReceive() {
      return newReceiveBuilder()
          .onMessage(Run.class, this::onRun)
          .onMessage(Envelope.class, this::onEnvelope)
          .onMessage(RunStatus.class, this::onStatus)
          .onMessage(Report.class, this::onReport)
          .onMessage(Outcome.class, this::onOutcome)
          .onMessage(Collect.class, c -> verdict(c.run()))
          .build();
    }

    private Behavior<Object> onRun(Run spec) {
      NodeId self = peers.self();
      if (spec.initiator().equals(self) && !initiated.containsKey(spec.run())) {
        initiated.put(spec.run(), spec);
        collected.put(spec.run(), new TreeMap<>());
        for (NodeId general : List.of(a, b)) {
          if (!general.equals(self)) {
            peers.tell(general, spec);
          }
        }
        timers.startSingleTimer(new Collect(spec.run()), run.multipliedBy(3));
      }
      if (!(self.equals(a) || self.equals(b)) || runs.containsKey(spec.run())) {
        return this;
      }
      NodeId other = self.equals(a) ? b : a;
      Instance instance = new Instance(spec);
      Random random = new Random(env.random().nextLong());
      instance.link = getContext().spawnAnonymous(Behaviors.receive(Object.class).onAnyMessage(m -> {
        boolean delivered = random.nextDouble() >= spec.loss();
        if (m instanceof TwoGenerals.Ack ack) {
          instance.sends.add(new Link(ack.depth(), self, other, delivered));
        }
        if (delivered) {
          peers.tell(other, new Envelope(spec.run(), m));
        }
        return Behaviors.same();
      }).build());
      @SuppressWarnings("unchecked")
      ActorRef<TwoGenerals.Command> link = (ActorRef<TwoGenerals.Command>) (ActorRef<?>) instance.link;
      instance.child = getContext().spawnAnonymous(TwoGenerals.create(Peers.of(self, Map.of(other, link)),
          new TwoGenerals.Settings(spec.rounds()), getContext().getSystem().ignoreRef()).unsafeCast());
      runs.put(spec.run(), instance);
      for (Object m : early.getOrDefault(spec.run(), List.of())) {
        instance.child.tell(m);
      }
      early.remove(spec.run());
      if (self.equals(a)) {
        instance.child.tell(new TwoGenerals.Propose(spec.run()));
      }
      timers.startSingleTimer(new Report(spec.run()), run);
      return this;
    }

    private Behavior<Object> onEnvelope(Envelope e) {
      Instance instance = runs.get(e.run());
      if (instance == null) {
        early.computeIfAbsent(e.run(), r -> new ArrayList<>()).add(e.message());
      } else {
        instance.child.tell(e.message());
      }
      return this;
    }

    /** The run is over here: stop the link, then ask the general where it got to. */
    private Behavior<Object> onReport(Report r) {
      Instance instance = runs.get(r.run());
      if (instance != null) {
        getContext().stop(instance.link);
        ActorRef<Object> me = getContext().getSelf();
        ActorRef<Object> answer = getContext().spawnAnonymous(Behaviors.receive(Object.class).onAnyMessage(m -> {
          me.tell(new RunStatus(r.run(), (TwoGenerals.Status) m));
          return Behaviors.stopped();
        }).build());
        instance.child.tell(new TwoGenerals.GetStatus(answer.narrow()));
      }
      return this;
    }

    private Behavior<Object> onStatus(RunStatus rs) {
      Instance instance = runs.remove(rs.run());
      if (instance == null) {
        return this;
      }
      getContext().stop(instance.child);
      TwoGenerals.Status s = rs.status();
      List<Link> sends;
      synchronized (instance.sends) {
        sends = List.copyOf(instance.sends);
      }
      Outcome outcome = new Outcome(rs.run(), peers.self(), s.received(), s.sent(), s.attacks(), sends);
      if (instance.spec.initiator().equals(peers.self())) {
        return onOutcome(outcome);
      }
      peers.tell(instance.spec.initiator(), outcome);
      return this;
    }

    private Behavior<Object> onOutcome(Outcome o) {
      Map<NodeId, Outcome> outcomes = collected.get(o.run());
      if (outcomes == null) {
        return this;
      }
      outcomes.put(o.node(), o);
      return outcomes.size() == 2 ? verdict(o.run()) : this;
    }

    private Behavior<Object> verdict(long run) {
      Map<NodeId, Outcome> outcomes = collected.remove(run);
      Run spec = initiated.remove(run);
      if (outcomes == null || spec == null) {
        return this;
      }
      timers.cancel(new Collect(run));
      List<Link> chain = new ArrayList<>();
      outcomes.values().forEach(o -> chain.addAll(o.sends()));
      chain.sort((x, y) -> Integer.compare(x.depth(), y.depth()));
      Outcome oa = outcomes.get(a);
      Outcome ob = outcomes.get(b);
      boolean coordinated = oa != null && ob != null && oa.attacks() == ob.attacks();
      upcalls.tell(new Chain(run, spec.rounds(), spec.loss(), chain, outcomes, coordinated));
      return this;
    }
  }
}
