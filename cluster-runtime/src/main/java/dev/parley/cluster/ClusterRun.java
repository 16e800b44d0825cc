package dev.parley.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.history.Op;
import dev.parley.protocols.history.Operation;
import dev.parley.protocols.trace.ConsistentCut;
import dev.parley.protocols.trace.RunRecord;
import dev.parley.protocols.trace.StampedEvent;
import dev.parley.protocols.trace.Traces;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A live cluster's run as one node gathers it for the explorer: a consistent cut of every member's
 * trace that only grows, the clients' operations of every node, each node's instance statuses, and
 * notes on what is missing. {@link #refresh} reads every node again ({@link NodeSnapshot}) and adds
 * what the new cut holds beyond the old one; {@link #served} is the run so far, {@link #since} what
 * a follower has not seen yet.
 *
 * <p>Model: each node numbers its own events 1, 2, 3, ... (its entry of its vector clock). The run
 * keeps, per node, the number of the last event it took ({@code upTo}); a refresh takes the nodes'
 * traces, cuts them consistently ({@link ConsistentCut}) and appends, per node, its events after
 * {@code upTo} up to the new cut, in an order consistent with happened-before (by clock sum). The
 * union of two consistent cuts is one, so what was taken is always a consistent cut and each event
 * comes after every event it depends on (that was not lost): positions only grow, and a follower's
 * {@code i} continues. Clocks are the nodes' own, not re-based. A node that does not answer keeps
 * its {@code upTo}; the others' events go on (their clocks may name its events, which then show
 * without their other end); when it answers again, its events that others' events taken already
 * depend on are left out (noted), so the order stays consistent.
 *
 * <p>Guarantees: safe from any thread; at most one refresh in flight, and none more often than
 * {@code minInterval} (callers share the last one), so the nodes are read at most about once per
 * interval however many followers there are. Cost: memory for the latest {@code capacity} events
 * and every operation; a refresh reads every node's trace (at most its {@code parley.trace.capacity}
 * events) and cuts in O(E log E).
 */
public final class ClusterRun {

  /** A node to read: its name as this node knows it (or null) and its HTTP address. */
  public record Target(NodeId node, NodeClient client) {}

  /**
   * Where a run stands, in its own numbering of events (0 is the first event it ever took): the
   * first event it still holds, the one after its last, and the version of its operations.
   */
  public record Position(long start, long end, long operationsVersion) {}

  /** The run as served (events numbered from 0, from {@code at.start()}), for a follower to go on from. */
  public record Served(RunRecord run, Position at) {}

  /**
   * What a follower had not seen: events from its position on (its {@code i} continuing from {@code
   * offset}), operations changed since its version, the states and notes now.
   *
   * @param events the new events, at most as many as asked
   * @param firstIndex the follower's {@code i} of the first of them
   * @param next where the follower goes on from, in the run's numbering
   * @param operations operations new or completed since the follower's version
   * @param operationNodes by operation id: where it was made
   * @param operationsVersion the follower's new version
   * @param skipped events the follower missed because it fell further behind than the run keeps
   */
  public record Update(List<StampedEvent> events, long firstIndex, long next, List<Operation> operations,
      Map<Long, NodeId> operationNodes, long operationsVersion, Map<NodeId, Object> states, List<String> notes,
      long skipped) {}

  private static final class Entry {
    Operation operation;
    final NodeId node;
    long version;

    Entry(Operation operation, NodeId node, long version) {
      this.operation = operation;
      this.node = node;
      this.version = version;
    }
  }

  private final int capacity;
  private final long minIntervalNanos;
  private final ArrayDeque<StampedEvent> events = new ArrayDeque<>();
  private long total;
  private final Map<NodeId, Long> upTo = new HashMap<>();
  private final Map<NodeId, Long> named = new HashMap<>();
  private final Map<NodeId, Long> lost = new TreeMap<>();
  private final Map<String, Entry> operationsByKey = new HashMap<>();
  private final List<Entry> operations = new ArrayList<>();
  private long operationsVersion;
  private Map<NodeId, Object> states = Map.of();
  private List<String> absentNotes = List.of();
  private CompletableFuture<Void> inFlight;
  private long lastRefresh = Long.MIN_VALUE;

  /**
   * @param capacity how many of the latest events the run keeps (and serves)
   * @param minIntervalMillis the least time between two reads of the nodes
   */
  public ClusterRun(int capacity, long minIntervalMillis) {
    this.capacity = capacity;
    this.minIntervalNanos = minIntervalMillis * 1_000_000;
  }

