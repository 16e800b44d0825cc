package dev.parley.protocols.byzantine;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Payload;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Runs of Byzantine agreement across a group, each asked at any node with its own order, traitors
 * and m, and answered there with a verdict: OM(m) ({@link OralMessages}) or SM(m) ({@link
 * SignedMessages}), the group's first node commanding, each node's part a {@link ByzantineGeneral}.
 *
 * <p>Model: the algorithms' own (synchronous rounds from a common start, at most m traitors, links
 * that name the sender; for SM, signatures from a trusted dealer every node imitates: the same
 * Ed25519 pairs derived from {@link Settings#dealerSeed()}, so on a real cluster any node could
 * forge, and a traitor here does not). The run's start, reports and verdict cross the same links.
 *
 * <p>Algorithm: the asking node (the initiator) fills in its configured round unless the run names
 * one and sends {@link Run} to every node; each makes its part for the run (buffering messages that
 * overtook the run) and answers {@link Ready}. When all are ready, or after {@code readyWait} with
 * those that are, the initiator says {@link Go} to all: the common start of round 1. Each node
 * starts its part, lets a lieutenant decide {@code (m+1)} rounds later, and after {@code m+2}
 * rounds reports its {@link Outcome} (decision, messages sent, messages that came after it had
 * decided). The initiator answers {@link Verdict} once all reported, or {@code m+4} rounds after
 * the go with what it has.
 *
 * <p>Guarantees: every run is answered at its initiator. Agreement and validity are the
 * algorithm's, when the run kept to the model: the verdict counts late messages and silent nodes,
 * so a run outside the model ({@code synchronyHeld} false) says so instead of blaming the
 * algorithm. Cost per run: the algorithm's messages, plus 3(n-1) to start and n-1 reports.
 */
public final class ByzantineRuns extends AbstractBehavior<ByzantineRuns.Command> {

  /** Downcall {@link Run}, the wire messages between the nodes, and the timers. */
  public sealed interface Command extends WireMessage
      permits Run, Envelope, Ready, Go, Outcome, ReadyDue, Decide, Over, CollectDue {}

  /** Which algorithm the runs use. */
  public enum Algorithm {
    ORAL("OM"),
    SIGNED("SM");

    private final String prefix;

    Algorithm(String prefix) {
      this.prefix = prefix;
    }
  }

  /**
   * Downcall (and its announcement to every node): one agreement's id, the node collecting the
   * verdict, the order (1 attack, 0 retreat), the traitors and their behavior, m, and the round
   * length ({@link #CONFIGURED_ROUND}: the initiator's configured round).
   */
  public record Run(
      long run, NodeId initiator, int value, List<NodeId> traitors, Traitor behavior, int m, long roundMs)
      implements Command {

    /** The round length of a run that does not give one. */
    public static final long CONFIGURED_ROUND = 0;

    public Run {
      traitors = List.copyOf(traitors);
    }

    Duration round() {
      return Duration.ofMillis(roundMs);
    }
  }

  /** A message of the algorithm inside run {@code run}. */
  public record Envelope(long run, @Payload Object message) implements Command {}

  /** Node {@code node} has its part of run {@code run} and waits for {@link Go}. */
  public record Ready(long run, NodeId node) implements Command {}

  /** The common start of run {@code run}'s first round. */
  public record Go(long run) implements Command {}

  /**
   * A node's outcome of run {@code run}: its decision (null if none), the messages it sent and
   * those it received after it had decided.
   */
  public record Outcome(long run, NodeId node, Integer decision, int sent, int late) implements Command {}

  /** Timer at the initiator: go with the nodes that are ready. */
  record ReadyDue(long run) implements Command {}

  /** Timer: the last round of run {@code run} is over here. */
  record Decide(long run) implements Command {}

  /** Timer: run {@code run} is over here; report. */
  record Over(long run) implements Command {}

  /** Timer at the initiator: stop waiting for reports. */
  record CollectDue(long run) implements Command {}

  /**
   * Upcall at the initiator: the outcome of one agreement. Decisions by lieutenant ("attack",
   * "retreat", or "none" for a traitor or a node that did not decide in time); validity is null
   * when the commander is a traitor (it promises nothing then). {@code lateMessages}: messages that
   * arrived after their receiver had decided, which synchrony rules out; {@code silentNodes}: nodes
   * that did not report; {@code synchronyHeld}: neither happened, so the run was within the model.
   */
  public record Verdict(
      long run, String algorithm, NodeId commander, String order, List<NodeId> traitors, String behavior,
      int m, Map<NodeId, String> decisions, boolean agreement, Boolean validity, long messages,
      long lateMessages, List<NodeId> silentNodes, boolean synchronyHeld) implements WireMessage {}

