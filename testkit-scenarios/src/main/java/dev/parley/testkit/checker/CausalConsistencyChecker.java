package dev.parley.testkit.checker;

import dev.parley.protocols.history.History;
import dev.parley.protocols.history.Operation;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Causal consistency and the four session guarantees of Terry et al. (1994), over a history of
 * registers ({@code put}, {@code get}, and {@code cas} as a read and a write) in which every value
 * written to a key is unique, so that each read names the write it saw (or the initial state, null).
 * Each client (process) is a session.
 *
 * <p>Model, in the style of Viotti and Vukolić (2016): each read saw some set of writes (its
 * visibility), and returned, for its key, the last of those by an order of the writes (the
 * arbitration). Client-centric, as the guarantees are: each session may see its own order of the
 * writes, as a client of a different replica would. A guarantee says which writes a read must see,
 * and which writes must come before which:
 *
 * <ul>
 *   <li><b>read your writes</b>: a read sees every write its session made before it;
 *   <li><b>monotonic reads</b>: a read sees everything its session's earlier reads saw;
 *   <li><b>monotonic writes</b>: a session's writes come in its order, and whoever sees one sees the
 *       session's earlier writes;
 *   <li><b>writes follow reads</b>: a write comes after what its session had seen before it, and
 *       whoever sees it sees that too;
 *   <li><b>causal</b>: a read sees every write in its causal past, and writes come in causal order:
 *       happened-before is session order together with reads-from (a write before each read of its
 *       value), closed transitively. So a read must not return a value overwritten in its causal past,
 *       nor nothing when a write of its key is in its causal past.
 * </ul>
 *
 * <p>What is checked: for each session, whether one order of the writes explains all its reads. The
 * least visibility each read must have is computed; each read of key k then puts every other write of
 * k it sees before the one it returned (or is a violation outright if it returned nothing); with the
 * guarantee's own orderings this makes a graph on the writes, which must have no cycle. Every history
 * rejected violates the guarantee; the causal check is sound for causal memory (Ahamad et al. 1995)
 * and includes the bad patterns of Bouajjani et al. (2017) for causal consistency (a value overwritten
 * in the causal past, a read of nothing after a write in its past, a causality cycle). A read of a
 * value nobody wrote, and a read that returns a write that causally depends on the read itself, are
 * violations of every check. Monotonic writes and writes follow reads constrain only the order of
 * writes, which a read shows only if what a session wrote and saw stays visible to it: {@link
 * #monotonicWrites()} and {@link #writesFollowReads()} are therefore checked together with read your
 * writes and monotonic reads, and are UNKNOWN on a history that already breaks those two (a violation
 * they report is theirs; the counterexample says which rule each step of a cycle comes from). An OK
 * operation took effect; a FAIL did not (a failed cas is ignored); a write of unknown outcome may have
 * taken effect (it may be read), but is not before its session's later operations.
 *
 * <p>Cost: O(n * w / 64) words and time for n operations and w writes (visibility as bit sets), plus
 * per session a graph of its reads' orderings (up to r * w edges for its r reads; writes follow reads
 * adds up to w * w), searched for a cycle in linear time. Limits: a history of thousands of writes is
 * fine, of millions is not; values must be unique per key (else the checker refuses the
 * history, as it cannot tell which write a read saw).
 *
 * <p>Counterexample: the session, and either the read that returned nothing (or a value nobody wrote)
 * with why a write was visible to it, or the cycle of writes with the reason for each step: the read
 * that ordered two writes, a session's order, or the causal path (which operation read which write,
 * which came next in its session).
 */
public final class CausalConsistencyChecker implements Checker<History> {

  /** What a read must see, and which writes must come before which. */
  public enum Guarantee {
    READ_YOUR_WRITES,
    MONOTONIC_READS,
    MONOTONIC_WRITES,
    WRITES_FOLLOW_READS,
    CAUSAL
  }

  private static final int SHOWN = 3;