  /**
   * Reads every node of {@code targets} (asked for only if a read is due) and adds what it holds;
   * {@code notes} says which members could not even be asked (no HTTP address known). Completes when
   * the run holds the read, or at once if a read finished within the interval.
   */
  public synchronized CompletableFuture<Void> refresh(Supplier<List<Target>> targets, Supplier<List<String>> notes,
      java.time.Duration wait) {
    if (inFlight != null) {
      return inFlight;
    }
    if (lastRefresh != Long.MIN_VALUE && System.nanoTime() - lastRefresh < minIntervalNanos) {
      return CompletableFuture.completedFuture(null);
    }
    List<Target> asked = targets.get();
    List<String> unasked = notes.get();
    List<CompletableFuture<NodeSnapshot>> reads =
        asked.stream().map(t -> NodeSnapshot.fetch(t.client(), wait, true)).toList();
    CompletableFuture<Void> done = CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
        .handle((ok, error) -> {
          List<NodeSnapshot> snapshots = reads.stream().map(CompletableFuture::join).toList();
          Map<NodeId, List<StampedEvent>> traces = new TreeMap<>();
          snapshots.stream().filter(NodeSnapshot::answered).forEach(r -> traces.put(r.node(), r.trace()));
          ConsistentCut cut = ConsistentCut.of(traces, List.of());
          synchronized (this) {
            try {
              take(asked, snapshots, unasked, traces, cut);
            } finally {
              inFlight = null;
              lastRefresh = System.nanoTime();
            }
          }
          return null;
        });
    if (!done.isDone()) {
      inFlight = done;
    }
    return done;
  }

  /** The run so far: its latest events (at most the capacity), every operation, the states and notes. */
  public synchronized Served served(String title, List<NodeId> group) {
    long start = total - events.size();
    List<StampedEvent> numbered = new ArrayList<>(events.size());
    long i = 0;
    for (StampedEvent e : events) {
      numbered.add(e.at(i++, e.clock()));
    }
    List<String> notes = new ArrayList<>(notes());
    if (start > 0) {
      notes.add(String.format("Showing the latest %,d of the %,d events this node has gathered since it was first"
          + " asked; the older ones are left out (a receive whose send is older shows without it).", events.size(),
          total));
    }
    List<Operation> ops = new ArrayList<>();
    Map<Long, NodeId> nodes = new HashMap<>();
    for (Entry entry : operations) {
      ops.add(entry.operation);
      nodes.put(entry.operation.invocationIndex(), entry.node);
    }
    RunRecord run = new RunRecord(title, "cluster", null, notes, group, true, numbered, Map.of(), states, ops,
        Map.of(), null, nodes);
    return new Served(run, new Position(start, total, operationsVersion));
  }

  /**
   * What a follower at {@code from} (in the run's numbering; its {@code i} of the run's {@code
   * offset} is 0) with operations up to {@code version} has not seen: at most {@code max} events.
   */
  public synchronized Update since(long from, long offset, long version, int max) {
    long start = total - events.size();
    long skipped = Math.max(0, start - from);
    long first = Math.max(from, start);
    List<StampedEvent> out = new ArrayList<>();
    int position = 0;
    for (StampedEvent e : events) {
      long n = start + position++;
      if (n >= first && out.size() < max) {
        out.add(e.at(n - offset, e.clock()));
      }
    }
    List<Operation> ops = new ArrayList<>();
    Map<Long, NodeId> nodes = new HashMap<>();
    for (Entry entry : operations) {
      if (entry.version > version) {
        ops.add(entry.operation);
        nodes.put(entry.operation.invocationIndex(), entry.node);
      }
    }
    return new Update(out, first - offset, first + out.size(), ops, nodes, operationsVersion, states, notes(),
        skipped);
  }

  /** Where the run stands now. */
  public synchronized Position position() {
    return new Position(total - events.size(), total, operationsVersion);
  }

  private List<String> notes() {
    List<String> out = new ArrayList<>(absentNotes);
    lost.forEach((node, count) -> out.add(String.format("%s: %,d of its events are not in this run: no longer in its"
        + " trace buffer (parley.trace.capacity) when read, or recorded while it did not answer and overtaken by"
        + " events of other nodes taken already.", node, count)));
    return out;
  }

