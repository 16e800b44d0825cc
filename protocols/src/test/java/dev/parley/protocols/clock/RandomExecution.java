package dev.parley.protocols.clock;

import dev.parley.protocols.core.NodeId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;

/**
 * A random execution of N message-passing processes: local events, sends and receives, in one
 * schedule (a linearization: every receive comes after its send). Messages go point to point and
 * may be received in any order, or not at all.
 *
 * <p>It is built from raw {@link Step}s, and every list of steps means a valid execution (a receive
 * with nothing to receive becomes a local event), so jqwik shrinks a failing execution to a smaller
 * valid one. Happened-before is computed by brute force, independently of any clock: the transitive
 * closure (Floyd-Warshall) of program order plus send-to-receive edges.
 */
public final class RandomExecution {

  public enum Kind {
    LOCAL,
    SEND,
    RECEIVE
  }

  /**
   * One event.
   *
   * @param id its position in the schedule: e0, e1, ...
   * @param process the process it happens at, 0-based (node {@code n<process+1>})
   * @param kind what it is
   * @param message the message sent or received (m0, m1, ...), -1 for a local event
   * @param peer the destination of a send, the source of a receive, -1 for a local event
   */
  public record Event(int id, int process, Kind kind, int message, int peer) {
    @Override
    public String toString() {
      return switch (kind) {
        case LOCAL -> "e" + id + " " + node(process) + " local";
        case SEND -> "e" + id + " " + node(process) + " send m" + message + " to " + node(peer);
        case RECEIVE -> "e" + id + " " + node(process) + " receive m" + message + " from " + node(peer);
      };
    }
  }

  /**
   * A raw choice: at {@code process}, do {@code kind} (0 local, 1 send, 2 receive); {@code choice}
   * picks the destination of a send, or which in-flight message a receive takes.
   */
  public record Step(int process, int kind, int choice) {}

  private final int processes;
  private final List<Event> events;
  private final boolean[][] happenedBefore;

  private RandomExecution(int processes, List<Event> events) {
    this.processes = processes;
    this.events = List.copyOf(events);
    this.happenedBefore = closure(processes, this.events);
  }

  /** Executions of {@code minProcesses..maxProcesses} processes with up to {@code maxEvents} events. */
  public static Arbitrary<RandomExecution> arbitrary(int minProcesses, int maxProcesses, int maxEvents) {
    return Arbitraries.integers()
        .between(minProcesses, maxProcesses)
        .flatMap(
            n ->
                Combinators.combine(
                        Arbitraries.integers().between(0, n - 1),
                        // local : send : receive = 1 : 2 : 3, so most sends are received
                        Arbitraries.frequency(Tuple.of(1, 0), Tuple.of(2, 1), Tuple.of(3, 2)),
                        Arbitraries.integers().between(0, 1000))
                    .as(Step::new)
                    .list()
                    .ofMaxSize(maxEvents)
                    .withSizeDistribution(RandomDistribution.uniform())
                    // jqwik's list edge cases (empty, one step) would be half of all tries
                    .edgeCases(edges -> edges.filter(steps -> steps.size() > 3))
                    .map(steps -> of(n, steps)));
  }

  /** The execution that {@code steps} describe among {@code processes} processes. */
  public static RandomExecution of(int processes, List<Step> steps) {
    if (processes < 2) {
      throw new IllegalArgumentException("an execution needs at least 2 processes, got " + processes);
    }
    List<Event> events = new ArrayList<>();
    // In-flight messages per destination, in send order: message id -> sender.
    List<List<int[]>> inFlight = new ArrayList<>();
    for (int p = 0; p < processes; p++) {
      inFlight.add(new ArrayList<>());
    }
    int nextMessage = 0;
    for (Step step : steps) {
      int p = Math.floorMod(step.process(), processes);
      int id = events.size();
      int kind = Math.floorMod(step.kind(), 3);
      int choice = Math.abs(step.choice());
      if (kind == 1) {
        int to = (p + 1 + choice % (processes - 1)) % processes;
        int m = nextMessage++;
        inFlight.get(to).add(new int[] {m, p});
        events.add(new Event(id, p, Kind.SEND, m, to));
      } else if (kind == 2 && !inFlight.get(p).isEmpty()) {
        int[] taken = inFlight.get(p).remove(choice % inFlight.get(p).size());
        events.add(new Event(id, p, Kind.RECEIVE, taken[0], taken[1]));
      } else {
        events.add(new Event(id, p, Kind.LOCAL, -1, -1));
      }
    }
    return new RandomExecution(processes, events);
  }

  /** The node that process {@code p} (0-based) runs on: n1, n2, ... */
  public static NodeId node(int p) {
    return NodeId.n(p + 1);
  }

  public int processes() {
    return processes;
  }

  /** Every event, in schedule order (event i has id i). */
  public List<Event> events() {
    return events;
  }

  public int size() {
    return events.size();
  }

  /** a -> b: a chain of program-order and send-to-receive edges leads from event a to event b. */
  public boolean happenedBefore(int a, int b) {
    return happenedBefore[a][b];
  }

  /** Neither a -> b nor b -> a, and a is not b. */
  public boolean concurrent(int a, int b) {
    return a != b && !happenedBefore[a][b] && !happenedBefore[b][a];
  }

  /** Whether some event happened before an event of another process (a message made a difference). */
  public boolean hasCrossProcessCausality() {
    for (Event a : events) {
      for (Event b : events) {
        if (a.process() != b.process() && happenedBefore(a.id(), b.id())) {
          return true;
        }
      }
    }
    return false;
  }

  /** Whether some two events are concurrent. */
  public boolean hasConcurrency() {
    for (int a = 0; a < size(); a++) {
      for (int b = a + 1; b < size(); b++) {
        if (concurrent(a, b)) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean[][] closure(int processes, List<Event> events) {
    int n = events.size();
    boolean[][] r = new boolean[n][n];
    int[] last = new int[processes];
    java.util.Arrays.fill(last, -1);
    Map<Integer, Integer> sendOf = new HashMap<>();
    for (Event e : events) {
      if (last[e.process()] >= 0) {
        r[last[e.process()]][e.id()] = true;
      }
      last[e.process()] = e.id();
      if (e.kind() == Kind.SEND) {
        sendOf.put(e.message(), e.id());
      } else if (e.kind() == Kind.RECEIVE) {
        r[sendOf.get(e.message())][e.id()] = true;
      }
    }
    for (int k = 0; k < n; k++) {
      for (int i = 0; i < n; i++) {
        if (r[i][k]) {
          for (int j = 0; j < n; j++) {
            if (r[k][j]) {
              r[i][j] = true;
            }
          }
        }
      }
    }
    return r;
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder();
    s.append("RandomExecution(").append(processes).append(" processes, ").append(size()).append(" events)");
    for (Event e : events) {
      s.append("\n  ").append(e);
    }
    for (int p = 0; p < processes; p++) {
      s.append(p == 0 ? "\n  per process: " : " | ").append(node(p)).append(':');
      for (Event e : events) {
        if (e.process() == p) {
          s.append(" e").append(e.id());
        }
      }
    }
    return s.toString();
  }
}
