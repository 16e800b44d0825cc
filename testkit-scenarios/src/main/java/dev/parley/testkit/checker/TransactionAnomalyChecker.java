package dev.parley.testkit.checker;

import dev.parley.protocols.history.History;
import dev.parley.protocols.history.Operation;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The transactional anomalies of Adya (1999), found as Elle does (Kingsbury and Alvaro 2020) from the
 * clients' history alone: a dependency graph of the committed transactions, whose cycles are the
 * anomalies.
 *
 * <p>Input: a history of transactions ({@code txn} operations whose values are {@link TxnOp} steps)
 * and of single-key operations ({@code get}, {@code put}, {@code cas}, each a transaction of one or
 * two steps). OK is committed, FAIL aborted, INFO (or no completion) unknown: such a transaction counts
 * as committed if a committed one read one of its writes, else it is left out. Every value written to a
 * key must be unique (the checker refuses a history that repeats one), so that a read names the
 * transaction whose write it saw; null is the key's initial state.
 *
 * <p>What is checked. The versions of a key are its initial state and the last value each committed
 * transaction wrote to it. Their order (Adya's version order) is what the history shows: the initial
 * state comes first, and a transaction that read version v of a key and then wrote w installed w after
 * v (a read-modify-write, as a cas or an optimistic transaction's precondition). The edges between
 * committed transactions: <b>ww</b> (Tj installs a version after one Ti installed), <b>wr</b> (Tj reads
 * a version Ti installed), <b>rw</b> (Ti reads a version that Tj overwrites: an anti-dependency).
 * Only a transaction's reads of a key before it writes that key count (later ones must return its own
 * write). The anomalies:
 *
 * <ul>
 *   <li><b>G0</b> (write cycle): a cycle of ww edges;
 *   <li><b>G1a</b> (aborted read): a committed transaction read a value written by an aborted one;
 *   <li><b>G1b</b> (intermediate read): a committed transaction read a value that its writer overwrote
 *       within the same transaction;
 *   <li><b>G1c</b> (circular information flow): a cycle of ww and wr edges with at least one wr;
 *   <li><b>G-single</b> (read skew, one anti-dependency): a cycle with exactly one rw edge;
 *   <li><b>G2</b> (anti-dependency cycles): a cycle with two or more rw edges, none of which closes a
 *       cycle with one; reported when no G-single is (a G-single cycle is G2 too in Adya's terms);
 *   <li><b>internal</b>: a transaction that read a key after writing it did not read its own write;
 *   <li>a read of a value nobody wrote.
 * </ul>
 *
 * Serializability (Adya's PL-3) forbids them all ({@link #serializable()}); read committed (PL-2)
 * allows G-single and G2 ({@link #readCommitted()}).
 *
 * <p>Cost: O(t + e) to build the graph of t transactions and e edges; a breadth-first search per wr or
 * rw edge lying on a cycle to find each class's shortest cycle, O(e * (t + e)) in the worst case:
 * thousands of transactions are fine. Limits: blind writes (a put, or a transaction writing a key it
 * did not read) are ordered only after the initial state, so ww and rw edges between them are unknown
 * and cycles through them are missed: a workload of read-modify-writes sees the most. Predicates are
 * not modelled (no G2 on predicates, only on items).
 *
 * <p>Counterexample: for each class found, one instance: the read and the two transactions for G1a and
 * G1b, the shortest cycle for the others, each edge with why it is there (which transaction read or
 * overwrote which value).
 */
public final class TransactionAnomalyChecker implements Checker<History> {

  /** The classes of anomaly, in order of severity. */
  public enum Anomaly {
    G0("G0 (write cycle)"),
    G1A("G1a (aborted read)"),
    G1B("G1b (intermediate read)"),
    G1C("G1c (circular information flow)"),
    G_SINGLE("G-single (one anti-dependency)"),
    G2("G2 (anti-dependency cycle)"),
    INTERNAL("internal (own write not read)"),
    UNWRITTEN("read of a value nobody wrote");

    private final String title;

    Anomaly(String title) {
      this.title = title;
    }

    /** For example {@code G1c (circular information flow)}. */
    public String title() {
      return title;
    }
  }

  private final String name;
  private final Set<Anomaly> forbidden;

  private TransactionAnomalyChecker(String name, Set<Anomaly> forbidden) {
    this.name = name;
    this.forbidden = Collections.unmodifiableSet(EnumSet.copyOf(forbidden));
  }

  /** Serializability: every anomaly is forbidden. */
  public static TransactionAnomalyChecker serializable() {
    return new TransactionAnomalyChecker("serializability", EnumSet.allOf(Anomaly.class));
  }

  /**
   * Read committed (Adya's PL-2): G0, G1a, G1b, G1c, internal inconsistency and reads of values
   * nobody wrote are forbidden; G-single and G2 are allowed.
   */
  public static TransactionAnomalyChecker readCommitted() {
    return new TransactionAnomalyChecker("read committed", EnumSet.complementOf(EnumSet.of(Anomaly.G_SINGLE,
        Anomaly.G2)));
  }

  /** The anomalies this checker rejects. */
  public Set<Anomaly> forbidden() {
    return forbidden;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Verdict check(History history) {
    DependencyGraph graph = new DependencyGraph(history);
    Map<Anomaly, List<String>> found = graph.anomalies();
    Map<Anomaly, List<String>> rejected = new EnumMap<>(Anomaly.class);
    found.forEach((anomaly, lines) -> {
      if (forbidden.contains(anomaly)) {
        rejected.put(anomaly, lines);
      }
    });
    String allowed = found.keySet().stream().filter(a -> !forbidden.contains(a)).map(Anomaly::title)
        .collect(Collectors.joining(", "));
    String note = allowed.isEmpty() ? "" : " (allowed here: " + allowed + ")";
    if (rejected.isEmpty()) {
      return Verdict.valid(name, graph.committed.size() + " committed transaction(s) of " + graph.all.size()
          + ", " + graph.dependencies.edges().size() + " dependencies: no forbidden anomaly" + note);
    }
    List<String> lines = new ArrayList<>();
    rejected.forEach((anomaly, example) -> {
      lines.add(anomaly.title() + ":");
      example.forEach(line -> lines.add("  " + line));
    });
    return Verdict.invalid(name, rejected.keySet().stream().map(Anomaly::title).collect(Collectors.joining(", "))
        + " among " + graph.committed.size() + " committed transaction(s)" + note, lines);
  }

  /** Every anomaly the history shows, each with one instance explained, in order of severity. */
  public Map<Anomaly, List<String>> anomalies(History history) {
    return new DependencyGraph(history).anomalies();
  }

  // ---------------------------------------------------------------- transactions

  private enum Status { COMMITTED, ABORTED, UNKNOWN }

  /** A transaction: its steps, and for each key the last value it wrote (the version it installs). */
  private static final class Txn {
    final Operation op;
    final Status status;
    final List<TxnOp> steps;
    final Map<String, Object> installs = new LinkedHashMap<>();

    Txn(Operation op, Status status, List<TxnOp> steps) {
      this.op = op;
      this.status = status;
      this.steps = steps;
      steps.stream().filter(s -> !s.isRead()).forEach(s -> installs.put(s.key(), s.value()));
    }

    /** For example {@code T12 (c2: r x 3, w x 4)}, named by its invocation's index. */
    @Override
    public String toString() {
      return "T" + op.invocationIndex() + " (" + op.process() + (status == Status.COMMITTED ? "" : ", "
          + status.name().toLowerCase(Locale.ROOT)) + ": "
          + steps.stream().map(TxnOp::toString).collect(Collectors.joining(", ")) + ")";
    }
  }

  /** A write of a value: who wrote it, and whether it is the last write of that key in its transaction. */
  private record Write(Txn txn, boolean last) {}

  /** Why an edge is there: its kind, and the explanation (made only for the edges of a cycle shown). */
  private record Dependency(String kind, Supplier<String> why) {}

  /** The dependency graph of one history, built once and searched per class. */
  private static final class DependencyGraph {
    final List<Txn> all = new ArrayList<>();
    final List<Txn> committed = new ArrayList<>();
    final Map<String, Map<Object, Write>> writes = new HashMap<>();
    final Map<Txn, Integer> ids = new HashMap<>();
    final Graph<Dependency> dependencies = new Graph<>();
    final Map<Anomaly, List<String>> found = new EnumMap<>(Anomaly.class);

    DependencyGraph(History history) {
      for (Operation op : history.operations()) {
        Txn t = parse(op);
        if (t != null) {
          all.add(t);
        }
      }
      for (Txn t : all) {
        t.steps.stream().filter(s -> !s.isRead()).forEach(s -> {
          if (s.value() == null) {
            throw new IllegalArgumentException(t + " writes null to " + s.key()
                + ": null stands for the initial state, so a write must give a value");
          }
          Write earlier = writes.computeIfAbsent(s.key(), k -> new HashMap<>())
              .put(s.value(), new Write(t, Objects.equals(t.installs.get(s.key()), s.value())));
          if (earlier != null) {
            throw new IllegalArgumentException("values written to a key must be unique, so that a read names its"
                + " writer: " + earlier.txn() + " and " + t + " both write " + s.value() + " to " + s.key());
          }
        });
      }
      List<Txn> readers = all.stream().filter(t -> t.status == Status.COMMITTED).toList();
      readers.forEach(this::include);
      for (Txn t : readers) {
        for (Write w : externalReads(t).values()) {
          if (w != null && w.txn().status == Status.UNKNOWN) {
            include(w.txn());
          }
        }
      }
      build();
    }

    /** Counts {@code t} as committed: a node of the graph. */
    private void include(Txn t) {
      if (!ids.containsKey(t)) {
        ids.put(t, committed.size());
        committed.add(t);
      }
    }

    private static Txn parse(Operation op) {
      Status status = op.isOk() ? Status.COMMITTED : op.isFail() ? Status.ABORTED : Status.UNKNOWN;
      String where = "op " + op.invocationIndex();
      List<TxnOp> steps = switch (op.f()) {
        case "txn" -> TxnOp.parse(op.isOk() ? op.result() : op.argument(), where);
        case "get" -> op.isOk() ? List.of(TxnOp.read(op.key(), op.result())) : null;
        case "put" -> List.of(TxnOp.write(op.key(), op.argument()));
        case "cas" -> {
          if (!(op.argument() instanceof List<?> pair) || pair.size() != 2) {
            throw new IllegalArgumentException(where + ": cas takes [expected, new], got " + op.argument());
          }
          yield op.isOk() ? List.of(TxnOp.read(op.key(), pair.get(0)), TxnOp.write(op.key(), pair.get(1)))
              : List.of(TxnOp.write(op.key(), pair.get(1)));
        }
        default -> throw new IllegalArgumentException(where + " is '" + op.f()
            + "': the transaction checker reads txn, get, put and cas operations");
      };
      return steps == null ? null : new Txn(op, status, steps);
    }

    /** A transaction's reads of keys it had not written yet, each with the write it saw (null: initial). */
    private Map<TxnOp, Write> externalReads(Txn t) {
      Map<TxnOp, Write> reads = new LinkedHashMap<>();
      Set<String> written = new HashSet<>();
      for (TxnOp s : t.steps) {
        if (!s.isRead()) {
          written.add(s.key());
        } else if (!written.contains(s.key())) {
          reads.put(s, s.value() == null ? null : writes.getOrDefault(s.key(), Map.of()).get(s.value()));
        }
      }
      return reads;
    }

    /**
     * Reads of unwritten values, G1a, G1b and internal reads; then the wr and rw edges, and last the
     * ww edges (so that a cycle's search, which follows edges in the order added, prefers to show
     * what a transaction read).
     */
    private void build() {
      Map<String, Map<Object, List<Object>>> versionsAfter = new HashMap<>();
      for (Txn t : committed) {
        if (t.status != Status.COMMITTED) {
          continue;
        }
        checkInternal(t);
        for (Map.Entry<TxnOp, Write> read : externalReads(t).entrySet()) {
          TxnOp r = read.getKey();
          Write w = read.getValue();
          if (r.value() != null && w == null) {
            note(Anomaly.UNWRITTEN, List.of(t + " read " + r.key() + " = " + r.value()
                + ", which no transaction wrote"));
          } else if (w != null && w.txn().status == Status.ABORTED) {
            note(Anomaly.G1A, List.of(t + " read " + r.key() + " = " + r.value() + ", written by " + w.txn()
                + ", which aborted"));
          } else if (w != null && !w.last()) {
            note(Anomaly.G1B, List.of(t + " read " + r.key() + " = " + r.value() + ", which " + w.txn()
                + " overwrote with " + w.txn().installs.get(r.key()) + " before it committed"));
          }
          if (t.installs.containsKey(r.key()) && (w == null || (w.last() && ids.containsKey(w.txn())))) {
            versionsAfter.computeIfAbsent(r.key(), k -> new HashMap<>())
                .computeIfAbsent(r.value(), v -> new ArrayList<>()).add(t.installs.get(r.key()));
          }
        }
      }
      for (Txn t : committed) {
        if (t.status != Status.COMMITTED) {
          continue;
        }
        for (Map.Entry<TxnOp, Write> read : externalReads(t).entrySet()) {
          Write w = read.getValue();
          String key = read.getKey().key();
          Object value = read.getKey().value();
          if (w != null && w.last() && ids.containsKey(w.txn()) && w.txn() != t) {
            dependencies.add(ids.get(w.txn()), ids.get(t), new Dependency("wr",
                () -> t + " read " + key + " = " + value + ", which " + w.txn() + " wrote"));
          }
          for (Object next : later(versionsAfter, key, value)) {
            Txn overwriter = writes.get(key).get(next).txn();
            if (overwriter != t && ids.containsKey(overwriter)) {
              dependencies.add(ids.get(t), ids.get(overwriter), new Dependency("rw",
                  () -> t + " read " + key + " = " + show(value) + ", which " + overwriter + " overwrote with "
                      + next + " (" + order(key, value, next) + ")"));
            }
          }
        }
      }
      for (Txn t : committed) {
        for (Map.Entry<String, Object> installed : t.installs.entrySet()) {
          String key = installed.getKey();
          for (Object next : versionsAfter.getOrDefault(key, Map.of()).getOrDefault(installed.getValue(), List.of())) {
            Txn overwriter = writes.get(key).get(next).txn();
            if (overwriter != t && ids.containsKey(overwriter)) {
              dependencies.add(ids.get(t), ids.get(overwriter), new Dependency("ww",
                  () -> overwriter + " overwrote " + key + " = " + installed.getValue() + ", written by " + t
                      + ", with " + next + " (" + order(key, installed.getValue(), next) + ")"));
            }
          }
        }
      }
      findCycles();
    }

    /** The versions known to come after {@code value} of {@code key}: read-modify-writes of it, or any if initial. */
    private List<Object> later(Map<String, Map<Object, List<Object>>> versionsAfter, String key, Object value) {
      if (value != null) {
        return versionsAfter.getOrDefault(key, Map.of()).getOrDefault(value, List.of());
      }
      List<Object> all = new ArrayList<>();
      writes.getOrDefault(key, Map.of()).forEach((v, w) -> {
        if (w.last() && ids.containsKey(w.txn())) {
          all.add(v);
        }
      });
      return all;
    }

    private String order(String key, Object before, Object after) {
      if (before == null) {
        return "every version of " + key + " comes after its initial state";
      }
      return writes.get(key).get(after).txn() + " read " + key + " = " + before + " before writing " + after;
    }

    private static String show(Object value) {
      return value == null ? "nothing" : String.valueOf(value);
    }

    private void checkInternal(Txn t) {
      Map<String, Object> own = new HashMap<>();
      for (TxnOp s : t.steps) {
        if (!s.isRead()) {
          own.put(s.key(), s.value());
        } else if (own.containsKey(s.key()) && !Objects.equals(own.get(s.key()), s.value())) {
          note(Anomaly.INTERNAL, List.of(t + " read " + s.key() + " = " + show(s.value()) + " after writing "
              + own.get(s.key())));
        }
      }
    }

    private void note(Anomaly anomaly, List<String> example) {
      found.putIfAbsent(anomaly, example);
    }

    /** The shortest cycle of each class, tried from each edge of the class's kind that lies on a cycle. */
    private void findCycles() {
      Predicate<Graph.Edge<Dependency>> ww = e -> e.label().kind().equals("ww");
      Predicate<Graph.Edge<Dependency>> noRw = e -> !e.label().kind().equals("rw");
      List<Graph.Edge<Dependency>> g0 = dependencies.shortestCycle(ww);
      if (!g0.isEmpty()) {
        note(Anomaly.G0, explain(g0));
      }
      Map<Integer, Integer> components = dependencies.components(e -> true);
      List<Graph.Edge<Dependency>> g1c = List.of();
      List<Graph.Edge<Dependency>> single = List.of();
      List<Graph.Edge<Dependency>> g2 = List.of();
      for (Graph.Edge<Dependency> e : dependencies.edges()) {
        Integer from = components.get(e.from());
        if (from == null || !from.equals(components.get(e.to()))) {
          continue;
        }
        if (e.label().kind().equals("wr")) {
          g1c = shorter(g1c, closed(e, noRw));
        } else if (e.label().kind().equals("rw")) {
          List<Graph.Edge<Dependency>> withOne = closed(e, noRw);
          single = shorter(single, withOne);
          if (withOne.isEmpty()) {
            g2 = shorter(g2, closed(e, any -> true));
          }
        }
      }
      if (!g1c.isEmpty()) {
        note(Anomaly.G1C, explain(g1c));
      }
      if (!single.isEmpty()) {
        note(Anomaly.G_SINGLE, explain(single));
      }
      if (!g2.isEmpty() && single.isEmpty()) {
        note(Anomaly.G2, explain(g2));
      }
    }

    /** The cycle made of {@code first} and a shortest way back along allowed edges; empty if none. */
    private List<Graph.Edge<Dependency>> closed(Graph.Edge<Dependency> first,
        Predicate<Graph.Edge<Dependency>> allowed) {
      if (first.from() == first.to()) {
        return List.of(first);
      }
      List<Graph.Edge<Dependency>> back = dependencies.shortestPath(first.to(), first.from(), allowed);
      if (back.isEmpty()) {
        return List.of();
      }
      List<Graph.Edge<Dependency>> cycle = new ArrayList<>();
      cycle.add(first);
      cycle.addAll(back);
      return cycle;
    }

    private static <E> List<E> shorter(List<E> best, List<E> candidate) {
      return !candidate.isEmpty() && (best.isEmpty() || candidate.size() < best.size()) ? candidate : best;
    }

    private List<String> explain(List<Graph.Edge<Dependency>> cycle) {
      List<String> lines = new ArrayList<>();
      StringBuilder path = new StringBuilder("T" + committed.get(cycle.get(0).from()).op.invocationIndex());
      cycle.forEach(e -> path.append(" -").append(e.label().kind()).append("-> T")
          .append(committed.get(e.to()).op.invocationIndex()));
      lines.add(path.toString());
      cycle.forEach(e -> lines.add(e.label().kind() + ": " + e.label().why().get()));
      return lines;
    }

    Map<Anomaly, List<String>> anomalies() {
      return Collections.unmodifiableMap(found);
    }
  }
}
