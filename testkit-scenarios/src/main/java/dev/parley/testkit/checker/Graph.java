package dev.parley.testkit.checker;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A directed graph on numbered nodes whose edges carry a label (why the edge is there), for the
 * checkers that look for cycles: the causal checker's orders of writes, the transaction checker's
 * dependency graph. Cycles are found small, so that a counterexample stays readable: Tarjan's strongly
 * connected components say which nodes lie on a cycle, and a breadth-first search from such a node
 * finds the shortest cycle through it.
 *
 * @param <L> the label of an edge
 */
final class Graph<L> {

  /** An edge and its label. */
  record Edge<L>(int from, int to, L label) {}

  /** At most this many nodes are tried as the start of a shortest cycle (each costs one search). */
  private static final int STARTS_TRIED = 200;

  private final Map<Integer, List<Edge<L>>> out = new HashMap<>();
  private final List<Edge<L>> edges = new ArrayList<>();

  void add(int from, int to, L label) {
    Edge<L> e = new Edge<>(from, to, label);
    out.computeIfAbsent(from, n -> new ArrayList<>()).add(e);
    out.computeIfAbsent(to, n -> new ArrayList<>());
    edges.add(e);
  }

  List<Edge<L>> edges() {
    return Collections.unmodifiableList(edges);
  }

  /**
   * A shortest cycle of edges that {@code allowed} keeps, as its edges in order (empty if there is
   * none). Exact when at most {@value #STARTS_TRIED} nodes lie on cycles; otherwise the shortest
   * through one of the first {@value #STARTS_TRIED} of them.
   */
  List<Edge<L>> shortestCycle(Predicate<Edge<L>> allowed) {
    List<Edge<L>> best = List.of();
    int tried = 0;
    for (int start : components(allowed).keySet()) {
      List<Edge<L>> cycle = shortestPath(start, start, allowed);
      if (!cycle.isEmpty() && (best.isEmpty() || cycle.size() < best.size())) {
        best = cycle;
      }
      if (best.size() == 1 || ++tried == STARTS_TRIED) {
        break;
      }
    }
    return best;
  }

  /** A shortest cycle of any edges. */
  List<Edge<L>> shortestCycle() {
    return shortestCycle(e -> true);
  }

  /**
   * A shortest path of edges that {@code allowed} keeps from {@code from} to {@code to} (at least one
   * edge, so from a node to itself it is a cycle), as its edges in order; empty if there is none.
   */
  List<Edge<L>> shortestPath(int from, int to, Predicate<Edge<L>> allowed) {
    Map<Integer, Edge<L>> reachedBy = new HashMap<>();
    Deque<Integer> queue = new ArrayDeque<>();
    queue.add(from);
    while (!queue.isEmpty()) {
      int n = queue.poll();
      for (Edge<L> e : out.getOrDefault(n, List.of())) {
        if (!allowed.test(e)) {
          continue;
        }
        if (e.to() == to) {
          List<Edge<L>> path = new ArrayList<>();
          path.add(e);
          for (int back = n; back != from; back = reachedBy.get(back).from()) {
            path.add(reachedBy.get(back));
          }
          Collections.reverse(path);
          return path;
        }
        if (e.to() != from && !reachedBy.containsKey(e.to())) {
          reachedBy.put(e.to(), e);
          queue.add(e.to());
        }
      }
    }
    return List.of();
  }

  /**
   * The strongly connected components of the allowed edges that hold a cycle (Tarjan's algorithm,
   * iterative): each node on some cycle, with its component's number. An edge lies on a cycle exactly
   * when both its ends are in the same component.
   */
  Map<Integer, Integer> components(Predicate<Edge<L>> allowed) {
    Map<Integer, Integer> index = new HashMap<>();
    Map<Integer, Integer> low = new HashMap<>();
    Deque<Integer> stack = new ArrayDeque<>();
    Set<Integer> onStack = new HashSet<>();
    Map<Integer, Integer> result = new LinkedHashMap<>();
    int counter = 0;
    int found = 0;
    for (int root : out.keySet()) {
      if (index.containsKey(root)) {
        continue;
      }
      Deque<int[]> frames = new ArrayDeque<>();
      frames.push(new int[] {root, 0});
      index.put(root, counter);
      low.put(root, counter++);
      stack.push(root);
      onStack.add(root);
      while (!frames.isEmpty()) {
        int[] frame = frames.peek();
        int n = frame[0];
        List<Edge<L>> next = out.get(n);
        if (frame[1] < next.size()) {
          Edge<L> e = next.get(frame[1]++);
          if (!allowed.test(e)) {
            continue;
          }
          int m = e.to();
          if (!index.containsKey(m)) {
            index.put(m, counter);
            low.put(m, counter++);
            stack.push(m);
            onStack.add(m);
            frames.push(new int[] {m, 0});
          } else if (onStack.contains(m)) {
            low.put(n, Math.min(low.get(n), index.get(m)));
          }
          continue;
        }
        frames.pop();
        if (!frames.isEmpty()) {
          int parent = frames.peek()[0];
          low.put(parent, Math.min(low.get(parent), low.get(n)));
        }
        if (low.get(n).equals(index.get(n))) {
          List<Integer> component = new ArrayList<>();
          int m;
          do {
            m = stack.pop();
            onStack.remove(m);
            component.add(m);
          } while (m != n);
          boolean selfLoop = out.get(n).stream().anyMatch(e -> e.to() == n && allowed.test(e));
          if (component.size() > 1 || selfLoop) {
            for (int member : component) {
              result.put(member, found);
            }
            found++;
          }
        }
      }
    }
    return result;
  }
}
