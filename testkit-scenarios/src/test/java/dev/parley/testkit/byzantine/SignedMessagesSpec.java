package dev.parley.testkit.byzantine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.byzantine.SignedMessages;
import dev.parley.protocols.byzantine.Traitor;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * SM(m) in the simulation: agreement and validity with n = 3, m = 1 (where OM(1) fails) for every
 * traitor placement and behaviour, and forged or altered chains rejected.
 */
class SignedMessagesSpec {

  static final FaultPlan SLOW = FaultPlan.NONE.withDelay(Delay.uniform(Duration.ZERO, Duration.ofMillis(3)));
  static final NodeId COMMANDER = NodeId.n(1);
  static final Map<Integer, Map<NodeId, KeyPair>> DEALT = new java.util.concurrent.ConcurrentHashMap<>();

  static Simulation<SignedMessages.Command> build(
      int n, int m, Map<NodeId, Traitor> traitors, Map<NodeId, KeyPair> keys, long seed) {
    SignedMessages.Settings settings = SignedMessages.Settings.of(m, COMMANDER, keys).withTraitors(traitors);
    return Simulation.<SignedMessages.Command>builder(n, (peers, env, upcalls) ->
            SignedMessages.create(peers, settings, keys.get(peers.self()).getPrivate(), upcalls.narrow()))
        .seed(seed).faults(SLOW).build();
  }

  static Map<NodeId, SignedMessages.Decided> run(
      int n, int m, Map<NodeId, Traitor> traitors, int order, long seed) {
    // one dealing per group size (dealing is the slow part; the run's seed still varies the delays)
    Map<NodeId, KeyPair> keys = DEALT.computeIfAbsent(n, size -> keys(size, 42));
    Simulation<SignedMessages.Command> sim = build(n, m, traitors, keys, seed);
    sim.nodes().forEach(node -> sim.tell(Duration.ZERO, node, new SignedMessages.Start(order)));
    sim.runFor(Duration.ofMillis(10L * (m + 2)));
    return decisions(sim, traitors);
  }