  /**
   * @param algorithm OM or SM
   * @param round the synchronous round bound of a run that does not give its own
   * @param readyWait how long a run waits for every node to be ready before it goes with those that are
   * @param dealerSeed SM's trusted dealer's seed (the same at every node)
   */
  public record Settings(Algorithm algorithm, Duration round, Duration readyWait, long dealerSeed) {
    public Settings {
      if (algorithm == null || round == null || readyWait == null || round.toMillis() < 1
          || readyWait.isNegative()) {
        throw new IllegalArgumentException("runs need an algorithm, a round of at least 1 ms and a ready wait of "
            + "at least zero, got " + algorithm + ", " + round + ", " + readyWait);
      }
    }
  }

  /** One run's part at this node and what its host counted. */
  private static final class Part {
    final Run spec;
    ByzantineGeneral general;
    Integer decision;
    boolean decided;
    boolean started;
    int late;

    Part(Run spec) {
      this.spec = spec;
    }
  }

  /** What the initiator of a run keeps: who is ready, the outcomes so far. */
  private static final class Collecting {
    final Run spec;
    final Set<NodeId> ready = new HashSet<>();
    final Map<NodeId, Outcome> outcomes = new TreeMap<>();
    boolean gone;

    Collecting(Run spec) {
      this.spec = spec;
    }
  }

  private final TimerScheduler<Command> timers;
  private final Settings settings;
  private final Peers<Command> peers;
  private final ActorRef<? super Verdict> upcalls;
  private final Map<NodeId, KeyPair> keys;
  private final NodeId commander;
  private final Map<Long, Part> parts = new HashMap<>();
  private final Map<Long, List<WireMessage>> early = new HashMap<>();
  private final Set<Long> finished = new HashSet<>();
  private final Map<Long, Collecting> collecting = new HashMap<>();

