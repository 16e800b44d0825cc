package dev.parley.cluster;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.parley.protocols.byzantine.OralMessages;
import dev.parley.protocols.byzantine.SignedMessages;
import dev.parley.protocols.byzantine.Traitor;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Payload;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Byzantine agreement on the cluster: {@link OralMessages} OM(m) or {@link SignedMessages} SM(m),
 * the group's first node the commander. Operation {@code decide} {@code {"value": "attack",
 * "traitors": ["n3"], "behavior": "lie", "m": 1}}, at any node, runs one agreement: every node
 * starts a fresh instance of the algorithm for it (traitors and their behavior are set per call;
 * {@code m} defaults to the number of traitors), and the answer, upcall {@link Verdict}, shows each
 * lieutenant's decision, whether agreement (all loyal lieutenants decide alike) and validity (with
 * a loyal commander, they decide its order) held, and how many messages the run took.
 *
 * <p>A run starts in two steps, so that round 1 starts at the same moment everywhere as the
 * algorithms assume: the asking node sends the run to every node, each makes its instance and says
 * it is ready, then the asking node says go (after its configured {@code ready-wait} without some,
 * it goes on without them). Rounds are the configured {@code round} long unless the call says
 * {@code "roundMs"}. OM and SM
 * assume synchrony: a message arriving after the round it belongs to is ignored by the algorithm, and the
 * verdict counts such late messages (a cold or overloaded JVM can be that slow on its first run),
 * so a failed property with late messages is the model broken, not the algorithm. SM's keys come from a trusted dealer every node imitates: the same Ed25519 pairs derived
 * from the instance's name, so any node could forge any signature; a traitor here does not, as in
 * the simulation.
 */
public record ByzantineKind(String name, String description, boolean signed) implements ProtocolKind {

  /**
   * Timing on the cluster.
   *
   * @param round the synchronous round bound, for a call that does not give its own
   * @param readyWait how long a run waits for every node to be ready before it starts with those that are
   */
  record Timing(Duration round, Duration readyWait) {
    static Timing of(KindConfig c) {
      Timing timing = new Timing(c.duration("round"), c.duration("ready-wait"));
      if (timing.round.toMillis() < 10 || timing.round.toMillis() > 10_000 || timing.readyWait.isNegative()) {
        throw new IllegalArgumentException(c.key("round") + " must be within 10 ms..10 s and "
            + c.key("ready-wait") + " at least zero, got " + timing);
      }
      return timing;
    }
  }

  @Override
  public void checkConfig(KindConfig config) {
    Timing.of(config);
  }

  @Override
  public Behavior<Object> create(KindContext context) {
    Timing timing = Timing.of(context.config());
    return Behaviors.setup(ctx -> Behaviors.withTimers(
        timers -> new General(ctx, timers, context.instance(), signed, timing, context.peers(), context.upcalls())));
  }

  /**
   * The body of {@code decide}: the commander's order {@code value} (attack or retreat), the
   * {@code traitors}, how they behave (lie, silent or conflicting; default lie), the rounds {@code
   * m} (default: as many as traitors) and the round length {@code roundMs} (10 to 10000).
   */
  public record Decide(@JsonProperty(required = true) String value, List<String> traitors, String behavior,
      Integer m, Long roundMs) {
    public Decide {
      String example = " e.g. {\"value\": \"attack\", \"traitors\": [\"n3\"], \"behavior\": \"lie\"}";
      if (value != null && !(value.equals("attack") || value.equals("retreat"))) {
        throw new IllegalArgumentException("the commander's order is \"value\": \"attack\" or \"retreat\";" + example);
      }
      if (roundMs != null && (roundMs < 10 || roundMs > 10_000)) {
        throw new IllegalArgumentException("\"roundMs\" must be a whole number from 10 to 10000, got " + roundMs);
      }
      traitors = traitors == null ? List.of() : List.copyOf(traitors);
      behavior = behavior == null ? "lie" : behavior;
    }
  }

  @Override
  public List<Operation<?>> operations() {
    return List.of(Operation.of("decide", Decide.class, (caller, d) -> decide(caller.node(), d)));
  }

