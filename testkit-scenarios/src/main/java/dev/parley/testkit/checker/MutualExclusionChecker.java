package dev.parley.testkit.checker;

import dev.parley.protocols.core.NodeId;
import dev.parley.testkit.report.TextTable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Mutual exclusion over a log of {@link LockEvent}s ordered by time:
 *
 * <ul>
 *   <li><b>safety</b>: never two holders; between a grant to a node and that node's release, no other
 *       node is granted. A release by a node that does not hold is ignored (a lease may have expired);
 *   <li><b>liveness</b> (when configured): every request is granted within a bound after the later of
 *       its own time and the time faults stopped; requests never granted are reported;
 *   <li><b>fairness</b>: grants follow the order of requests, first come first served by request time
 *       ({@link #FIFO}) or by a supplied priority such as a Lamport timestamp ({@link #BY_PRIORITY});
 *       the first overtaking is reported: a grant while an earlier request was still waiting;
 *   <li><b>fencing</b>: tokens handed out with grants strictly increase (grants without a token are
 *       not judged).
 * </ul>
 *
 * <p>A node's requests are matched to its grants in order. For FIFO, a request's time should be when the
 * arbiter learned of it, if the arbiter is what is judged. Complexity: O(n) for safety, liveness and
 * fencing; O(n * w) for fairness, w being the number of requests waiting at a grant.
 *
 * <pre>{@code
 * Verdict v = MutualExclusionChecker.create().withLiveness(healedAt, 5_000_000_000L).check(events);
 * }</pre>
 */
public final class MutualExclusionChecker implements Checker<List<LockEvent>> {

  /** Requests are served in the order of their times. */
  public static final Comparator<LockEvent> FIFO = Comparator.comparingLong(LockEvent::timeNanos);

  /** Requests are served by priority (such as a Lamport timestamp), ties broken by node id. */
  public static final Comparator<LockEvent> BY_PRIORITY =
      Comparator.comparing((LockEvent e) -> requirePriority(e)).thenComparing(LockEvent::node);

  private static final String NAME = "mutual exclusion";

  private record Liveness(long faultsStoppedAtNanos, long boundNanos) {}

  private final Liveness liveness;
  private final Comparator<LockEvent> fairnessOrder;

  private MutualExclusionChecker(Liveness liveness, Comparator<LockEvent> fairnessOrder) {
    this.liveness = liveness;
    this.fairnessOrder = fairnessOrder;
  }

  /** Safety, FIFO fairness and fencing; liveness is added with {@link #withLiveness}. */
  public static MutualExclusionChecker create() {
    return new MutualExclusionChecker(null, FIFO);
  }

  /** Also require every request to be granted within {@code boundNanos} once faults stopped. */
  public MutualExclusionChecker withLiveness(long faultsStoppedAtNanos, long boundNanos) {
    return new MutualExclusionChecker(new Liveness(faultsStoppedAtNanos, boundNanos), fairnessOrder);
  }

  /** Judge fairness by this order of requests ({@link #FIFO}, {@link #BY_PRIORITY} or your own). */
  public MutualExclusionChecker withFairness(Comparator<LockEvent> order) {
    return new MutualExclusionChecker(liveness, Objects.requireNonNull(order, "order"));
  }

  /** For algorithms that promise no order of entry (token ring, voting). */
  public MutualExclusionChecker withoutFairness() {
    return new MutualExclusionChecker(liveness, null);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Verdict check(List<LockEvent> events) {
    List<Verdict> parts = new ArrayList<>();
    parts.add(safety(events));
    if (liveness != null) {
      parts.add(liveness(events));
    }
    if (fairnessOrder != null) {
      parts.add(fairness(events));
    }
    parts.add(fencing(events));
    return Verdict.allOf(NAME, parts);
  }

  /** Never two holders at once. */
  public Verdict safety(List<LockEvent> events) {
    requireOrdered(events);
    String name = NAME + ": safety";
    Map<NodeId, Integer> holders = new LinkedHashMap<>();
    int violations = 0;
    List<String> first = null;
    for (int i = 0; i < events.size(); i++) {
      LockEvent e = events.get(i);
      switch (e.kind()) {
        case GRANT -> {
          Map.Entry<NodeId, Integer> other = holders.entrySet().stream()
              .filter(h -> !h.getKey().equals(e.node())).findFirst().orElse(null);
          if (other != null) {
            violations++;
            if (first == null) {
              first = twoHolders(events, other.getKey(), other.getValue(), i);
            }
          }
          holders.putIfAbsent(e.node(), i);
        }
        case RELEASE -> holders.remove(e.node());
        case REQUEST -> { }
      }
    }
    if (violations == 0) {
      return Verdict.valid(name, "never two holders over " + events.size() + " events");
    }
    return Verdict.invalid(name, violations + " grant(s) while another node held the lock", first);
  }

  /** Every request granted within the bound after faults stopped (as configured). */
  public Verdict liveness(List<LockEvent> events) {
    if (liveness == null) {
      throw new IllegalStateException("no liveness bound configured: use withLiveness(faultsStoppedAt, bound)");
    }
    requireOrdered(events);
    String name = NAME + ": liveness";
    List<int[]> matches = matchRequestsToGrants(events);
    TextTable table = new TextTable("event", "node", "requested", "deadline", "granted");
    int late = 0;
    int never = 0;
    for (int[] m : matches) {
      LockEvent request = events.get(m[0]);
      long deadline = Math.max(request.timeNanos(), liveness.faultsStoppedAtNanos()) + liveness.boundNanos();
      if (m[1] < 0) {
        never++;
        table.row("#" + m[0], request.node(), request.timeNanos(), deadline, "never");
      } else if (events.get(m[1]).timeNanos() > deadline) {
        late++;
        table.row("#" + m[0], request.node(), request.timeNanos(), deadline, events.get(m[1]).timeNanos());
      }
    }
    if (late + never == 0) {
      return Verdict.valid(name, matches.size() + " request(s) all granted within " + liveness.boundNanos()
          + " ns after faults stopped at t=" + liveness.faultsStoppedAtNanos());
    }
    return Verdict.invalid(name, never + " request(s) never granted, " + late + " granted after the bound of "
        + liveness.boundNanos() + " ns (faults stopped at t=" + liveness.faultsStoppedAtNanos() + ")",
        limit(table.lines()));
  }

  /** Grants follow the configured order of requests; reports the first overtaking. */
  public Verdict fairness(List<LockEvent> events) {
    if (fairnessOrder == null) {
      throw new IllegalStateException("fairness is not checked by this checker (withoutFairness)");
    }
    requireOrdered(events);
    String name = NAME + ": fairness";
    Map<NodeId, Deque<Integer>> waiting = new LinkedHashMap<>();
    int overtakings = 0;
    List<String> first = null;
    for (int i = 0; i < events.size(); i++) {
      LockEvent e = events.get(i);
      if (e.kind() == LockEvent.Kind.REQUEST) {
        waiting.computeIfAbsent(e.node(), n -> new ArrayDeque<>()).add(i);
      } else if (e.kind() == LockEvent.Kind.GRANT) {
        Deque<Integer> own = waiting.get(e.node());
        if (own == null || own.isEmpty()) {
          continue;
        }
        int served = own.poll();
        for (Deque<Integer> queue : waiting.values()) {
          for (int other : queue) {
            if (fairnessOrder.compare(events.get(other), events.get(served)) < 0) {
              overtakings++;
              if (first == null) {
                first = table(events, List.of(other, served, i));
                first.add(0, e.node() + " (request #" + served + ") was granted at t=" + e.timeNanos()
                    + " ahead of " + events.get(other).node() + " (request #" + other
                    + "), which came first and was still waiting:");
              }
            }
          }
        }
      }
    }
    if (overtakings == 0) {
      return Verdict.valid(name, "grants followed the order of requests");
    }
    return Verdict.invalid(name, overtakings + " overtaking(s) of an earlier request", first);
  }

  /** Fencing tokens strictly increase from grant to grant. */
  public Verdict fencing(List<LockEvent> events) {
    String name = NAME + ": fencing";
    int previous = -1;
    int tokens = 0;
    for (int i = 0; i < events.size(); i++) {
      LockEvent e = events.get(i);
      if (e.kind() != LockEvent.Kind.GRANT || e.fencingToken() == null) {
        continue;
      }
      tokens++;
      if (previous >= 0 && e.fencingToken() <= events.get(previous).fencingToken()) {
        List<String> lines = table(events, List.of(previous, i));
        lines.add(0, "token " + e.fencingToken() + " granted to " + e.node() + " after token "
            + events.get(previous).fencingToken() + " granted to " + events.get(previous).node() + ":");
        return Verdict.invalid(name, "fencing token did not increase: " + events.get(previous).fencingToken()
            + " then " + e.fencingToken(), lines);
      }
      previous = i;
    }
    return Verdict.valid(name, tokens == 0 ? "no fencing tokens recorded" : tokens + " tokens strictly increasing");
  }

  private static List<String> twoHolders(List<LockEvent> events, NodeId holder, int grantedAt, int intruder) {
    int releasedAt = releaseOf(events, holder, intruder);
    List<String> lines = table(events,
        releasedAt < 0 ? List.of(grantedAt, intruder) : List.of(grantedAt, intruder, releasedAt));
    lines.add(0, events.get(intruder).node() + " was granted at t=" + events.get(intruder).timeNanos()
        + " while " + holder + " held the lock (granted at t=" + events.get(grantedAt).timeNanos() + ", "
        + (releasedAt < 0 ? "never released" : "released at t=" + events.get(releasedAt).timeNanos()) + "):");
    return lines;
  }

  /** For each request (by index), the index of the grant that served it, or -1. */
  private static List<int[]> matchRequestsToGrants(List<LockEvent> events) {
    Map<NodeId, Deque<int[]>> waiting = new HashMap<>();
    List<int[]> matches = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      LockEvent e = events.get(i);
      if (e.kind() == LockEvent.Kind.REQUEST) {
        int[] m = {i, -1};
        matches.add(m);
        waiting.computeIfAbsent(e.node(), n -> new ArrayDeque<>()).add(m);
      } else if (e.kind() == LockEvent.Kind.GRANT) {
        Deque<int[]> own = waiting.get(e.node());
        if (own != null && !own.isEmpty()) {
          own.poll()[1] = i;
        }
      }
    }
    return matches;
  }

  private static int releaseOf(List<LockEvent> events, NodeId holder, int from) {
    for (int i = from; i < events.size(); i++) {
      LockEvent e = events.get(i);
      if (e.kind() == LockEvent.Kind.RELEASE && e.node().equals(holder)) {
        return i;
      }
    }
    return -1;
  }

  private static List<String> table(List<LockEvent> events, List<Integer> indexes) {
    TextTable t = new TextTable("event", "time", "node", "kind", "token", "priority");
    indexes.stream().sorted().forEach(i -> {
      LockEvent e = events.get(i);
      t.row("#" + i, e.timeNanos(), e.node(), e.kind(), e.fencingToken(), e.priority());
    });
    return new ArrayList<>(t.lines());
  }

  private static List<String> limit(List<String> lines) {
    int max = 11;
    if (lines.size() <= max) {
      return lines;
    }
    List<String> shown = new ArrayList<>(lines.subList(0, max));
    shown.add("... and " + (lines.size() - max) + " more");
    return shown;
  }

  private static void requireOrdered(List<LockEvent> events) {
    for (int i = 1; i < events.size(); i++) {
      if (events.get(i).timeNanos() < events.get(i - 1).timeNanos()) {
        throw new IllegalArgumentException("lock events must be ordered by time: event #" + i + " at t="
            + events.get(i).timeNanos() + " comes after event #" + (i - 1) + " at t="
            + events.get(i - 1).timeNanos());
      }
    }
  }

  private static long requirePriority(LockEvent request) {
    if (request.priority() == null) {
      throw new IllegalArgumentException("fairness by priority needs a priority on every request; "
          + request.node() + "'s request at t=" + request.timeNanos() + " has none");
    }
    return request.priority();
  }
}