  /** What the checks of monotonic writes and writes follow reads assume of the sessions observing them. */
  private static final Set<Guarantee> OBSERVERS =
      EnumSet.of(Guarantee.READ_YOUR_WRITES, Guarantee.MONOTONIC_READS);

  private final String name;
  private final Set<Guarantee> guarantees;
  private final Set<Guarantee> observedWith;

  private CausalConsistencyChecker(String name, Set<Guarantee> guarantees, Set<Guarantee> observedWith) {
    this.name = name;
    this.guarantees = Collections.unmodifiableSet(EnumSet.copyOf(guarantees));
    this.observedWith = Collections.unmodifiableSet(observedWith.isEmpty()
        ? EnumSet.noneOf(Guarantee.class) : EnumSet.copyOf(observedWith));
  }

  private CausalConsistencyChecker(String name, Set<Guarantee> guarantees) {
    this(name, guarantees, Set.of());
  }

  /** Causal consistency: reads see their causal past, writes come in causal order. */
  public static CausalConsistencyChecker causal() {
    return new CausalConsistencyChecker("causal consistency", EnumSet.of(Guarantee.CAUSAL));
  }

  /** Read your writes alone. */
  public static CausalConsistencyChecker readYourWrites() {
    return new CausalConsistencyChecker("read your writes", EnumSet.of(Guarantee.READ_YOUR_WRITES));
  }

  /** Monotonic reads alone. */
  public static CausalConsistencyChecker monotonicReads() {
    return new CausalConsistencyChecker("monotonic reads", EnumSet.of(Guarantee.MONOTONIC_READS));
  }

  /**
   * Monotonic writes, as sessions that read their writes and read monotonically observe them: UNKNOWN
   * when the history already breaks one of those two (it cannot then be judged apart).
   */
  public static CausalConsistencyChecker monotonicWrites() {
    return new CausalConsistencyChecker("monotonic writes", EnumSet.of(Guarantee.MONOTONIC_WRITES,
        Guarantee.READ_YOUR_WRITES, Guarantee.MONOTONIC_READS), OBSERVERS);
  }

  /**
   * Writes follow reads, as sessions that read their writes and read monotonically observe them:
   * UNKNOWN when the history already breaks one of those two.
   */
  public static CausalConsistencyChecker writesFollowReads() {
    return new CausalConsistencyChecker("writes follow reads", EnumSet.of(Guarantee.WRITES_FOLLOW_READS,
        Guarantee.READ_YOUR_WRITES, Guarantee.MONOTONIC_READS), OBSERVERS);
  }

  /** The four session guarantees together. */
  public static CausalConsistencyChecker sessionGuarantees() {
    return new CausalConsistencyChecker("session guarantees", EnumSet.of(Guarantee.READ_YOUR_WRITES,
        Guarantee.MONOTONIC_READS, Guarantee.MONOTONIC_WRITES, Guarantee.WRITES_FOLLOW_READS));
  }