  private static Invocation decide(NodeSettings node, Decide body) {
    List<NodeId> traitors = new ArrayList<>();
    for (String t : body.traitors()) {
      NodeId id = NodeId.of(t);
      if (!node.group().contains(id)) {
        throw new IllegalArgumentException("traitor " + id + " is not in the group " + node.group());
      }
      traitors.add(id);
    }
    Traitor strategy;
    try {
      strategy = Traitor.valueOf(body.behavior().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("a traitor's behavior is lie, silent or conflicting, got '" + body.behavior()
          + "'");
    }
    int m = body.m() == null ? traitors.size() : body.m();
    if (m < 0 || m > node.group().size() - 2) {
      throw new IllegalArgumentException("\"m\" must be a whole number from 0 to " + (node.group().size() - 2)
          + ", got " + m);
    }
    long run = System.nanoTime();
    Run spec = new Run(run, node.node(), body.value().equals("attack") ? 1 : 0,
        List.copyOf(new LinkedHashSet<>(traitors)), strategy, m,
        body.roundMs() == null ? Run.CONFIGURED_ROUND : body.roundMs());
    return Invocation.answeredBy(spec, Verdict.class, Verdict::run, run);
  }

  @Override
  public Object status(UpcallLog upcalls, String instance) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("lastVerdict", upcalls.latest(instance, Verdict.class));
    out.put("verdicts", upcalls.since(instance, 0).stream().filter(e -> e.upcall() instanceof Verdict).count());
    return out;
  }

  /**
   * One agreement: its id, the node collecting the verdict, the order (1 attack, 0 retreat), the
   * traitors and their behavior, m, and the round length ({@link #CONFIGURED_ROUND}: the asking
   * node's configured round, which it fills in before it sends the run to the others).
   */
  public record Run(
      long run, NodeId initiator, int value, List<NodeId> traitors, Traitor behavior, int m, long roundMs)
      implements WireMessage {

    /** The round length of a call that does not give one. */
    static final long CONFIGURED_ROUND = 0;

    Duration round() {
      return Duration.ofMillis(roundMs);
    }

    Run withRound(Duration round) {
      return new Run(run, initiator, value, traitors, behavior, m, round.toMillis());
    }
  }

  /** A message of the algorithm inside run {@code run}. */
  public record Envelope(long run, @Payload Object message) implements WireMessage {}

  /**
   * A node's outcome of run {@code run}: its decision (null if none), the messages it sent and
   * those it received after it had decided.
   */
  public record Outcome(long run, NodeId node, Integer decision, int sent, int late) implements WireMessage {}

  /**
   * Upcall: the outcome of one agreement. Decisions by lieutenant ("attack", "retreat", or "none"
   * for a traitor or a node that did not decide in time); validity is null when the commander is a
   * traitor (it promises nothing then). {@code lateMessages}: messages that arrived after their
   * receiver had decided, which synchrony rules out; {@code silentNodes}: nodes that did not report;
   * {@code synchronyHeld}: neither happened, so the run was within the algorithm's model.
   */
  public record Verdict(
      long run, String algorithm, NodeId commander, String order, List<NodeId> traitors, String behavior,
      int m, Map<NodeId, String> decisions, boolean agreement, Boolean validity, long messages,
      long lateMessages, List<NodeId> silentNodes, boolean synchronyHeld) implements WireMessage {}

  private record ChildDecided(long run, Integer value) {}

  /** Node {@code node} has its instance of run {@code run} and waits for {@link Go}. */
  public record Ready(long run, NodeId node) implements WireMessage {}

  /** The common start of run {@code run}'s first round. */
  public record Go(long run) implements WireMessage {}

  private record Due(long run, boolean collect) {}

  private record StartDue(long run) {}

  /** A node's part: runs each agreement's instance and, where asked, collects the verdict. */
  static final class General extends AbstractBehavior<Object> {

    private final TimerScheduler<Object> timers;
    private final boolean signed;
    private final Timing timing;
    private final Peers<Object> peers;
    private final ActorRef<Object> upcalls;
    private final Map<NodeId, KeyPair> keys;
    private final Map<Long, Instance> runs = new HashMap<>();
    private final Map<Long, List<Object>> early = new HashMap<>();
    private final Map<Long, Map<NodeId, Outcome>> collected = new HashMap<>();
    private final Map<Long, Run> initiated = new HashMap<>();
    private final Set<Long> finished = new HashSet<>();
    private final Map<Long, Set<NodeId>> ready = new HashMap<>();

