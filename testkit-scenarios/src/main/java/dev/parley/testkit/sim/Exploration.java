package dev.parley.testkit.sim;

import dev.parley.testkit.report.Progress;
import dev.parley.testkit.sim.ChoiceAgenda.Choice;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Bounded exhaustive exploration of a small group (in the style of DSLabs' search tests and
 * Stateright's model checker): every state that some order of message deliveries, self-messages,
 * timer firings, client requests and scripted nemesis actions reaches within a depth, with
 * invariants checked at each.
 *
 * <p><b>Model.</b> The nodes run the same behaviors as in {@link Simulation}. At each state every
 * enabled event is a branch (see {@code ChoiceAgenda}: any message in flight, whatever its delay; a
 * node's oldest self-message; its earliest timer; its next client request; the next scripted
 * action). A message arrives once, unless losing it and delivering one extra copy are branches too
 * ({@link #drops}, {@link #duplicates}); {@link #crashes} adds crashing a live node as a branch.
 * Virtual time advances only when a timer (or a scripted event) fires, to its deadline.
 *
 * <p><b>The builder's settings</b> all hold: seed, starting instant, invariants, {@code fifoLinks};
 * a fault plan that may lose ({@code drop > 0}) or duplicate messages acts as {@code drops(true)},
 * {@code duplicates(true)}, while its delays and reordering need nothing (every delivery order is
 * tried anyway); {@code maxSteps} cuts schedules as the depth bound does. This exploration's own
 * {@link #fifoLinks}, {@link #drops} and {@link #duplicates}, when called, win over the builder's.
 * Corruption, links cut from the start, or a loss or duplication of probability 1 cannot be
 * explored: {@link #of} and {@link #run} refuse them (an {@link IllegalArgumentException} that says
 * what to do instead).
 *
 * <p><b>States.</b> Behaviors are opaque objects that cannot be copied, so a state is reached by
 * replaying its schedule (a list of choices) from scratch, every node a fresh incarnation (in a kit
 * reused from the previous replay, see {@code KitFactory}), or by taking one more event on the live
 * simulation when it is where the search needs it. States are de-duplicated by a 64-bit fingerprint
 * of: for each node, its liveness, incarnation and the ordered hash of every input it took (event
 * and virtual time), the network's history, and the multiset of pending events. For deterministic
 * behaviors that is the whole global state; collisions are possible but unlikely. Messages must
 * have value equality (records) for equal states to match; otherwise the search is still sound,
 * only slower. Every event taken is recorded in exactly one history, so every schedule that reaches
 * a state has the same length: a state's depth is part of it. {@link #abstraction} replaces the
 * node part with a key of your own (e.g. the upcall logs): faster, unsound when it hides state, and
 * searched breadth first, since a key need not tell the depth.
 *
 * <p><b>Search.</b> Depth first by default: the first child of a state is reached from the live
 * simulation, every later one by a replay; breadth first ({@link #depthFirst}{@code (false)})
 * replays every state. Both avoid the orders of independent events that only reach a state again
 * ({@link #partialOrderReduction}, on by default): events at different nodes that leave virtual
 * time where it is commute (a delivery, a duplicate copy, a self-message, a timer or client request
 * already due), everything else (an event that moves time, a crash, a restart, a nemesis action, a
 * loss against a loss) is taken as dependent on everything, and so is every event once a nemesis
 * action has happened. The reduction is stateful sleep sets ({@code SleepSets}, which argues its
 * soundness): it visits every state reachable within the depth bound, so every invariant is checked
 * on exactly the states the plain search checks (a commuted schedule has the same length, so the
 * bound does not interfere), and spares the transitions that would only meet one again. The first
 * violation ends the search; found depth first, it is looked for again breadth first within its
 * length, so the counterexample reported is a shortest one, the one a breadth-first search reports.
 * The builder's invariants are checked after every step of the schedules taken; one that keeps
 * state ({@code freshInvariant}) sees one schedule per state, as de-duplication already implies.
 *
 * <p><b>Cost.</b> A replay costs building the group (starting an incarnation of every node) plus one
 * step per event of its schedule. Without the reduction every enabled event is taken at every new
 * state, one replay each; with it, on causal multicast every transition taken reaches a state not
 * visited before (docs/benchmarks.md: a quarter of the replays), and depth first saves the replay
 * of every state's first child besides. Memory: one fingerprint and
 * the sleep set per state visited, plus the frontier (breadth first: every queued schedule; depth
 * first: the path).
 *
 * <p><b>Usage</b> (the spec {@code SimUsageExampleTest} runs exactly this).
 *
 * <pre>{@code
 * Exploration.Result result =
 *     Exploration.of(Simulation.<CausalMulticast.Command>builder(3,
 *             (peers, env, upcalls) -> CausalMulticast.create(peers, upcalls.narrow())))
 *         .setup(sim -> {                      // client requests are branches too
 *           sim.tell(NodeId.n(1), new CausalMulticast.Multicast("a"));
 *           sim.tell(NodeId.n(2), new CausalMulticast.Multicast("b"));
 *         })
 *         .invariant("no node delivers a message twice", v -> v.nodes().stream()
 *             .allMatch(n -> Set.copyOf(v.upcalls(n)).size() == v.upcalls(n).size()))
 *         .whenQuiescent("every node delivers both", v -> v.nodes().stream()
 *             .allMatch(n -> v.upcalls(n).size() == 2))
 *         .duplicates(true)                    // and drops(true), crashes(1), fifoLinks(true)
 *         .maxDepth(12)
 *         .run();
 * System.out.println(result);                  // states, schedules, states per second
 * result.violation().ifPresent(System.out::println); // the shortest failing schedule, step by step
 * result.assertNoViolation();
 * }</pre>
 *
 * @param <C> the protocol's message type
 */
public final class Exploration<C> {

  private final Simulation.Builder<C> builder;
  private Consumer<Simulation<C>> setup = sim -> {};
  private Prefix<C> prefix;
  private final List<Invariant> invariants = new ArrayList<>();
  private final List<Invariant> quiescent = new ArrayList<>();
  private int maxDepth = 12;
  private long maxStates = 1_000_000;
  private Boolean drops;
  private Boolean duplicates;
  private Boolean fifoLinks;
  private int crashes;
  private Function<SimView, Object> abstraction;
  private boolean partialOrderReduction = true;
  private boolean depthFirst = true;
  private final KitFactory kits = new KitFactory();
  /** The states the last run visited (its depth-first or breadth-first search, not the shortening pass). */
  private SleepSets lastVisited;

  private Exploration(Simulation.Builder<C> builder) {
    this.builder = Objects.requireNonNull(builder, "builder");
  }

  /**
   * An exploration of the group {@code builder} describes, with all its settings.
   *
   * @throws IllegalArgumentException if the builder holds a setting that cannot be explored
   */
  public static <C> Exploration<C> of(Simulation.Builder<C> builder) {
    ExplorationSettings.check(builder);
    return new Exploration<>(builder);
  }

  /** What happens before the search: client requests and scripted actions on a fresh simulation. */
  public Exploration<C> setup(Consumer<Simulation<C>> script) {
    this.setup = Objects.requireNonNull(script, "script");
    return this;
  }

  /**
   * Explores from a state reached in a seeded way instead of from the start: after the setup, the
   * group runs in virtual-time order (as a {@link Simulation} would, without faults) until {@code
   * reached} holds, then {@code then} adds its client requests and scripted actions, and the search
   * branches from there. Every schedule shares that prefix, so the depth bound is spent where it
   * matters (e.g. on the replication of commands once a Raft leader is elected); the prefix counts
   * as one state and is replayed for each one. Fails if the prefix takes over 100,000 events (or the
   * builder's {@code maxSteps}).
   */
  public Exploration<C> startingWhen(String what, Predicate<SimView> reached, Consumer<Simulation<C>> then) {
    this.prefix = new Prefix<>(Objects.requireNonNull(what, "what"), Objects.requireNonNull(reached, "reached"),
        Objects.requireNonNull(then, "then"));
    return this;
  }

  private record Prefix<C>(String what, Predicate<SimView> reached, Consumer<Simulation<C>> then) {
    private static final int MAX_EVENTS = 100_000;
  }

  /** Checked at every state (the builder's invariants are checked after every step as well). */
  public Exploration<C> invariant(Invariant invariant) {
    invariants.add(Objects.requireNonNull(invariant, "invariant"));
    return this;
  }

  public Exploration<C> invariant(String name, Predicate<SimView> holds) {
    return invariant(Invariant.that(name, holds));
  }

  /** Checked at every quiescent state (nothing in flight): what must hold once the group settles. */
  public Exploration<C> whenQuiescent(Invariant check) {
    quiescent.add(Objects.requireNonNull(check, "check"));
    return this;
  }

  public Exploration<C> whenQuiescent(String name, Predicate<SimView> holds) {
    return whenQuiescent(Invariant.that(name, holds));
  }

  /** The longest schedule explored (default 12 events). */
  public Exploration<C> maxDepth(int depth) {
    if (depth < 1) {
      throw new IllegalArgumentException("the depth bound must be positive, got " + depth);
    }
    this.maxDepth = depth;
    return this;
  }

  /** Stop after this many distinct states (default one million); the result is then incomplete. */
  public Exploration<C> maxStates(long states) {
    if (states < 1) {
      throw new IllegalArgumentException("the state bound must be positive, got " + states);
    }
    this.maxStates = states;
    return this;
  }

  /** Also branch on losing each message in flight; if not called, iff the builder's plan may drop. */
  public Exploration<C> drops(boolean on) {
    this.drops = on;
    return this;
  }

  /**
   * Also branch on delivering a second copy of each message in flight (once per message); if not
   * called, iff the builder's plan may duplicate.
   */
  public Exploration<C> duplicates(boolean on) {
    this.duplicates = on;
    return this;
  }

  /**
   * Also branch on crashing each live node, up to {@code max} crashes per schedule (crash-stop;
   * scripted restarts still happen).
   */
  public Exploration<C> crashes(int max) {
    if (max < 0) {
      throw new IllegalArgumentException("the crash bound must not be negative, got " + max);
    }
    this.crashes = max;
    return this;
  }

  /** Links deliver in order: only the oldest message of each link is enabled; if not called, as the builder says. */
  public Exploration<C> fifoLinks(boolean on) {
    this.fifoLinks = on;
    return this;
  }

  /**
   * Whether to skip the orders of independent events that only reach a state again (default on):
   * the same states are visited and checked, with fewer transitions. Off, every enabled event is
   * taken at every new state, which a spec can use to compare.
   */
  public Exploration<C> partialOrderReduction(boolean on) {
    this.partialOrderReduction = on;
    return this;
  }

  /**
   * Whether to search depth first (default), continuing from the live simulation wherever it can,
   * or breadth first, replaying every state from scratch. Either way the counterexample reported is
   * a shortest one: a violation found depth first is looked for again breadth first, bounded by its
   * length. With an {@link #abstraction} the search is breadth first regardless (a state first
   * met deep would otherwise hide the same key met shallower).
   */
  public Exploration<C> depthFirst(boolean on) {
    this.depthFirst = on;
    return this;
  }

  /**
   * Identify states by {@code key} (plus the pending events) instead of the nodes' input histories.
   * Prunes more; unsound if two states with equal keys can behave differently.
   */
  public Exploration<C> abstraction(Function<SimView, Object> key) {
    this.abstraction = key;
    return this;
  }

  /**
   * Runs the search.
   *
   * @throws IllegalArgumentException if the builder holds a setting that cannot be explored
   */
  public Result run() {
    ExplorationSettings settings = settings();
    long start = System.nanoTime();
    Search search = new Search(settings, maxDepth);
    boolean depthFirst = this.depthFirst && abstraction == null;
    if (depthFirst) {
      search.depthFirst();
    } else {
      search.breadthFirst();
    }
    lastVisited = search.sleepSets;
    Counterexample violation = search.violation;
    if (violation != null && depthFirst) {
      Search shortest = new Search(settings, violation.choices().length);
      shortest.breadthFirst();
      if (shortest.violation != null) {
        violation = shortest.violation;
      }
    }
    Counters n = search.n;
    return new Result(
        n.states,
        n.schedules,
        n.bounded,
        n.pruned,
        n.slept,
        n.replays,
        n.transitions,
        n.deepest,
        search.complete && violation == null,
        Duration.ofNanos(System.nanoTime() - start),
        Optional.ofNullable(violation));
  }

  /**
   * One search within {@code depthBound}: breadth first, each state replayed from scratch; or depth
   * first, each state reached from its parent on the live simulation when that is where the
   * simulation is (the first child of every state), replayed from scratch otherwise. Both visit the
   * states with {@link SleepSets}; the first violation ends the search.
   */
  private final class Search {
    final ExplorationSettings settings;
    final int depthBound;
    final SleepSets sleepSets = new SleepSets(partialOrderReduction);
    final Counters n = new Counters();
    final Progress progress = Progress.of("exploration");
    boolean complete = true;
    Counterexample violation;

    Search(ExplorationSettings settings, int depthBound) {
      this.settings = settings;
      this.depthBound = depthBound;
    }

    void breadthFirst() {
      ArrayDeque<Item> queue = new ArrayDeque<>();
      queue.add(new Item(new int[0], Set.of()));
      while (!queue.isEmpty() && violation == null) {
        progress.tick(() -> status(queue.size() + " queued"));
        if (n.states >= maxStates) {
          complete = false;
          return;
        }
        Item item = queue.poll();
        Expansion e = visit(replay(item.schedule(), settings, false, n, kits), item);
        for (int i = 0; e != null && i < e.visit.take().size(); i++) {
          queue.add(e.child(i));
        }
      }
    }

    void depthFirst() {
      ArrayDeque<Expansion> stack = new ArrayDeque<>();
      Item root = new Item(new int[0], Set.of());
      Replay<C> live = replay(root.schedule(), settings, false, n, kits);
      push(stack, visit(live, root));
      while (!stack.isEmpty() && violation == null) {
        progress.tick(() -> status("depth " + stack.size()));
        if (n.states >= maxStates) {
          complete = false;
          return;
        }
        Expansion top = stack.peek();
        if (top.next == top.visit.take().size()) {
          stack.pop();
          continue;
        }
        int i = top.next++;
        Item child = top.child(i);
        if (live.at == top.schedule) {
          live.step(top.visit.take().get(i), child.schedule());
          n.transitions++;
        } else {
          live = replay(child.schedule(), settings, false, n, kits);
        }
        push(stack, visit(live, child));
      }
    }

    private void push(ArrayDeque<Expansion> stack, Expansion e) {
      if (e != null) {
        stack.push(e);
      }
    }

    /**
     * The state {@code r} reached by {@code item}: checked if new, and what to take from it (null
     * if nothing: a revisit with nothing new to take, a leaf, the depth bound, a violation).
     */
    private Expansion visit(Replay<C> r, Item item) {
      int[] schedule = item.schedule();
      if (r.failure != null) {
        violation = counterexample(schedule, settings, r.failure);
        return null;
      }
      boolean bounded = schedule.length == depthBound || r.sim.steps() >= settings.maxSteps();
      List<Choice> choices = bounded ? r.choices(1) : r.choices(); // at the bound: only whether any
      SleepSets.Visit visit = sleepSets.visit(fingerprint(r), bounded ? List.of() : choices, item.sleep());
      if (!visit.first()) {
        if (visit.take().isEmpty()) {
          n.pruned++;
          return null;
        }
      } else {
        n.states++;
        n.deepest = Math.max(n.deepest, schedule.length);
        Throwable failed = checkState(r);
        if (failed != null) {
          violation = counterexample(schedule, settings, failed);
          return null;
        }
        if (choices.isEmpty() || bounded) {
          n.schedules++;
          if (!choices.isEmpty()) {
            n.bounded++;
          }
          return null;
        }
      }
      n.slept += choices.size() - visit.take().size();
      int[] indices = new int[visit.take().size()];
      for (int i = 0; i < indices.length; i++) {
        indices[i] = choices.indexOf(visit.take().get(i));
      }
      return new Expansion(item, visit, indices, r.sim.elapsed().toNanos(), !r.networkChanged);
    }

    private String status(String frontier) {
      return String.format("%,d states, %,d revisits pruned, %,d transitions asleep, depth %d, %s",
          n.states, n.pruned, n.slept, n.deepest, frontier);
    }

    /** A state being expanded: what it takes, and which of those it has taken. */
    private final class Expansion {
      final int[] schedule;
      final Set<SleepSets.Transition> sleep;
      final SleepSets.Visit visit;
      final int[] indices;
      final long now;
      final boolean independence;
      int next;

      Expansion(Item item, SleepSets.Visit visit, int[] indices, long now, boolean independence) {
        this.schedule = item.schedule();
        this.sleep = item.sleep();
        this.visit = visit;
        this.indices = indices;
        this.now = now;
        this.independence = independence;
      }

      Item child(int i) {
        int[] next = Arrays.copyOf(schedule, schedule.length + 1);
        next[schedule.length] = indices[i];
        return new Item(next, sleepSets.childSleep(sleep, visit, i, now, independence));
      }
    }
  }

  /** The fingerprints of the states the last {@link #run} visited, for the specs of the search itself. */
  Set<Long> visitedStates() {
    return lastVisited == null ? Set.of() : lastVisited.visited();
  }

  /** A schedule still to explore, with the transitions it need not take next (its sleep set). */
  private record Item(int[] schedule, Set<SleepSets.Transition> sleep) {}

  /**
   * The simulation after {@code schedule} (the choice indices of a {@link Counterexample}), with
   * tracing on, for a closer look; a violation on the way is thrown.
   */
  public Simulation<C> replay(int[] schedule) {
    Replay<C> r = replay(schedule, settings(), true, new Counters(), new KitFactory());
    if (r.failure != null) {
      throw new AssertionError("the schedule fails at its last step", r.failure);
    }
    return r.sim;
  }

  private ExplorationSettings settings() {
    return ExplorationSettings.resolve(builder, fifoLinks, drops, duplicates);
  }

  private static final class Counters {
    long states;
    long schedules;
    long bounded;
    long pruned;
    long slept;
    long replays;
    long transitions;
    int deepest;
  }

  /** Replays {@code schedule} on {@code kits}, whose earlier simulation this one replaces. */
  private Replay<C> replay(int[] schedule, ExplorationSettings settings, boolean trace, Counters n, KitFactory kits) {
    kits.releaseAll();
    ChoiceAgenda agenda = new ChoiceAgenda();
    Simulation<C> sim = builder.buildExploring(agenda, kits, trace);
    setup.accept(sim);
    Replay<C> r = new Replay<>(sim, agenda, settings, crashes);
    n.replays++;
    try {
      if (prefix != null) {
        runPrefix(r);
      }
      for (int index : schedule) {
        List<Choice> choices = r.choices(index + 1);
        if (index >= choices.size()) {
          throw new IllegalStateException(
              "schedule " + Arrays.toString(schedule) + " does not fit this exploration: "
                  + "a behavior is not deterministic, or the setup changed");
        }
        Choice c = choices.get(index);
        if (trace) {
          r.steps.add(Trace.text(c));
        }
        r.take(c);
        n.transitions++;
      }
      r.at = schedule;
    } catch (AssertionError | RuntimeException e) {
      r.fail(e);
    }
    return r;
  }

  /**
   * Takes the earliest enabled event, without faults, until the prefix's state is reached, then runs
   * its script.
   */
  private void runPrefix(Replay<C> r) {
    long limit = Math.min(Prefix.MAX_EVENTS, r.settings.maxSteps());
    for (int events = 0; !prefix.reached().test(r.sim); events++) {
      List<Choice> choices = r.agenda.choices(r.settings.fifoLinks(), false, false);
      if (choices.isEmpty() || events == limit) {
        throw new IllegalStateException("the exploration's starting state (" + prefix.what() + ") was not reached"
            + (choices.isEmpty() ? ": nothing left to happen" : " within " + limit + " events")
            + " at virtual time " + r.sim.elapsed() + "; check the setup and the condition");
      }
      Choice earliest = choices.get(0);
      for (Choice c : choices) {
        if (c.pending().time < earliest.pending().time) {
          earliest = c;
        }
      }
      r.take(earliest);
    }
    prefix.then().accept(r.sim);
  }

  private long fingerprint(Replay<C> r) {
    if (abstraction != null) {
      return Hash64.mix(
          Hash64.mix(Hash64.of(abstraction.apply(r.sim)), r.agenda.contentHash()), r.crashed);
    }
    return Hash64.mix(r.sim.stateFingerprint(r.agenda.contentHash()), r.crashed);
  }

  private Throwable checkState(Replay<C> r) {
    try {
      for (Invariant i : invariants) {
        i.check(r.sim);
      }
      if (r.agenda.work() == 0) {
        for (Invariant q : quiescent) {
          q.check(r.sim);
        }
      }
      return null;
    } catch (AssertionError | RuntimeException e) {
      return e;
    }
  }

  private Counterexample counterexample(int[] schedule, ExplorationSettings settings, Throwable failure) {
    Replay<C> traced = replay(schedule, settings, true, new Counters(), kits);
    return new Counterexample(
        schedule.clone(),
        List.copyOf(traced.steps),
        SimulationFailure.describe(failure),
        traced.sim.trace().events());
  }

  /**
   * A shortest schedule that violates an invariant: its choices (indices, for {@link #replay}),
   * each step as text, the failure, and the full trace of its replay.
   */
  public record Counterexample(
      int[] choices, List<String> steps, String failure, List<TraceEvent> trace) {

    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder();
      sb.append("violation after ").append(steps.size()).append(" steps: ").append(failure);
      for (int i = 0; i < steps.size(); i++) {
        sb.append("\n  ").append(i + 1).append(". ").append(steps.get(i));
      }
      return sb.toString();
    }
  }

  /**
   * What a search did: distinct states, schedules that ended (nothing enabled) or hit the depth
   * bound, states reached again and pruned, transitions the partial-order reduction did not take,
   * schedules replayed, events replayed, the deepest level, whether it covered everything within
   * the depth bound, its wall time, and the shortest violation if one was found.
   */
  public record Result(
      long states,
      long schedules,
      long depthBounded,
      long pruned,
      long slept,
      long replays,
      long transitions,
      int deepest,
      boolean complete,
      Duration wallTime,
      Optional<Counterexample> violation) {

    /** Distinct states explored per second of wall time. */
    public double statesPerSecond() {
      double seconds = Math.max(wallTime.toNanos(), 1) / 1e9;
      return states / seconds;
    }

    /** Fails with the counterexample if the search found a violation. */
    public Result assertNoViolation() {
      violation.ifPresent(
          v -> {
            throw new AssertionError(v.toString());
          });
      return this;
    }

    @Override
    public String toString() {
      return String.format(
          java.util.Locale.ROOT,
          "explored %d states (%d schedules, %d cut by the depth bound, %d revisits pruned, "
              + "%d transitions asleep, %d replays of %d events, depth %d) in %d ms: %.0f states/s%s%s",
          states,
          schedules,
          depthBounded,
          pruned,
          slept,
          replays,
          transitions,
          deepest,
          wallTime.toMillis(),
          statesPerSecond(),
          complete ? ", complete" : violation.isPresent() ? "" : ", incomplete (state bound)",
          violation.map(v -> "; " + v).orElse(""));
    }
  }
}