  /** The guarantees this checker checks together. */
  public Set<Guarantee> guarantees() {
    return guarantees;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Verdict check(History history) {
    if (!observedWith.isEmpty()) {
      Verdict observers = new Run(history, observedWith).verdict();
      if (!observers.valid()) {
        return Verdict.unknown(name, "cannot be judged apart: the history already breaks read your writes or"
            + " monotonic reads (" + observers.summary() + ")");
      }
    }
    return new Run(history, guarantees).verdict();
  }

  // ---------------------------------------------------------------- the history as reads and writes

  /** A read or a write: an operation, or one half of a cas. */
  private static final class Event {
    final Operation op;
    final boolean write;
    final String key;
    final Object value;
    final boolean definite;
    final Event sessionBefore;
    int id;
    Event writer;
    int writeId = -1;
    BitSet past;
    BitSet ownWrites;
    BitSet seen;
    BitSet visible;

    Event(Operation op, boolean write, String key, Object value, boolean definite, Event sessionBefore) {
      this.op = op;
      this.write = write;
      this.key = key;
      this.value = value;
      this.definite = definite;
      this.sessionBefore = sessionBefore;
    }

    String session() {
      return op.process();
    }

    /** For example {@code c1 put(x, a) [op 3]} or {@code c3 get(x) = b [op 9]}. */
    @Override
    public String toString() {
      String half = op.f().equals("cas") ? (write ? " writing " + value : " reading " + show(value)) : "";
      String result = !write && !op.f().equals("cas") ? " = " + show(value) : "";
      return op.process() + " " + OperationText.call(op) + result + half + " [op " + op.invocationIndex() + "]";
    }
  }

  private static String show(Object value) {
    return value == null ? "nothing" : String.valueOf(value);
  }

  /** One session's violation: the lines that explain it. */
  private record Violation(String session, String summary, List<String> lines) {}

  private final class Run {
    private final Set<Guarantee> rules;
    private final List<Event> events = new ArrayList<>();
    private final List<Event> writes = new ArrayList<>();
    private final List<Event> reads = new ArrayList<>();
    private final Map<String, BitSet> writesOfKey = new HashMap<>();
    private final List<Violation> violations = new ArrayList<>();

    Run(History history, Set<Guarantee> rules) {
      this.rules = rules;
      Map<String, Event> lastDefinite = new HashMap<>();
      Map<String, Map<Object, Event>> byValue = new HashMap<>();
      for (Operation op : history.operations()) {
        if (op.isFail() || (op.f().equals("get") && !op.isOk())) {
          continue;
        }
        switch (op.f()) {
          case "get" -> add(new Event(op, false, op.key(), op.result(), true, lastDefinite.get(op.process())),
              lastDefinite, byValue);
          case "put" -> add(new Event(op, true, op.key(), op.argument(), op.isOk(), lastDefinite.get(op.process())),
              lastDefinite, byValue);
          case "cas" -> {
            if (!(op.argument() instanceof List<?> pair) || pair.size() != 2) {
              throw new IllegalArgumentException(
                  "op " + op.invocationIndex() + ": cas takes [expected, new], got " + op.argument());
            }
            if (op.isOk()) {
              add(new Event(op, false, op.key(), pair.get(0), true, lastDefinite.get(op.process())),
                  lastDefinite, byValue);
            }
            add(new Event(op, true, op.key(), pair.get(1), op.isOk(), lastDefinite.get(op.process())),
                lastDefinite, byValue);
          }
          default -> throw new IllegalArgumentException("op " + op.invocationIndex() + " is '" + op.f()
              + "': the causal consistency checker reads registers with put, get and cas only");
        }
      }
      for (Event r : reads) {
        if (r.value != null) {
          r.writer = byValue.getOrDefault(r.key, Map.of()).get(r.value);
          if (r.writer == null) {
            violations.add(new Violation(r.session(), r.session() + " read a value nobody wrote",
                List.of(r + " returned " + r.value + ", which no operation wrote to " + r.key)));
          }
        }
      }
    }

    private void add(Event e, Map<String, Event> lastDefinite, Map<String, Map<Object, Event>> byValue) {
      e.id = events.size();
      events.add(e);
      if (e.definite) {
        lastDefinite.put(e.session(), e);
      }
      if (!e.write) {
        reads.add(e);
        return;
      }
      if (e.value == null) {
        throw new IllegalArgumentException("op " + e.op.invocationIndex() + " writes null to " + e.key
            + ": null stands for the initial state, so a write must give a value");
      }
      Event earlier = byValue.computeIfAbsent(e.key, k -> new HashMap<>()).putIfAbsent(e.value, e);
      if (earlier != null) {
        throw new IllegalArgumentException("values written to a key must be unique, so that a read names its"
            + " write: " + earlier + " and " + e + " both write " + e.value + " to " + e.key);
      }
      e.writeId = writes.size();
      writes.add(e);
      writesOfKey.computeIfAbsent(e.key, k -> new BitSet()).set(e.writeId);
    }

    Verdict verdict() {
      if (violations.isEmpty()) {
        List<Event> order = causalOrder();
        if (order == null) {
          violations.add(causalityCycle());
        } else {
          order.forEach(this::computeVisibility);
          List<Graph.Edge<Supplier<String>>> shared = sharedEdges();
          Map<String, List<Event>> readsBySession = new LinkedHashMap<>();
          reads.forEach(r -> readsBySession.computeIfAbsent(r.session(), s -> new ArrayList<>()).add(r));
          readsBySession.forEach((session, sessionReads) -> checkSession(session, sessionReads, shared));
        }
      }
      if (violations.isEmpty()) {
        return Verdict.valid(name, reads.size() + " reads of " + writes.size() + " writes in "
            + sessions() + " session(s): each session's reads fit one order of the writes");
      }
      Violation first = violations.get(0);
      List<String> sessions = violations.stream().map(Violation::session).distinct().toList();
      String more = sessions.size() == 1 ? "" : " (sessions violating: " + (sessions.size() <= SHOWN
          ? sessions : sessions.subList(0, SHOWN) + " and " + (sessions.size() - SHOWN) + " more") + ")";
      return Verdict.invalid(name, first.summary() + more, first.lines());
    }

    private long sessions() {
      return events.stream().map(Event::session).distinct().count();
    }

    /** The events in an order where each comes after its session predecessor and its writer; null on a cycle. */
    private List<Event> causalOrder() {
      Map<Event, List<Event>> next = new HashMap<>();
      Map<Event, Integer> waiting = new HashMap<>();
      for (Event e : events) {
        int n = 0;
        for (Event before : causalPredecessors(e)) {
          next.computeIfAbsent(before, b -> new ArrayList<>()).add(e);
          n++;
        }
        waiting.put(e, n);
      }
      Deque<Event> ready = new ArrayDeque<>();
      events.stream().filter(e -> waiting.get(e) == 0).forEach(ready::add);
      List<Event> order = new ArrayList<>();
      while (!ready.isEmpty()) {
        Event e = ready.poll();
        order.add(e);
        for (Event after : next.getOrDefault(e, List.of())) {
          if (waiting.merge(after, -1, Integer::sum) == 0) {
            ready.add(after);
          }
        }
      }
      return order.size() == events.size() ? order : null;
    }

    private List<Event> causalPredecessors(Event e) {
      List<Event> before = new ArrayList<>(2);
      if (e.sessionBefore != null) {
        before.add(e.sessionBefore);
      }
      if (e.writer != null) {
        before.add(e.writer);
      }
      return before;
    }

    /** Reads that return a write which, through session order and reads-from, depends on the read. */
    private Violation causalityCycle() {
      Graph<String> causality = new Graph<>();
      for (Event e : events) {
        for (Event before : causalPredecessors(e)) {
          causality.add(before.id, e.id, causalStep(before, e));
        }
      }
      List<Graph.Edge<String>> cycle = causality.shortestCycle();
      List<String> lines = new ArrayList<>();
      lines.add("a causality cycle: each step happened before the next, and the last before the first:");
      cycle.forEach(e -> lines.add("  " + e.label()));
      return new Violation(events.get(cycle.get(0).from()).session(),
          "a read returns a write that depends on the read itself", lines);
    }

    /** Past, own writes, what earlier reads saw, and the least visibility each read must have. */
    private void computeVisibility(Event e) {
      e.past = new BitSet();
      e.ownWrites = new BitSet();
      e.seen = new BitSet();
      Event before = e.sessionBefore;
      if (before != null) {
        e.past.or(before.past);
        e.ownWrites.or(before.ownWrites);
        e.seen.or(before.seen);
        if (before.write) {
          e.past.set(before.writeId);
          e.ownWrites.set(before.writeId);
        } else {
          e.seen.or(before.visible);
        }
      }
      if (e.writer != null) {
        e.past.or(e.writer.past);
        e.past.set(e.writer.writeId);
      }
      if (e.write) {
        return;
      }
      BitSet visible = new BitSet();
      if (e.writer != null) {
        visible.set(e.writer.writeId);
      }
      if (rules.contains(Guarantee.CAUSAL)) {
        visible.or(e.past);
      }
      if (rules.contains(Guarantee.READ_YOUR_WRITES)) {
        visible.or(e.ownWrites);
      }
      if (rules.contains(Guarantee.MONOTONIC_READS)) {
        visible.or(e.seen);
      }
      close(visible);
      e.visible = visible;
    }

    /** Adds what monotonic writes and writes follow reads make visible with each visible write. */
    private void close(BitSet visible) {
      boolean mw = rules.contains(Guarantee.MONOTONIC_WRITES);
      boolean wfr = rules.contains(Guarantee.WRITES_FOLLOW_READS);
      if (!mw && !wfr) {
        return;
      }
      Deque<Integer> work = new ArrayDeque<>();
      visible.stream().forEach(work::push);
      while (!work.isEmpty()) {
        Event w = writes.get(work.pop());
        BitSet more = new BitSet();
        if (mw) {
          more.or(w.ownWrites);
        }
        if (wfr) {
          more.or(w.seen);
        }
        more.andNot(visible);
        visible.or(more);
        more.stream().forEach(work::push);
      }
    }

    /**
     * The orderings every session must respect: a session's writes (monotonic writes), a write after
     * what its session had seen (writes follow reads), and causality, as its steps between operations
     * (session order, reads-from), so a cycle through them shows the causal path. Nodes are event ids;
     * labels are made only for the edges of a cycle shown.
     */
    private List<Graph.Edge<Supplier<String>>> sharedEdges() {
      List<Graph.Edge<Supplier<String>>> edges = new ArrayList<>();
      if (rules.contains(Guarantee.CAUSAL)) {
        for (Event e : events) {
          for (Event before : causalPredecessors(e)) {
            edges.add(new Graph.Edge<>(before.id, e.id, () -> causalStep(before, e)));
          }
        }
      }
      Map<String, Event> lastWrite = new HashMap<>();
      for (Event w : writes) {
        if (rules.contains(Guarantee.MONOTONIC_WRITES)) {
          Event previous = lastWrite.get(w.session());
          if (previous != null) {
            edges.add(new Graph.Edge<>(previous.id, w.id, () -> w.session() + " wrote " + previous.key + " = "
                + previous.value + " before " + w.key + " = " + w.value + " " + ops(previous, w)
                + " (monotonic writes)"));
          }
          if (w.definite) {
            lastWrite.put(w.session(), w);
          }
        }
        if (rules.contains(Guarantee.WRITES_FOLLOW_READS)) {
          w.seen.stream().forEach(u -> {
            Event seen = writes.get(u);
            edges.add(new Graph.Edge<>(seen.id, w.id, () -> w.session() + " had seen " + seen.key + " = "
                + seen.value + " " + ops(seen) + " before writing " + w.key + " = " + w.value + " " + ops(w)
                + " (writes follow reads): " + seenBecause(w, seen)));
          });
        }
      }
      return edges;
    }

    private String causalStep(Event before, Event after) {
      return before + (after.writer == before ? " -read by-> " : " -then-> ") + after;
    }

    private void checkSession(String session, List<Event> sessionReads, List<Graph.Edge<Supplier<String>>> shared) {
      Graph<Supplier<String>> order = new Graph<>();
      shared.forEach(e -> order.add(e.from(), e.to(), e.label()));
      for (Event r : sessionReads) {
        BitSet sameKey = (BitSet) r.visible.clone();
        sameKey.and(writesOfKey.getOrDefault(r.key, new BitSet()));
        if (r.writer == null) {
          int w = sameKey.nextSetBit(0);
          if (w >= 0) {
            Event seen = writes.get(w);
            violations.add(new Violation(session, session + " read nothing of " + r.key + " although a write of it"
                + " was visible", List.of(r + " returned nothing, although " + seen.key + " = " + seen.value + " "
                + ops(seen) + " was visible to it: " + whyVisible(r, seen))));
            return;
          }
          continue;
        }
        sameKey.clear(r.writer.writeId);
        sameKey.stream().forEach(w -> {
          Event seen = writes.get(w);
          order.add(seen.id, r.writer.id, () -> r + " returned " + r.writer.value + " while " + seen.key + " = "
              + seen.value + " " + ops(seen) + " was visible to it (" + whyVisible(r, seen) + "), so "
              + seen.value + " comes before " + r.writer.value);
        });
      }
      List<Graph.Edge<Supplier<String>>> cycle = order.shortestCycle();
      if (!cycle.isEmpty()) {
        List<String> lines = new ArrayList<>();
        lines.add("session " + session + " sees no order of the writes that explains its reads; each step must"
            + " come before the next, and the last before the first:");
        cycle.forEach(e -> lines.add("  " + e.label().get()));
        violations.add(new Violation(session, session + "'s reads need a write to come before itself (a cycle of "
            + cycle.size() + " steps)", lines));
      }
    }

    /** One level of why {@code w} is visible to read {@code r}: the rule that made it so. */
    private String whyVisible(Event r, Event w) {
      if (w == r.writer) {
        return "it returned it";
      }
      if (rules.contains(Guarantee.CAUSAL) && r.past.get(w.writeId)) {
        return "it happened before, " + causalPath(w, r);
      }
      if (rules.contains(Guarantee.READ_YOUR_WRITES) && r.ownWrites.get(w.writeId)) {
        return r.session() + " wrote it before, read your writes";
      }
      if (rules.contains(Guarantee.MONOTONIC_READS) && r.seen.get(w.writeId)) {
        return "an earlier read of " + r.session() + " saw it, monotonic reads: " + seenBecause(r, w);
      }
      for (int x = r.visible.nextSetBit(0); x >= 0; x = r.visible.nextSetBit(x + 1)) {
        Event other = writes.get(x);
        if (rules.contains(Guarantee.MONOTONIC_WRITES) && other.ownWrites.get(w.writeId)) {
          return "its writer wrote it before " + other.key + " = " + other.value + ", which was visible, monotonic"
              + " writes";
        }
        if (rules.contains(Guarantee.WRITES_FOLLOW_READS) && other.seen.get(w.writeId)) {
          return other.session() + " had seen it before writing " + other.key + " = " + other.value
              + ", which was visible, writes follow reads";
        }
      }
      return "visible";
    }

    /** The earliest read of {@code e}'s session before it that saw {@code w}. */
    private String seenBecause(Event e, Event w) {
      Event earliest = null;
      for (Event before = e.sessionBefore; before != null; before = before.sessionBefore) {
        if (!before.write && before.visible.get(w.writeId)) {
          earliest = before;
        }
      }
      if (earliest == null) {
        return "an earlier read saw it";
      }
      return earliest + (earliest.writer == w ? " returned it" : " saw it");
    }

    /** The shortest chain of session order and reads-from leading from {@code from} to {@code to}. */
    private String causalPath(Event from, Event to) {
      Map<Event, Event> nextTowardsTo = new HashMap<>();
      Deque<Event> queue = new ArrayDeque<>();
      queue.add(to);
      nextTowardsTo.put(to, null);
      while (!queue.isEmpty()) {
        Event e = queue.poll();
        if (e == from) {
          break;
        }
        for (Event before : causalPredecessors(e)) {
          if (!nextTowardsTo.containsKey(before)) {
            nextTowardsTo.put(before, e);
            queue.add(before);
          }
        }
      }
      StringBuilder path = new StringBuilder(from.toString());
      for (Event e = from, next = nextTowardsTo.get(from); next != null; e = next, next = nextTowardsTo.get(next)) {
        path.append(next.writer == e ? " -read by-> " : " -then-> ").append(next);
      }
      return path.toString();
    }

    private String ops(Event... es) {
      return "[" + Arrays.stream(es).map(e -> e.session() + " op " + e.op.invocationIndex())
          .collect(Collectors.joining(", ")) + "]";
    }
  }
}