    /** One run's instance at this node: the algorithm, its decision, the messages its links sent. */
    private static final class Instance {
      final Run spec;
      final AtomicInteger sent = new AtomicInteger();
      final List<ActorRef<Object>> helpers = new ArrayList<>();
      ActorRef<Object> child;
      Integer decision;
      boolean decided;
      boolean started;
      int late;

      Instance(Run spec) {
        this.spec = spec;
      }
    }

    General(ActorContext<Object> ctx, TimerScheduler<Object> timers, String instance, boolean signed,
        Timing timing, Peers<Object> peers, ActorRef<Object> upcalls) {
      super(ctx);
      this.timers = timers;
      this.signed = signed;
      this.timing = timing;
      this.peers = peers;
      this.upcalls = upcalls;
      this.keys = signed ? SignedMessages.dealKeys(peers.members(), NodeEnv.mix(0, instance)) : Map.of();
    }

    @Override
    public Receive<Object> createReceive() {
      return newReceiveBuilder()
          .onMessage(Run.class, this::onRun)
          .onMessage(Envelope.class, this::onEnvelope)
          .onMessage(ChildDecided.class, this::onChildDecided)
          .onMessage(Outcome.class, this::onOutcome)
          .onMessage(Due.class, this::onDue)
          .onMessage(Ready.class, this::onReady)
          .onMessage(Go.class, this::onGo)
          .onMessage(StartDue.class, d -> go(d.run()))
          .build();
    }

    private Duration length(Run spec) {
      return spec.round().multipliedBy(spec.m() + 2);
    }

    private Behavior<Object> onRun(Run asked) {
      if (runs.containsKey(asked.run()) || finished.contains(asked.run())) {
        return this;
      }
      boolean initiator = asked.initiator().equals(peers.self());
      Run spec = initiator && asked.roundMs() == Run.CONFIGURED_ROUND ? asked.withRound(timing.round()) : asked;
      if (initiator) {
        initiated.put(spec.run(), spec);
        collected.put(spec.run(), new TreeMap<>());
        ready.put(spec.run(), new HashSet<>(Set.of(peers.self())));
        peers.tellOthers(spec);
        timers.startSingleTimer(new StartDue(spec.run()), timing.readyWait());
      }
      NodeId self = peers.self();
      Instance instance = new Instance(spec);
      Map<NodeId, ActorRef<Object>> links = new TreeMap<>();
      for (NodeId other : peers.others()) {
        links.put(other, getContext().spawnAnonymous(Behaviors.receive(Object.class).onAnyMessage(m -> {
          instance.sent.incrementAndGet();
          peers.tell(other, new Envelope(spec.run(), m));
          return Behaviors.same();
        }).build()));
      }
      ActorRef<Object> me = getContext().getSelf();
      ActorRef<Object> listener = getContext().spawnAnonymous(Behaviors.receive(Object.class).onAnyMessage(u -> {
        Integer v = u instanceof OralMessages.Decided d ? Integer.valueOf(d.value())
            : u instanceof SignedMessages.Decided d ? Integer.valueOf(d.value()) : null;
        me.tell(new ChildDecided(spec.run(), v));
        return Behaviors.same();
      }).build());
      Map<NodeId, Traitor> traitors = new TreeMap<>();
      spec.traitors().forEach(t -> traitors.put(t, spec.behavior()));
      NodeId commander = peers.members().first();
      ActorRef<Object> child;
      if (signed) {
        SignedMessages.Settings base = SignedMessages.Settings.of(spec.m(), commander, keys);
        SignedMessages.Settings settings = new SignedMessages.Settings(spec.m(), commander, traitors, spec.round(), 0,
            base.publicKeys());
        child = getContext().spawnAnonymous(SignedMessages.create(Peers.of(self, narrow(links)), settings,
            keys.get(self).getPrivate(), listener).unsafeCast());
      } else {
        OralMessages.Settings settings = new OralMessages.Settings(spec.m(), commander, traitors, spec.round(), 0);
        child = getContext().spawnAnonymous(
            OralMessages.create(Peers.of(self, narrow(links)), settings, listener).unsafeCast());
      }
      instance.child = child;
      instance.helpers.addAll(links.values());
      instance.helpers.add(listener);
      runs.put(spec.run(), instance);
      for (Object m : early.getOrDefault(spec.run(), List.of())) {
        child.tell(m);
      }
      early.remove(spec.run());
      if (!initiator) {
        peers.tell(spec.initiator(), new Ready(spec.run(), self));
      }
      return this;
    }

