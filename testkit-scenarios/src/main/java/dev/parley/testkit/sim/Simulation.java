package dev.parley.testkit.sim;

import akka.actor.typed.ActorRef;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.protocols.link.NetworkFaults;
import dev.parley.protocols.history.History;
import dev.parley.protocols.history.Operation;
import dev.parley.protocols.trace.RunRecord;
import dev.parley.testkit.checker.Verdict;
import dev.parley.testkit.report.Progress;
import dev.parley.testkit.sim.SimEvent.ClientRequest;
import dev.parley.testkit.sim.SimEvent.Crash;
import dev.parley.testkit.sim.SimEvent.Nemesis;
import dev.parley.testkit.sim.SimEvent.Restart;
import dev.parley.testkit.sim.TraceEvent.Kind;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A deterministic simulation of a group of nodes running the same protocol behaviors as production,
 * each hosted in Akka's {@code BehaviorTestKit}, under a seeded scheduler over virtual time.
 *
 * <p><b>Model.</b> Every message in flight, every timer and every scripted action is an event due at
 * a virtual time; the simulation repeatedly takes the earliest (ties broken by a random key drawn
 * from the seed), moves virtual time to it and applies it to one node, synchronously, on the
 * caller's thread. A message's fate is decided when it is sent, by the {@link FaultPlan} of its link
 * at that moment ({@link NetworkFaults#planFor}): lost, delivered once or twice, each copy delayed,
 * held back (reordered) or garbled ({@code Corruptible}, else lost), exactly as {@code FaultyLink}
 * decides. Timers fire at their delay (periodic ones re-arm); a node's own messages to itself are
 * events due at once. Each node's {@code NodeEnv} reads the virtual clock and has a random seeded
 * from the run's seed, its name and its incarnation. A crash discards the node's kit (memory,
 * timers, self-messages); messages reaching it while down are dropped. A restart makes a fresh
 * instance from the factory; an {@code EventSourcedBehavior} recovers its persisted events and
 * latest snapshot (see {@link SimProtocol}).
 *
 * <p><b>Guarantees.</b> The same seed and the same script give the identical run: the same events in
 * the same order at the same virtual times, the same upcalls, the same trace. No wall clock, no
 * unseeded random, no threads. Invariants are checked after every step; a failure (an invariant, a
 * final {@link #check}, an exception from a protocol, the step limit) is thrown as a {@link
 * SimulationFailure} that names the seed, says how to replay the run and lists its last events.
 *
 * <p><b>Usage</b> (the spec {@code SimUsageExampleTest} runs exactly this).
 *
 * <pre>{@code
 * NodeId n1 = NodeId.n(1), n2 = NodeId.n(2), n3 = NodeId.n(3);
 * Simulation<CausalMulticast.Command> sim =
 *     Simulation.<CausalMulticast.Command>builder(3,
 *             (peers, env, upcalls) -> CausalMulticast.create(peers, upcalls.narrow()))
 *         .seed(Simulations.seed(42))          // -Dparley.seed=N overrides
 *         .faults(FaultPlan.none()
 *             .withDelay(Delay.uniform(Duration.ofMillis(1), Duration.ofMillis(10)))
 *             .withReorder(0.3).withDuplicate(0.1))
 *         .invariant("no node delivers a message twice", v -> v.nodes().stream()
 *             .allMatch(n -> Set.copyOf(v.upcalls(n)).size() == v.upcalls(n).size()))
 *         .tracing(true)                       // keep every event (the last 30 are always kept)
 *         .build();
 * sim.tell(Duration.ZERO, n1, new CausalMulticast.Multicast("a"));
 * sim.tell(Duration.ofMillis(5), n2, new CausalMulticast.Multicast("b"));
 * sim.nemesis(Duration.ofMillis(50), NemesisCommand.Partition.parse("n1/n2,n3"));
 * sim.tell(Duration.ofMillis(60), n1, new CausalMulticast.Multicast("lost to n2 and n3"));
 * sim.nemesis(Duration.ofMillis(80), new NemesisCommand.Heal());
 * sim.crash(Duration.ofMillis(90), n3);
 * sim.restart(Duration.ofMillis(120), n3);
 * sim.runUntilQuiescent();                     // or runUntil(Duration), runUntil(predicate)
 * sim.check(v -> assertThat(v.upcalls(n2, Delivered.class))
 *     .extracting(Delivered::payload).containsExactlyInAnyOrder("a", "b"));
 * System.out.println(sim.stats());             // counts per message type and per node
 * sim.trace().events().forEach(System.out::println);
 * }</pre>
 *
 * <p><b>The explorer.</b> A traced run becomes the explorer's run file with {@link #record(String)}:
 * every event with vector clocks, and each node's state after its events when the builder has a
 * {@link Builder#states state query} (asked out of band: the run is the same without it). A traced
 * run that fails writes its explorer page and names it in the failure (see docs/writing-specs.md,
 * "Seeing a run in the explorer").
 *
 * <p>Many seeds at once, with {@code -Dparley.seed=N} replaying one: {@link Simulations#forSeeds}.
 * Every interleaving of a small group up to a depth: {@link Exploration}.
 *
 * @param <C> the protocol's message type
 */
public final class Simulation<C> implements SimView {

  private final long seed;
  private final World<C> world;
  private final int reportLast;
  private final List<Invariant> invariants;
  private final long maxSteps;
  private final Progress progress;
  private SimulationFailure failed;
  /** One line saying how the run failed, or null. */
  private String failureNote;
  /** What of this run a shrink keeps (everything, outside a shrink). */
  private final RunFilter filter;
  /** The builder's state query, or null; asked only when tracing. */
  private final Function<ActorRef<Object>, ?> stateQuery;
  /** What the state query answered after each step, or null when it is not asked. */
  private final NodeStates states;

  Simulation(Builder<C> b, Agenda agenda, KitFactory kits, boolean exploring, boolean tracing) {
    this.seed = b.seed;
    this.filter = exploring ? new RunFilter(ShrinkMask.ALL, false) : RunFilter.current();
    tracing = tracing || filter.traceAll;
    this.reportLast = b.reportLast;
    this.maxSteps = exploring ? Long.MAX_VALUE : b.maxSteps; // an exploration cuts schedules at it instead
    this.progress = Progress.of("simulation, seed " + b.seed);
    this.invariants = new ArrayList<>(b.invariants);
    b.freshInvariants.forEach(s -> invariants.add(s.get()));
    FaultPlan plan = exploring ? FaultPlan.none() : b.faults;
    this.world =
        new World<>(
            b.nodes, b.protocol, b.seed, plan, b.origin, agenda, kits, reportLast, tracing,
            exploring, b.fifoLinks && !exploring, b.storage, b.storageByNode, filter);
    world.limitMessages(b.maxMessageBytes);
    filter.lastTrace = world.trace;
    filter.lastSimulation = this;
    this.stateQuery = b.stateQuery;
    this.states = tracing && b.stateQuery != null ? new NodeStates() : null;
    guarded("starting the nodes", () -> {
      world.startAll();
      takeStates(0);
    });
  }

  /** A simulation of nodes {@code n1 .. n<count>}, each running what {@code protocol} makes. */
  public static <C> Builder<C> builder(int count, SimProtocol<C> protocol) {
    if (count < 1) {
      throw new IllegalArgumentException("a simulation needs at least one node, got " + count);
    }
    List<NodeId> ids = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      ids.add(NodeId.n(i));
    }
    return new Builder<>(ids, protocol);
  }

  /** A simulation of {@code nodes}, each running what {@code protocol} makes. */
  public static <C> Builder<C> builder(Collection<NodeId> nodes, SimProtocol<C> protocol) {
    return new Builder<>(new ArrayList<>(new TreeSet<>(nodes)), protocol);
  }

  // ---------------------------------------------------------------- scripting

  /** A client gives {@code node} the downcall {@code message} now. */
  public Simulation<C> tell(NodeId node, C message) {
    return tell(elapsed(), node, message);
  }

  /** A client gives {@code node} the downcall {@code message} at virtual time {@code at}. */
  public Simulation<C> tell(Duration at, NodeId node, C message) {
    requireNode(node);
    Objects.requireNonNull(message, "message");
    return schedule(at, new ClientRequest(node, message));
  }

  /** The nemesis applies {@code command} to the network at virtual time {@code at}. */
  public Simulation<C> nemesis(Duration at, NemesisCommand command) {
    Objects.requireNonNull(command, "command");
    return schedule(at, new Nemesis(command));
  }

  /** {@code node} crashes at virtual time {@code at}. */
  public Simulation<C> crash(Duration at, NodeId node) {
    requireNode(node);
    return schedule(at, new Crash(node));
  }

  /** {@code node} restarts at virtual time {@code at} (a live node is crashed first: a reboot). */
  public Simulation<C> restart(Duration at, NodeId node) {
    requireNode(node);
    return schedule(at, new Restart(node));
  }

  /**
   * A crash at the worst moment for a write-ahead protocol: the next time {@code node} persists an
   * event that {@code matches}, the write reaches its journal (durable) and the node crashes at once,
   * before anything the behavior did after the write ({@code thenRun}: replies, messages, upcalls)
   * happens; what it sent before persisting is sent. Restart it with {@link #restart} (e.g. once
   * {@code runUntil(v -> !v.isUp(node))} returns). For the classic hard cases: a 2PC coordinator
   * that logged its decision and sent none of it, a lock server that logged a grant it never sent.
   * The crash point fires once.
   */
  public Simulation<C> crashAfterWriting(NodeId node, Predicate<Object> matches) {
    requireNode(node);
    world.nodes.get(node).crashAfterWriting(Objects.requireNonNull(matches, "matches"));
    return this;
  }

  private Simulation<C> schedule(Duration at, SimEvent event) {
    long t = at.toNanos();
    if (t < world.time.nanos()) {
      throw new IllegalArgumentException(
          "cannot schedule " + event + " at " + at + ": virtual time is already " + elapsed());
    }
    if (filter.keepEvent()) {
      world.agenda.schedule(t, event, true);
    }
    return this;
  }

  // ---------------------------------------------------------------- running

  /** Takes the next event; false if there is none. */
  public boolean step() {
    requireNotFailed();
    Pending p = world.agenda.next();
    if (p == null) {
      return false;
    }
    if ((world.stats.steps & 0xFFF) == 0) {
      progress.tick(() -> String.format("%,d steps, virtual time %s", world.stats.steps, elapsed()));
    }
    long number = world.stats.steps + 1; // counted before the invariants run, which may throw
    try {
      take(p);
    } catch (SimulationFailure f) {
      throw f;
    } catch (AssertionError | RuntimeException e) {
      throw failure("step " + number, e);
    }
    return true;
  }

  private void requireNotFailed() {
    if (failed != null) {
      throw new IllegalStateException(
          "this run already failed (seed " + seed + "); build a new one to run again", failed);
    }
  }

  /** Runs every event due up to virtual time {@code at} (since the start); time is then {@code at}. */
  public Simulation<C> runUntil(Duration at) {
    long limit = at.toNanos();
    Pending next;
    world.agenda.horizon(limit);
    try {
      while ((next = world.agenda.peek()) != null && next.time <= limit) {
        step();
      }
    } finally {
      world.agenda.horizon(Long.MAX_VALUE);
    }
    world.time.advanceTo(limit);
    return this;
  }

  /** Runs for {@code span} more virtual time. */
  public Simulation<C> runFor(Duration span) {
    return runUntil(elapsed().plus(span));
  }

  /**
   * Runs until nothing keeps the group busy: no message in flight, no single-shot timer, no scripted
   * event. Periodic timers alone do not (a heartbeat would never let a run end).
   */
  public Simulation<C> runUntilQuiescent() {
    while (world.agenda.work() > 0) {
      step();
    }
    return this;
  }

  /**
   * Runs until {@code condition} holds (checked after each step); fails if the events run out first
   * or the step limit is reached.
   */
  public Simulation<C> runUntil(Predicate<SimView> condition) {
    while (!condition.test(this)) {
      if (!step()) {
        throw failure(
            "run ended",
            new AssertionError(
                "no events left at " + elapsed() + " and the awaited condition does not hold"));
      }
    }
    return this;
  }

  /**
   * A final check on the state reached: a failure comes back as a {@link SimulationFailure} with the
   * seed, the replay line and the last events.
   */
  public Simulation<C> check(Consumer<SimView> check) {
    requireNotFailed();
    guarded("final check", () -> check.accept(this));
    return this;
  }

  private void take(Pending p) {
    world.time.advanceTo(p.time);
    int traced = states == null ? 0 : world.trace.events().size();
    world.apply(p);
    takeStates(traced);
    afterStep();
  }

  /**
   * Asks each node the step ran on (those with trace events from {@code traceFrom} on) for its
   * state, out of band ({@link SimNode#query}): nothing of the run changes.
   */
  private void takeStates(int traceFrom) {
    if (states == null) {
      return;
    }
    List<TraceEvent> events = world.trace.events();
    int traceTo = events.size();
    Set<NodeId> ran = new LinkedHashSet<>();
    for (int i = traceFrom; i < traceTo; i++) {
      NodeId node = SimulationTraces.actor(events.get(i));
      if (node != null) {
        ran.add(node);
      }
    }
    for (NodeId node : ran) {
      Object state = world.nodes.get(node).query(stateQuery);
      if (state == null) {
        states.down(node);
      } else {
        states.add(traceFrom, traceTo, node, state);
      }
    }
  }

  private void afterStep() {
    world.stats.steps++;
    for (Invariant invariant : invariants) {
      try {
        invariant.check(this);
      } catch (RuntimeException e) {
        throw new IllegalStateException("the invariant " + Invariant.describe(invariant) + " threw " + e
            + " instead of judging the state: an invariant reports a violation with an AssertionError, any"
            + " other exception is a bug in the invariant (fix it, e.g. guard what it reads before a node has"
            + " reported anything); the cause has its stack trace", e);
      }
    }
    if (world.stats.steps >= maxSteps) {
      throw new AssertionError(
          "step limit of "
              + maxSteps
              + " reached at virtual time "
              + elapsed()
              + ": a livelock, or raise Simulation.Builder.maxSteps");
    }
  }

  private void guarded(String what, Runnable action) {
    try {
      action.run();
    } catch (SimulationFailure f) {
      throw f;
    } catch (AssertionError | RuntimeException e) {
      throw failure(what, e);
    }
  }

  private SimulationFailure failure(String what, Throwable cause) {
    String headline = "simulation failed (seed " + seed + ") at " + what + ", virtual time "
        + world.time.nanos() / 1e6 + " ms";
    failureNote = headline + ": " + SimulationFailure.describe(cause).lines().findFirst().orElse("");
    failed = new SimulationFailure(
        headline,
        cause,
        seed,
        filter.traceAll ? world.trace.events() : world.trace.last(reportLast),
        world.trace.isFull() ? writeFailurePage() : null);
    return failed;
  }

  /**
   * The explorer page of this failed run ({@link FailurePages}); null if it could not be written (the
   * failure is reported all the same).
   */
  private Path writeFailurePage() {
    return FailurePages.write(this, seed, !filter.mask.equals(ShrinkMask.ALL));
  }

  // ---------------------------------------------------------------- the explorer

  /**
   * The run so far as the explorer shows it: every node's events with vector clocks (virtual time),
   * each node's state after its events and at the end (when the builder has a {@link
   * Builder#states state query}), the line that replays it, and a note of its failure if it failed.
   * Add the clients' history with {@link RunRecord#withHistory}; write it with {@code
   * ExplorerRuns.write}. Needs the full trace: build the run with {@link Builder#tracing tracing(true)}.
   */
  public RunRecord record(String title) {
    Objects.requireNonNull(title, "title");
    if (!world.trace.isFull()) {
      throw new IllegalStateException("recording the run of seed " + seed + " for the explorer needs every event:"
          + " build the simulation with Simulation.Builder.tracing(true) (a failing seed of Simulations.forSeeds"
          + " is replayed traced and written by itself)");
    }
    List<TraceEvent> traced = world.trace.events();
    SimulationTraces.Stamping stamping = SimulationTraces.stamping(traced);
    Map<Long, Object> eventStates = new HashMap<>();
    Map<NodeId, Object> finalStates = new HashMap<>();
    if (states != null) {
      for (NodeStates.Sample sample : states.samples()) {
        for (int t = sample.traceFrom(); t < sample.traceTo(); t++) {
          int at = stamping.positions().get(t);
          Kind kind = traced.get(t).kind();
          if (at >= 0 && kind != Kind.CRASH && kind != Kind.STOP
              && stamping.events().get(at).node().equals(sample.node())) {
            eventStates.put((long) at, sample.state());
          }
        }
      }
      states.latest().forEach((node, state) -> {
        if (world.nodes.get(node).isUp()) {
          finalStates.put(node, state);
        }
      });
    }
    List<String> notes = new ArrayList<>();
    if (failureNote != null) {
      notes.add(failureNote);
    }
    if (stateQuery == null) {
      notes.add("no node states: the simulation has no state query (Simulation.Builder.states)");
    }
    String replay = SimulationFailure.replayCommand(seed);
    return new RunRecord(title, "simulation", replay, notes, world.ids, false, stamping.events(), eventStates,
        finalStates, List.of(), Map.of(), null);
  }

  /**
   * {@link #record(String)} with the clients' {@code history} and a checker's {@code verdict} on it
   * (or null): each operation linked to its requests and answers in the trace where {@link
   * OperationEvents#byRequestId()} finds them (clients naming requests {@code <client>:<n>}, as the
   * key-value workloads do).
   */
  public RunRecord record(String title, History history, Verdict verdict) {
    return record(title, history, verdict, OperationEvents.byRequestId());
  }

  /**
   * {@link #record(String)} with the clients' {@code history}, a checker's {@code verdict} (or null),
   * each operation linked to the requests and answers whose message text {@code belongs} to it.
   */
  public RunRecord record(String title, History history, Verdict verdict, BiPredicate<Operation, String> belongs) {
    RunRecord run = record(title);
    List<Operation> operations = history.operations();
    List<TraceEvent> traced = world.trace.events();
    Map<Long, List<Long>> linked =
        OperationEvents.link(traced, SimulationTraces.stamping(traced), operations, belongs);
    return run.withHistory(operations, linked, verdict == null ? null : verdict.forExplorer());
  }

  // ---------------------------------------------------------------- exploration hooks

  /** Applies {@code p}, which the explorer took off the agenda (or left there, for a duplicate). */
  void applyChosen(Pending p) {
    take(p);
  }

  /** The message of {@code p} is lost by the network (exploration). */
  void applyLoss(Pending p) {
    world.lose(p);
    afterStep();
  }

  long stateFingerprint(long pendingHash) {
    return world.stateFingerprint(pendingHash);
  }

  // ---------------------------------------------------------------- the view

  @Override
  public long seed() {
    return seed;
  }

  @Override
  public Instant now() {
    return world.clock.instant();
  }

  @Override
  public Duration elapsed() {
    return Duration.ofNanos(world.time.nanos());
  }

  @Override
  public long steps() {
    return world.stats.steps;
  }

  @Override
  public List<NodeId> nodes() {
    return world.ids;
  }

  @Override
  public Set<NodeId> liveNodes() {
    Set<NodeId> live = new LinkedHashSet<>();
    for (SimNode<C> node : world.byIndex) {
      if (node.isUp()) {
        live.add(node.id);
      }
    }
    return Collections.unmodifiableSet(live);
  }

  @Override
  public boolean isUp(NodeId node) {
    return requireNode(node).isUp();
  }

  @Override
  public int incarnation(NodeId node) {
    return requireNode(node).incarnation();
  }

  @Override
  public List<Object> upcalls(NodeId node) {
    return requireNode(node).upcalls();
  }

  @Override
  public <T> List<T> upcalls(NodeId node, Class<T> type) {
    List<T> out = new ArrayList<>();
    for (Object u : requireNode(node).upcalls()) {
      if (type.isInstance(u)) {
        out.add(type.cast(u));
      }
    }
    return out;
  }

  @Override
  public int inFlight() {
    return world.agenda.work();
  }

  @Override
  public NetworkFaults network() {
    return world.network.faults();
  }

  @Override
  public SimStats stats() {
    return world.stats;
  }

  /** What happened: the last events always, every event when tracing is on. */
  public Trace trace() {
    return world.trace;
  }

  @Override
  public List<Object> persistedEvents(NodeId node) {
    return requireNode(node).journal().events();
  }

  /** The clock every node reads. */
  public VirtualClock clock() {
    return world.clock;
  }

  private SimNode<C> requireNode(NodeId node) {
    SimNode<C> n = world.nodes.get(node);
    if (n == null) {
      throw new IllegalArgumentException("unknown node " + node + "; the nodes are " + world.ids);
    }
    return n;
  }

  @Override
  public String toString() {
    return "Simulation(seed " + seed + ", " + world.ids + ", at " + elapsed() + ", "
        + world.stats.steps + " steps)";
  }

  // ---------------------------------------------------------------- builder

  /**
   * How to make a {@link Simulation}: nodes and protocol (required), seed, link faults, invariants,
   * tracing, step limit. A builder can build many runs (one per seed).
   */
  public static final class Builder<C> {

    private final List<NodeId> nodes;
    private final SimProtocol<C> protocol;
    private long seed;
    private FaultPlan faults = FaultPlan.none();
    private StorageFaults storage = StorageFaults.NONE;
    private final Map<NodeId, StorageFaults> storageByNode = new HashMap<>();
    private boolean tracing;
    private boolean fifoLinks;
    private Scheduler scheduler = Scheduler.timeOrder();
    private int reportLast = 30;
    private long maxSteps = 10_000_000;
    private Instant origin = Instant.parse("2024-01-01T00:00:00Z");
    private final List<Invariant> invariants = new ArrayList<>();
    private final List<Supplier<? extends Invariant>> freshInvariants = new ArrayList<>();
    private Function<ActorRef<Object>, ?> stateQuery;
    private int maxMessageBytes;

    private Builder(List<NodeId> nodes, SimProtocol<C> protocol) {
      if (nodes.isEmpty()) {
        throw new IllegalArgumentException("a simulation needs at least one node");
      }
      this.nodes = List.copyOf(nodes);
      this.protocol = Objects.requireNonNull(protocol, "protocol");
    }

    /** The seed every random choice of the run derives from (default 0). */
    public Builder<C> seed(long s) {
      this.seed = s;
      return this;
    }

    /**
     * The plan every link follows at the start (default: no faults, no delay). An {@link Exploration}
     * of this builder branches on the loss of every message if the plan may lose one ({@code drop > 0})
     * and on its duplication if it may duplicate one; it tries every delivery order anyway, so delays
     * and reordering need nothing; it refuses corruption, a cut, and probabilities of 1.
     */
    public Builder<C> faults(FaultPlan plan) {
      this.faults = Objects.requireNonNull(plan, "plan");
      return this;
    }

    /** What every node's journal does wrong (default: {@link StorageFaults#NONE}). */
    public Builder<C> storage(StorageFaults faults) {
      this.storage = Objects.requireNonNull(faults, "faults");
      return this;
    }

    /** What {@code node}'s journal does wrong, instead of what {@link #storage(StorageFaults)} says. */
    public Builder<C> storage(NodeId node, StorageFaults faults) {
      if (!nodes.contains(node)) {
        throw new IllegalArgumentException("no node " + node + " in this simulation (its nodes: " + nodes + ")");
      }
      storageByNode.put(node, Objects.requireNonNull(faults, "faults"));
      return this;
    }

    /**
     * Links deliver in the order messages were sent, as over a FIFO link layer: a copy never arrives
     * before one sent earlier on the same directed link, whatever the plan's delays (default: off,
     * and messages due at the same time arrive in a seeded random order). For protocols whose model
     * assumes FIFO links (Lamport's mutex, Maekawa). An {@link Exploration} of this builder enables only
     * the oldest message of each link, unless its own {@link Exploration#fifoLinks} says otherwise.
     */
    public Builder<C> fifoLinks(boolean on) {
      this.fifoLinks = on;
      return this;
    }

    /**
     * How the next event is chosen (default {@link Scheduler#timeOrder()}, the earliest first):
     * {@link Scheduler#priorities} makes some nodes run late, PCT-style, to reach deep schedules. An
     * {@link Exploration} tries every order anyway and needs nothing from this.
     */
    public Builder<C> scheduler(Scheduler s) {
      this.scheduler = Objects.requireNonNull(s, "scheduler");
      return this;
    }

    /**
     * Keep every event with its message text (slower); the last few are always kept. An {@link
     * Exploration} traces its counterexample and {@link Exploration#replay} fully whatever this says,
     * and never the replays of its search.
     */
    public Builder<C> tracing(boolean on) {
      this.tracing = on;
      return this;
    }

    /**
     * How to ask a node for its protocol state: {@code query} makes the request from a reply-to, such
     * as {@code LockServer.GetStatus::new}. When the run is traced, after every step the simulation
     * asks each node the step ran on, out of band (through the node's kit, with a test inbox as
     * reply-to; whatever the request makes the node do is discarded), and keeps the answer with that
     * step's events, for the explorer ({@link Simulation#record}). The run is the same with or without
     * it: no events, messages, random draws or timers come of it. A node that is down, or does not
     * answer at once, has no state. The request must only read: one that persists, stops the node or
     * throws fails the run.
     */
    @SuppressWarnings("unchecked")
    public <S> Builder<C> states(Function<ActorRef<S>, ? extends C> query) {
      Objects.requireNonNull(query, "query");
      this.stateQuery = ref -> query.apply((ActorRef<S>) (ActorRef<?>) ref);
      return this;
    }

    /** Whether a state query was given ({@link #states}). */
    boolean hasStateQuery() {
      return stateQuery != null;
    }

    /**
     * Fail the run when a node sends another a message larger than {@code bytes} serialized, as Artery
     * would send it (Akka's serialization of a real actor system; default: not measured). Artery drops
     * a message larger than its frame (256 KiB unless configured), so a protocol that must work on a
     * cluster keeps every message under it. Each message is serialized once more: slower runs.
     */
    public Builder<C> maxMessageBytes(int bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("the message size limit must be positive, got " + bytes);
      }
      this.maxMessageBytes = bytes;
      return this;
    }

    /** How many of the last events a failure report lists (default 30). */
    public Builder<C> reportLast(int events) {
      if (events < 1) {
        throw new IllegalArgumentException("report at least one event, got " + events);
      }
      this.reportLast = events;
      return this;
    }

    /**
     * The most steps a run may take before it fails as a livelock (default 10 million). In an {@link
     * Exploration} it bounds every schedule (with the prefix of {@code startingWhen}): one that
     * reaches it is cut like one at the depth bound, since a long schedule there is no livelock.
     */
    public Builder<C> maxSteps(long steps) {
      if (steps < 1) {
        throw new IllegalArgumentException("the step limit must be positive, got " + steps);
      }
      this.maxSteps = steps;
      return this;
    }

    /** The instant virtual time starts at (default 2024-01-01T00:00:00Z). */
    public Builder<C> startingAt(Instant instant) {
      this.origin = Objects.requireNonNull(instant, "instant");
      return this;
    }

    /** A stateless invariant, checked after every step. */
    public Builder<C> invariant(Invariant invariant) {
      invariants.add(Objects.requireNonNull(invariant, "invariant"));
      return this;
    }

    /** The invariant named {@code name} that holds when {@code holds} is true after every step. */
    public Builder<C> invariant(String name, Predicate<SimView> holds) {
      return invariant(Invariant.that(name, holds));
    }

    /** An invariant with incremental state: a fresh one from {@code supplier} for every run. */
    public Builder<C> freshInvariant(Supplier<? extends Invariant> supplier) {
      freshInvariants.add(Objects.requireNonNull(supplier, "supplier"));
      return this;
    }

    public long seed() {
      return seed;
    }

    public List<NodeId> nodes() {
      return nodes;
    }

    FaultPlan faults() {
      return faults;
    }

    boolean fifoLinks() {
      return fifoLinks;
    }

    boolean hasStorageFaults() {
      return !storage.equals(StorageFaults.NONE)
          || storageByNode.values().stream().anyMatch(f -> !f.equals(StorageFaults.NONE));
    }

    long maxSteps() {
      return maxSteps;
    }

    /** A new run, its nodes started at virtual time zero. */
    public Simulation<C> build() {
      Random random = new Random(Hash64.mix(seed, 0x73636865L));
      Agenda agenda = scheduler instanceof Scheduler.Priorities p
          ? new PriorityAgenda(nodes, p, random)
          : new TimeOrderedAgenda(random);
      return new Simulation<>(this, agenda, new KitFactory(), false, tracing);
    }

    Simulation<C> buildExploring(Agenda agenda, KitFactory kits, boolean trace) {
      return new Simulation<>(this, agenda, kits, true, trace);
    }
  }
}