  private void take(List<Target> asked, List<NodeSnapshot> read, List<String> unasked,
      Map<NodeId, List<StampedEvent>> traces, ConsistentCut cut) {
    List<String> absent = new ArrayList<>(unasked);
    Map<NodeId, Object> nowStates = new TreeMap<>(states);
    for (int k = 0; k < read.size(); k++) {
      NodeSnapshot s = read.get(k);
      if (s.answered()) {
        JsonNode protocols = s.status().get("protocols");
        nowStates.put(s.node(), protocols == null ? s.status() : protocols);
        operations(s.node(), s.history());
        long dropped = s.status().path("history").path("dropped").asLong(0);
        if (dropped > 0) {
          absent.add(String.format("%s keeps only its clients' latest %,d operations (parley.history.capacity) and"
              + " has dropped %,d older ones: those this run had not read before are missing, so its operations"
              + " here are not the whole run.", s.node(), s.status().path("history").path("capacity").asLong(),
              dropped));
        }
      } else {
        NodeId node = s.node() != null ? s.node() : asked.get(k).node();
        absent.add((node == null ? "The node" : node.toString()) + " at " + s.address() + " did not answer ("
            + s.failure() + "); its events since are not in this run, and messages to or from it show without"
            + " their other end.");
        if (node != null) {
          nowStates.remove(node);
        }
      }
    }
    absentNotes = List.copyOf(absent);
    states = Map.copyOf(nowStates);
    List<StampedEvent> batch = new ArrayList<>();
    for (ConsistentCut.Window w : cut.windows().values()) {
      NodeId node = w.node();
      Long taken = upTo.get(node);
      long after = taken == null ? w.first() - 1 : Math.max(taken, named.getOrDefault(node, 0L));
      long missed = taken == null ? after : after - taken;
      long lowest = Long.MAX_VALUE;
      for (StampedEvent e : traces.get(node)) {
        long n = e.clock().get(node);
        if (e.node().equals(node) && n > after && n <= w.last()) {
          batch.add(e);
          lowest = Math.min(lowest, n);
        }
      }
      if (lowest != Long.MAX_VALUE) {
        missed += lowest - 1 - after;
      }
      if (missed > 0) {
        lost.merge(node, missed, Long::sum);
      }
      upTo.put(node, Math.max(after, lowest == Long.MAX_VALUE ? after : w.last()));
    }
    for (StampedEvent e : Traces.merge(List.of(batch))) {
      events.addLast(e.at(total++, e.clock()));
      if (events.size() > capacity) {
        events.removeFirst();
      }
      e.clock().entries().forEach((node, n) -> {
        if (!node.equals(e.node())) {
          named.merge(node, n, Math::max);
        }
      });
    }
  }

  /** Adds {@code node}'s operations not seen yet, and the completions of those seen open. */
  private void operations(NodeId node, List<Op> history) {
    Map<Long, Op> completions = new LinkedHashMap<>();
    Map<String, Op> open = new HashMap<>();
    List<Op> invocations = new ArrayList<>();
    for (Op op : history) {
      if (op.isInvoke()) {
        invocations.add(op);
        open.put(op.process(), op);
      } else {
        Op invocation = open.remove(op.process());
        if (invocation != null) {
          completions.put(invocation.index(), op);
        }
      }
    }
    for (Op invocation : invocations) {
      String key = node + "/" + invocation.index();
      Op completion = completions.get(invocation.index());
      Entry entry = operationsByKey.get(key);
      if (entry == null) {
        long id = operations.size();
        entry = new Entry(renumbered(id, invocation, completion), node, ++operationsVersion);
        operationsByKey.put(key, entry);
        operations.add(entry);
      } else if (entry.operation.completion() == null && completion != null) {
        entry.operation = renumbered(entry.operation.invocationIndex(), invocation, completion);
        entry.version = ++operationsVersion;
      }
    }
  }

  /** The operation with id {@code id} in the run (each node numbers its own from 0). */
  private static Operation renumbered(long id, Op invocation, Op completion) {
    Op in = new Op(id, invocation.process(), invocation.type(), invocation.f(), invocation.key(), invocation.value(),
        invocation.timeNanos(), invocation.error());
    Op out = completion == null ? null : new Op(id, completion.process(), completion.type(), completion.f(),
        completion.key(), completion.value(), completion.timeNanos(), completion.error());
    return new Operation(in, out);
  }
}