    private Behavior<Object> onReady(Ready r) {
      Set<NodeId> those = ready.get(r.run());
      if (those != null) {
        those.add(r.node());
        if (those.size() == peers.size()) {
          return go(r.run());
        }
      }
      return this;
    }

    /** Every node is ready (or the wait is over): the common start of round 1. */
    private Behavior<Object> go(long run) {
      if (ready.remove(run) == null) {
        return this;
      }
      timers.cancel(new StartDue(run));
      Run spec = initiated.get(run);
      timers.startSingleTimer(new Due(run, true), length(spec).plus(spec.round().multipliedBy(2)));
      peers.tellOthers(new Go(run));
      return onGo(new Go(run));
    }

    private Behavior<Object> onGo(Go g) {
      Instance instance = runs.get(g.run());
      if (instance != null && !instance.started) {
        instance.started = true;
        instance.child.tell(signed ? new SignedMessages.Start(instance.spec.value())
            : new OralMessages.Start(instance.spec.value()));
        timers.startSingleTimer(new Due(g.run(), false), length(instance.spec));
      }
      return this;
    }

    @SuppressWarnings("unchecked")
    private static <C> Map<NodeId, ActorRef<C>> narrow(Map<NodeId, ActorRef<Object>> links) {
      Map<NodeId, ActorRef<C>> out = new TreeMap<>();
      links.forEach((node, ref) -> out.put(node, (ActorRef<C>) (ActorRef<?>) ref));
      return out;
    }

    private Behavior<Object> onEnvelope(Envelope e) {
      Instance instance = runs.get(e.run());
      if (instance == null && !finished.contains(e.run())) {
        early.computeIfAbsent(e.run(), r -> new ArrayList<>()).add(e.message());
      } else if (instance != null) {
        if (instance.decided) {
          instance.late++;
        }
        instance.child.tell(e.message());
      }
      return this;
    }

    private Behavior<Object> onChildDecided(ChildDecided d) {
      Instance instance = runs.get(d.run());
      if (instance != null) {
        instance.decision = d.value();
        instance.decided = true;
      }
      return this;
    }

    /** The run's rounds are over here (report to the initiator), or at the initiator, the wait. */
    private Behavior<Object> onDue(Due d) {
      if (d.collect()) {
        return verdict(d.run());
      }
      Instance instance = runs.remove(d.run());
      if (instance == null) {
        return this;
      }
      finished.add(d.run());
      getContext().stop(instance.child);
      instance.helpers.forEach(getContext()::stop);
      Outcome outcome = new Outcome(d.run(), peers.self(), instance.decision, instance.sent.get(),
          instance.late);
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
      return outcomes.size() == peers.size() ? verdict(o.run()) : this;
    }

    private Behavior<Object> verdict(long run) {
      Map<NodeId, Outcome> outcomes = collected.remove(run);
      Run spec = initiated.remove(run);
      if (outcomes == null || spec == null) {
        return this;
      }
      timers.cancel(new Due(run, true));
      NodeId commander = peers.members().first();
      Map<NodeId, String> decisions = new TreeMap<>();
      List<Integer> loyal = new ArrayList<>();
      long messages = 0;
      long late = 0;
      for (NodeId node : peers.members()) {
        Outcome o = outcomes.get(node);
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
      silent.removeAll(outcomes.keySet());
      upcalls.tell(new Verdict(run, signed ? "SM(" + spec.m() + ")" : "OM(" + spec.m() + ")", commander,
          spec.value() == 1 ? "attack" : "retreat", spec.traitors(), spec.behavior().name().toLowerCase(Locale.ROOT),
          spec.m(), decisions, agreement, validity, messages, late, silent, late == 0 && silent.isEmpty()));
      return this;
    }
  }
}
