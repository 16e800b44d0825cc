package dev.parley.testkit.byzantine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.byzantine.OralMessages;
import dev.parley.protocols.byzantine.Traitor;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * OM(m) in the simulation: agreement and validity for n = 3m+1 over every placement of m traitors
 * and every traitor behaviour, loyal or traitorous commander; the classic failure for n = 3, m = 1;
 * the message count against the O(n^(m+1)) formula.
 */
class OralMessagesSpec {

  /** Delays within a round (the synchronous model's bound is 10 ms). */
  static final FaultPlan SLOW = FaultPlan.NONE.withDelay(Delay.uniform(Duration.ZERO, Duration.ofMillis(3)));

  /** The loyal nodes' decisions in one run of OM(m) among n nodes (commander n1). */
  record Run(Map<NodeId, Integer> decisions, boolean commanderLoyal, int order, long sent) {}

  static Run run(int n, int m, Map<NodeId, Traitor> traitors, int order, long seed) {
    NodeId commander = NodeId.n(1);
    OralMessages.Settings settings = OralMessages.Settings.loyal(m, commander).withTraitors(traitors);
    Simulation<OralMessages.Command> sim =
        Simulation.<OralMessages.Command>builder(n, (peers, env, upcalls) ->
                OralMessages.create(peers, settings, upcalls.narrow()))
            .seed(seed).faults(SLOW).build();
    for (NodeId node : sim.nodes()) {
      sim.tell(Duration.ZERO, node, new OralMessages.Start(order));
    }
    sim.runFor(Duration.ofMillis(10L * (m + 2)));
    Map<NodeId, Integer> decisions = new TreeMap<>();
    for (NodeId node : sim.nodes()) {
      List<OralMessages.Decided> d = sim.upcalls(node, OralMessages.Decided.class);
      if (!traitors.containsKey(node)) {
        assertThat(d).as("decisions of loyal %s", node).hasSize(1);
        decisions.put(node, d.get(0).value());
      } else {
        assertThat(d).as("a traitor reports nothing").isEmpty();
      }
    }
    return new Run(decisions, !traitors.containsKey(commander), order, sim.stats().sent());
  }

  /** What is wrong with a run: a disagreement or a validity violation, or empty. */
  static Optional<String> violation(Run r) {
    NodeId commander = NodeId.n(1);
    Map<NodeId, Integer> lieutenants = new TreeMap<>(r.decisions());
    lieutenants.remove(commander);
    if (lieutenants.values().stream().distinct().count() > 1) {
      return Optional.of("loyal lieutenants disagree: " + lieutenants);
    }
    if (r.commanderLoyal() && lieutenants.values().stream().anyMatch(v -> v != r.order())) {
      return Optional.of("loyal commander ordered " + r.order() + " but " + lieutenants);
    }
    return Optional.empty();
  }

  /** Every set of {@code m} nodes among n1..n<n>. */
  static List<List<NodeId>> placements(int n, int m) {
    List<List<NodeId>> out = new ArrayList<>();
    choose(1, n, m, new ArrayList<>(), out);
    return out;
  }

  private static void choose(int from, int n, int k, List<NodeId> acc, List<List<NodeId>> out) {
    if (k == 0) {
      out.add(List.copyOf(acc));
      return;
    }
    for (int i = from; i <= n; i++) {
      acc.add(NodeId.n(i));
      choose(i + 1, n, k - 1, acc, out);
      acc.remove(acc.size() - 1);
    }
  }

  /** Every placement of m traitors, each with every behaviour (all traitors alike), both orders. */
  static int checkAll(int n, int m, long seed) {
    int runs = 0;
    for (List<NodeId> placement : placements(n, m)) {
      for (Traitor t : Traitor.values()) {
        Map<NodeId, Traitor> traitors = new HashMap<>();
        placement.forEach(node -> traitors.put(node, t));
        for (int order = 0; order <= 1; order++) {
          Run r = run(n, m, traitors, order, seed + runs);
          assertThat(violation(r)).as("n=%d m=%d traitors %s %s order %d", n, m, placement, t, order)
              .isEmpty();
          runs++;
        }
      }
    }
    return runs;
  }

  @Test
  void agreementAndValidityForFourNodesAndOneTraitorEverywhere() {
    Simulations.forSeeds(1, 3, seed -> assertThat(checkAll(4, 1, seed * 1000)).isEqualTo(4 * 3 * 2));
  }

  @Test
  void agreementAndValidityForSevenNodesAndTwoTraitorsEverywhere() {
    assertThat(checkAll(7, 2, 77)).isEqualTo(21 * 3 * 2);
  }

  @Test
  void mixedTraitorsInSevenNodes() {
    Simulations.forSeeds(1, 20, seed -> {
      java.util.Random random = new java.util.Random(seed);
      List<List<NodeId>> all = placements(7, 2);
      List<NodeId> placement = all.get(random.nextInt(all.size()));
      Map<NodeId, Traitor> traitors = new HashMap<>();
      placement.forEach(node -> traitors.put(node, Traitor.values()[random.nextInt(3)]));
      assertThat(violation(run(7, 2, traitors, random.nextInt(2), seed))).isEmpty();
    });
  }

  @Test
  void threeNodesCannotTolerateOneTraitor() {
    // loyal commander n1 orders 1; n3 lies to n2: n2 sees a tie and takes the default 0
    Run r = run(3, 1, Map.of(NodeId.n(3), Traitor.LIE), 1, 5);
    assertThat(violation(r)).hasValueSatisfying(v -> assertThat(v).contains("loyal commander"));
    // the checker finds at least one bad placement/behaviour among all of them
    int bad = 0;
    for (List<NodeId> placement : placements(3, 1)) {
      for (Traitor t : Traitor.values()) {
        for (int order = 0; order <= 1; order++) {
          if (violation(run(3, 1, Map.of(placement.get(0), t), order, 9)).isPresent()) {
            bad++;
          }
        }
      }
    }
    assertThat(bad).isPositive();
  }

  @Test
  void messageCountIsTheProductFormula() {
    int[][] cases = {{4, 1}, {5, 1}, {7, 1}, {7, 2}, {8, 2}};
    for (int[] c : cases) {
      int n = c[0];
      int m = c[1];
      Run r = run(n, m, Map.of(), 1, 3);
      long expected = OralMessages.messageCount(n, m);
      System.out.printf("OM(%d) n=%d: %d messages; sum (n-1)..(n-r) = %d; n^(m+1) = %d%n",
          m, n, r.sent(), expected, (long) Math.pow(n, m + 1));
      assertThat(r.sent()).as("messages of OM(%d), n=%d", m, n).isEqualTo(expected);
      assertThat(r.decisions().values()).containsOnly(1);
    }
  }
}