  public static Behavior<Command> create(Peers<Command> peers, Settings settings, ActorRef<? super Verdict> upcalls) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(t -> new ByzantineRuns(ctx, t, settings, peers, upcalls)));
  }

  private ByzantineRuns(ActorContext<Command> ctx, TimerScheduler<Command> timers, Settings settings,
      Peers<Command> peers, ActorRef<? super Verdict> upcalls) {
    super(ctx);
    this.timers = timers;
    this.settings = settings;
    this.peers = peers;
    this.upcalls = upcalls;
    this.commander = peers.members().first();
    this.keys = settings.algorithm() == Algorithm.SIGNED
        ? SignedMessages.dealKeys(peers.members(), settings.dealerSeed()) : Map.of();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Run.class, this::onRun)
        .onMessage(Envelope.class, this::onEnvelope)
        .onMessage(Ready.class, this::onReady)
        .onMessage(ReadyDue.class, d -> go(d.run()))
        .onMessage(Go.class, this::onGo)
        .onMessage(Decide.class, this::onDecide)
        .onMessage(Over.class, this::onOver)
        .onMessage(Outcome.class, this::onOutcome)
        .onMessage(CollectDue.class, d -> verdict(d.run()))
        .build();
  }

  private Behavior<Command> onRun(Run asked) {
    if (parts.containsKey(asked.run()) || finished.contains(asked.run())) {
      return this;
    }
    NodeId self = peers.self();
    boolean initiator = asked.initiator().equals(self);
    Run spec = initiator && asked.roundMs() == Run.CONFIGURED_ROUND
        ? new Run(asked.run(), asked.initiator(), asked.value(), asked.traitors(), asked.behavior(), asked.m(),
            settings.round().toMillis())
        : asked;
    if (initiator) {
      Collecting c = new Collecting(spec);
      c.ready.add(self);
      collecting.put(spec.run(), c);
      peers.tellOthers(spec);
      timers.startSingleTimer(new ReadyDue(spec.run()), settings.readyWait());
    }
    Part part = new Part(spec);
    part.general = general(spec, part);
    parts.put(spec.run(), part);
    early.getOrDefault(spec.run(), List.of()).forEach(m -> deliver(part, m));
    early.remove(spec.run());
    if (initiator) {
      return onReady(new Ready(spec.run(), self));
    }
    peers.tell(spec.initiator(), new Ready(spec.run(), self));
    return this;
  }

  /** This node's part of run {@code spec}: its messages go out in envelopes, its decision is noted. */
  private ByzantineGeneral general(Run spec, Part part) {
    Map<NodeId, Traitor> traitors = new TreeMap<>();
    spec.traitors().forEach(t -> traitors.put(t, spec.behavior()));
    NodeId self = peers.self();
    if (settings.algorithm() == Algorithm.SIGNED) {
      SignedMessages.Settings base = SignedMessages.Settings.of(spec.m(), commander, keys);
      SignedMessages.Settings s = new SignedMessages.Settings(spec.m(), commander, traitors, spec.round(), 0,
          base.publicKeys());
      return new SignedMessages.General(self, peers.members(), s, keys.get(self).getPrivate(),
          (to, m) -> peers.tell(to, new Envelope(spec.run(), m)), d -> decided(part, d.value()));
    }
    OralMessages.Settings s = new OralMessages.Settings(spec.m(), commander, traitors, spec.round(), 0);
    return new OralMessages.General(self, peers.members(), s,
        (to, m) -> peers.tell(to, new Envelope(spec.run(), m)), d -> decided(part, d.value()));
  }

  private static void decided(Part part, int value) {
    part.decision = value;
    part.decided = true;
  }

  private static void deliver(Part part, WireMessage message) {
    if (part.decided) {
      part.late++;
    }
    part.general.receive(message);
  }

  private Behavior<Command> onEnvelope(Envelope e) {
    if (!(e.message() instanceof WireMessage message)) {
      return this;
    }
    Part part = parts.get(e.run());
    if (part != null) {
      deliver(part, message);
    } else if (!finished.contains(e.run())) {
      early.computeIfAbsent(e.run(), r -> new ArrayList<>()).add(message);
    }
    return this;
  }

  private Behavior<Command> onReady(Ready r) {
    Collecting c = collecting.get(r.run());
    if (c != null && !c.gone) {
      c.ready.add(r.node());
      if (c.ready.size() == peers.size()) {
        return go(r.run());
      }
    }
    return this;
  }

  /** Every node is ready (or the wait is over): the common start of round 1. */
  private Behavior<Command> go(long run) {
    Collecting c = collecting.get(run);
    if (c == null || c.gone) {
      return this;
    }
    c.gone = true;
    timers.cancel(new ReadyDue(run));
    timers.startSingleTimer(new CollectDue(run), c.spec.round().multipliedBy(c.spec.m() + 4));
    peers.tellOthers(new Go(run));
    return onGo(new Go(run));
  }

  private Behavior<Command> onGo(Go g) {
    Part part = parts.get(g.run());
    if (part != null && !part.started) {
      part.started = true;
      part.general.start(part.spec.value());
      timers.startSingleTimer(new Decide(g.run()), part.general.decisionDelay());
      timers.startSingleTimer(new Over(g.run()), part.spec.round().multipliedBy(part.spec.m() + 2));
    }
    return this;
  }

  private Behavior<Command> onDecide(Decide d) {
    Part part = parts.get(d.run());
    if (part != null) {
      part.general.decide();
    }
    return this;
  }

  /** The run's rounds are over here: report to the initiator. */
  private Behavior<Command> onOver(Over o) {
    Part part = parts.remove(o.run());
    if (part == null) {
      return this;
    }
    finished.add(o.run());
    Outcome outcome = new Outcome(o.run(), peers.self(), part.decision, part.general.sent(), part.late);
    if (part.spec.initiator().equals(peers.self())) {
      return onOutcome(outcome);
    }
    peers.tell(part.spec.initiator(), outcome);
    return this;
  }

  private Behavior<Command> onOutcome(Outcome o) {
    Collecting c = collecting.get(o.run());
    if (c == null) {
      return this;
    }
    c.outcomes.put(o.node(), o);
    return c.outcomes.size() == peers.size() ? verdict(o.run()) : this;
  }

  private Behavior<Command> verdict(long run) {
    Collecting c = collecting.remove(run);
    if (c == null) {
      return this;
    }
    timers.cancel(new CollectDue(run));
    Run spec = c.spec;
    Map<NodeId, String> decisions = new TreeMap<>();
    List<Integer> loyal = new ArrayList<>();
    long messages = 0;
    long late = 0;
    for (NodeId node : peers.members()) {
      Outcome o = c.outcomes.get(node);
      if (o != null) {
        messages += o.sent();
        late += o.late();
      }
      if (node.equals(commander)) {
        continue;
      }
      Integer d = o == null ? null : o.decision();
      decisions.put(node, d == null ? "none" : d == 1 ? "attack" : "retreat");
      if (!spec.traitors().contains(node)) {
        loyal.add(d);
      }
    }
    boolean agreement = loyal.stream().distinct().count() <= 1 && !loyal.contains(null);
    Boolean validity = spec.traitors().contains(commander) ? null
        : loyal.stream().allMatch(d -> d != null && d == spec.value());
    List<NodeId> silent = new ArrayList<>(peers.members());
    silent.removeAll(c.outcomes.keySet());
    upcalls.tell(new Verdict(run, settings.algorithm().prefix + "(" + spec.m() + ")", commander,
        spec.value() == 1 ? "attack" : "retreat", spec.traitors(), spec.behavior().name().toLowerCase(Locale.ROOT),
        spec.m(), decisions, agreement, validity, messages, late, silent, late == 0 && silent.isEmpty()));
    return this;
  }
}