  static Map<NodeId, KeyPair> keys(int n, long seed) {
    List<NodeId> nodes = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      nodes.add(NodeId.n(i));
    }
    return SignedMessages.dealKeys(nodes, seed);
  }

  static Map<NodeId, SignedMessages.Decided> decisions(
      Simulation<SignedMessages.Command> sim, Map<NodeId, Traitor> traitors) {
    Map<NodeId, SignedMessages.Decided> out = new TreeMap<>();
    for (NodeId node : sim.nodes()) {
      List<SignedMessages.Decided> d = sim.upcalls(node, SignedMessages.Decided.class);
      if (!traitors.containsKey(node)) {
        assertThat(d).as("decisions of loyal %s", node).hasSize(1);
        out.put(node, d.get(0));
      }
    }
    return out;
  }

  @Test
  void threeNodesAgreeWithOneTraitorEverywhereAndEveryBehaviour() {
    Simulations.forSeeds(1, 2, seed -> {
      for (int t = 1; t <= 3; t++) {
        NodeId traitorNode = NodeId.n(t);
        for (Traitor behaviour : Traitor.values()) {
          for (int order = 0; order <= 1; order++) {
            Map<NodeId, SignedMessages.Decided> d = run(3, 1, Map.of(traitorNode, behaviour), order, seed);
            Map<NodeId, Integer> lieutenants = new TreeMap<>();
            d.forEach((node, dec) -> {
              if (!node.equals(COMMANDER)) {
                lieutenants.put(node, dec.value());
              }
            });
            String what = traitorNode + " " + behaviour + " order " + order;
            assertThat(lieutenants.values().stream().distinct().count()).as("agreement, %s", what)
                .isLessThanOrEqualTo(1);
            if (!traitorNode.equals(COMMANDER)) {
              assertThat(lieutenants.values()).as("validity, %s", what).containsOnly(order);
            }
          }
        }
      }
    });
  }

  @Test
  void fourNodesAgreeWithTwoTraitorsEverywhere() {
    // n = 4, m = 2: OM(2) would need 7 nodes
    int runs = 0;
    for (int i = 1; i <= 4; i++) {
      for (int j = i + 1; j <= 4; j++) {
        for (Traitor behaviour : Traitor.values()) {
          for (int order = 0; order <= 1; order++) {
            NodeId t1 = NodeId.n(i);
            NodeId t2 = NodeId.n(j);
            Map<NodeId, SignedMessages.Decided> d =
                run(4, 2, Map.of(t1, behaviour, t2, behaviour), order, 100 + runs++);
            List<Integer> lieutenants = d.entrySet().stream()
                .filter(e -> !e.getKey().equals(COMMANDER)).map(e -> e.getValue().value()).toList();
            String what = t1 + "," + t2 + " " + behaviour + " order " + order;
            assertThat(lieutenants).as("loyal lieutenants, %s", what).isNotEmpty();
            assertThat(lieutenants.stream().distinct().count()).as("agreement, %s", what).isEqualTo(1);
            if (i != 1) {
              assertThat(lieutenants).as("validity, %s", what).containsOnly(order);
            }
          }
        }
      }
    }
    assertThat(runs).isEqualTo(6 * 3 * 2);
  }

  @Test
  void alteredChainsOfALyingLieutenantAreRejected() {
    Map<NodeId, SignedMessages.Decided> d = run(3, 1, Map.of(NodeId.n(3), Traitor.LIE), 1, 7);
    assertThat(d.get(NodeId.n(2)).value()).isEqualTo(1);
    assertThat(d.get(NodeId.n(2)).values()).containsExactly(1);
    assertThat(d.get(NodeId.n(2)).rejected()).isEqualTo(1);
  }

  @Test
  void aTraitorCannotForgeTheCommandersSeal() {
    long seed = 11;
    Map<NodeId, KeyPair> keys = keys(4, seed);
    Map<NodeId, Traitor> traitors = Map.of(NodeId.n(4), Traitor.SILENT);
    Simulation<SignedMessages.Command> sim = build(4, 1, traitors, keys, seed);
    sim.nodes().forEach(node -> sim.tell(Duration.ZERO, node, new SignedMessages.Start(1)));
    // n4 signs "commander orders 0" with its own key, and re-signs a seal for 0 over the name n1
    SignedMessages.Seal forged = SignedMessages.seal(COMMANDER, keys.get(NodeId.n(4)).getPrivate(), 0, List.of());
    SignedMessages.Seal relay = SignedMessages.seal(NodeId.n(4), keys.get(NodeId.n(4)).getPrivate(), 0, List.of(forged));
    sim.tell(Duration.ofMillis(1), NodeId.n(2), new SignedMessages.Order(0, List.of(forged, relay)));
    // and replays the commander's real seal for 1 with the value changed to 0
    SignedMessages.Seal real = SignedMessages.seal(COMMANDER, keys.get(COMMANDER).getPrivate(), 1, List.of());
    sim.tell(Duration.ofMillis(1), NodeId.n(3), new SignedMessages.Order(0, List.of(real)));
    sim.runFor(Duration.ofMillis(30));
    Map<NodeId, SignedMessages.Decided> d = decisions(sim, traitors);
    assertThat(d.get(NodeId.n(2)).rejected()).isEqualTo(1);
    assertThat(d.get(NodeId.n(3)).rejected()).isEqualTo(1);
    for (NodeId node : List.of(NodeId.n(2), NodeId.n(3))) {
      assertThat(d.get(node).values()).containsExactly(1);
      assertThat(d.get(node).value()).isEqualTo(1);
    }
  }

  @Test
  void theSameSeedDealsTheSameKeys() {
    assertThat(keys(3, 5).get(NodeId.n(2)).getPublic().getEncoded())
        .isEqualTo(keys(3, 5).get(NodeId.n(2)).getPublic().getEncoded())
        .isNotEqualTo(keys(3, 6).get(NodeId.n(2)).getPublic().getEncoded());
  }
}
