package dev.parley.testkit.naming;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.naming.OverlaySearch;
import dev.parley.protocols.naming.OverlaySearch.Mode;
import dev.parley.testkit.naming.Overlay.Outcome;
import dev.parley.testkit.naming.Overlay.Rate;
import dev.parley.testkit.sim.Simulations;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Search in unstructured overlays, in the simulation: flooding finds an item exactly when its holder
 * is within TTL hops (checked against breadth-first distances, with copies racing over random
 * delays) and costs about 2·E messages; random walks succeed more often with more walkers and longer
 * TTLs, at most k·TTL messages; super-peers find every item by flooding only their own, smaller
 * overlay.
 */
class OverlaySearchSpec {

  static long edges(Map<NodeId, Set<NodeId>> graph) {
    return graph.values().stream().mapToLong(Set::size).sum() / 2;
  }

  @Test
  void floodingFindsAnItemExactlyWhenItsHolderIsWithinTheTtl() {
    Simulations.forSeeds(1, 5, seed -> {
      Overlay overlay = Overlay.flat(40, 3, seed, Overlay.LINKS);
      NodeId origin = NodeId.n(1);
      Map<NodeId, Integer> distance = OverlaySearch.distances(overlay.graph(), origin);
      for (int ttl = 1; ttl <= 4; ttl++) {
        for (NodeId holder : overlay.searchers()) {
          if (holder.equals(origin)) {
            continue;
          }
          Outcome o = overlay.search(origin, Overlay.item(holder), Mode.FLOOD, ttl, 0);
          assertThat(o.found()).as("%s at distance %d, TTL %d", holder, distance.get(holder), ttl)
              .isEqualTo(distance.get(holder) <= ttl);
          if (o.found()) {
            assertThat(o.hops()).isBetween(distance.get(holder), ttl);
          }
        }
      }
    });
  }

  @Test
  void aFloodThatReachesEveryNodeSendsAboutTwiceTheEdges() {
    Overlay steady = Overlay.flat(60, 4, 1, FaultPlan.none().withDelay(Delay.fixed(Duration.ofMillis(2))));
    long e = edges(steady.graph());
    Outcome o = steady.search(NodeId.n(1), Overlay.item(NodeId.n(60)), Mode.FLOOD, 60, 0);
    assertThat(o.found()).isTrue();
    assertThat(o.messages() - 1).as("floods: deg(origin) + Σ(deg − 1) over the others").isEqualTo(2 * e - 59);
    Simulations.forSeeds(1, 5, seed -> {
      Overlay racing = Overlay.flat(60, 4, seed, Overlay.LINKS);
      long m = racing.search(NodeId.n(1), Overlay.item(NodeId.n(60)), Mode.FLOOD, 60, 0).messages();
      assertThat(m).isBetween(2 * edges(racing.graph()) - 59, 4 * edges(racing.graph()));
    });
  }

  @Test
  void randomWalksSucceedMoreWithMoreWalkersAndLongerTtlsAtMostKTimesTtlMessages() {
    Overlay overlay = Overlay.flat(100, 4, 1, Overlay.LINKS);
    Rate oneShort = overlay.rate(150, Mode.WALK, 8, 1);
    Rate manyShort = overlay.rate(150, Mode.WALK, 8, 8);
    Rate twoShort = overlay.rate(150, Mode.WALK, 4, 2);
    Rate twoLong = overlay.rate(150, Mode.WALK, 64, 2);
    assertThat(manyShort.success()).isGreaterThan(oneShort.success() + 0.15);
    assertThat(twoLong.success()).isGreaterThan(twoShort.success() + 0.15);
    assertThat(manyShort.meanMessages()).isLessThanOrEqualTo(8 * 8 + 1);
    assertThat(twoLong.meanMessages()).isLessThanOrEqualTo(2 * 64 + 1);
  }

  @Test
  void superPeersFindEveryItemFloodingOnlyTheirOwnOverlay() {
    Simulations.forSeeds(1, 3, seed -> {
      Overlay supers = Overlay.superPeers(10, 9, 3, seed, Overlay.LINKS);
      Rate viaSupers = supers.rate(60, Mode.FLOOD, 10, 0);
      Overlay flat = Overlay.flat(90, 3, seed, Overlay.LINKS);
      Rate flooded = flat.rate(60, Mode.FLOOD, 90, 0);
      assertThat(viaSupers.success()).isEqualTo(1.0);
      assertThat(flooded.success()).isEqualTo(1.0);
      assertThat(viaSupers.meanMessages()).isLessThan(flooded.meanMessages() / 3);
    });
  }
}
