package dev.parley.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.mutex.Granted;
import dev.parley.protocols.mutex.LamportMutex;
import dev.parley.protocols.mutex.Released;
import dev.parley.testkit.sim.TestProtocols.Forward;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An exploration takes every setting of the {@link Simulation.Builder} it is given (FIFO links, a
 * fault plan's loss and duplication, the step limit), its own setters win over the builder's, and
 * what it cannot explore is refused with a message that says what to do instead.
 */
class ExplorationSettingsTest {

  private static final NodeId N1 = NodeId.n(1);
  private static final NodeId N2 = NodeId.n(2);

  // ------------------------------------------------------------ FIFO links: Lamport's mutex

  private static Simulation.Builder<LamportMutex.Command> lamport() {
    return Simulation.builder(2, (peers, env, upcalls) -> LamportMutex.create(peers, upcalls.narrow()));
  }

  /** Nodes that have been granted more often than they have released. */
  private static long holders(SimView v) {
    return v.nodes().stream()
        .filter(n -> v.upcalls(n, Granted.class).size() > v.upcalls(n, Released.class).size())
        .count();
  }

  /** Each node acquires, then releases; at most one node holds the critical section. */
  private static Exploration<LamportMutex.Command> mutualExclusion(Simulation.Builder<LamportMutex.Command> group) {
    return Exploration.of(group)
        .setup(sim -> {
          for (NodeId node : sim.nodes()) {
            sim.tell(node, LamportMutex.MUTEX.acquire());
            sim.tell(node, LamportMutex.MUTEX.release());
          }
        })
        .invariant("at most one holder", v -> holders(v) <= 1)
        .maxDepth(14);
  }

  @Test
  void lamportsMutexOverTheBuildersFifoLinksLetsOneNodeInAtATime() {
    Exploration.Result result = mutualExclusion(lamport().fifoLinks(true)).run();

    result.assertNoViolation();
    assertThat(result.complete()).isTrue();
  }

  @Test
  void lamportsMutexWithoutFifoLinksLetsTwoNodesIn() {
    Exploration.Result result = mutualExclusion(lamport()).run();

    assertThat(result.violation()).isPresent();
    assertThat(result.violation().get().failure()).contains("at most one holder");
  }

  @Test
  void theExplorationsOwnFifoLinksWinsOverTheBuilders() {
    Exploration.Result result = mutualExclusion(lamport().fifoLinks(true)).fifoLinks(false).run();

    assertThat(result.violation()).isPresent();
    assertThat(result.violation().get().failure()).contains("at most one holder");
  }

  // ------------------------------------------------------------ the fault plan: a relay n1 -> n2

  private static Simulation.Builder<Object> relay() {
    return Simulation.builder(2, (peers, env, upcalls) -> TestProtocols.relay(peers, upcalls));
  }

  /** n1 forwards {@code messages} to n2, in this order. */
  private static Exploration<Object> forwarding(Simulation.Builder<Object> group, Object... messages) {
    return Exploration.of(group)
        .setup(sim -> {
          for (Object m : messages) {
            sim.tell(N1, new Forward(N2, m));
          }
        })
        .maxDepth(12);
  }

  private static Exploration.Result lossSearch(Exploration<Object> exploration) {
    return exploration
        .whenQuiescent("n2 receives what n1 forwards", v -> v.upcalls(N2).equals(List.of("x")))
        .run();
  }

  @Test
  void aPlanThatMayLoseMessagesMakesLossBranches() {
    Exploration.Result lossy = lossSearch(forwarding(relay().faults(FaultPlan.none().withDrop(0.1)), "x"));
    Exploration.Result perfect = lossSearch(forwarding(relay(), "x"));

    assertThat(lossy.violation()).isPresent();
    assertThat(lossy.violation().get().failure()).contains("n2 receives what n1 forwards");
    assertThat(lossy.violation().get().steps()).containsExactly(
        "client -> n1: Forward[to=n2, message=x]", "lose deliver n1 -> n2: x");
    perfect.assertNoViolation();
    assertThat(perfect.complete()).isTrue();
  }

  @Test
  void theExplorationsOwnDropsWinsOverThePlan() {
    Exploration.Result result =
        lossSearch(forwarding(relay().faults(FaultPlan.none().withDrop(0.1)), "x").drops(false));

    result.assertNoViolation();
    assertThat(result.complete()).isTrue();
  }

  private static Exploration.Result duplicateSearch(Simulation.Builder<Object> group) {
    return forwarding(group, "x")
        .invariant("n2 receives a message at most once", v -> v.upcalls(N2).size() <= 1)
        .run();
  }

  @Test
  void aPlanThatMayDuplicateMessagesMakesDuplicateBranches() {
    Exploration.Result duplicating = duplicateSearch(relay().faults(FaultPlan.none().withDuplicate(0.1)));
    Exploration.Result perfect = duplicateSearch(relay());

    assertThat(duplicating.violation()).isPresent();
    assertThat(duplicating.violation().get().steps()).containsExactly(
        "client -> n1: Forward[to=n2, message=x]", "duplicate deliver n1 -> n2: x", "deliver n1 -> n2: x");
    perfect.assertNoViolation();
    assertThat(perfect.complete()).isTrue();
  }

  private static Exploration.Result orderSearch(Simulation.Builder<Object> group) {
    return forwarding(group, 1, 2, 3)
        .invariant("n2 receives in the order n1 forwards", v -> List.of(1, 2, 3).subList(0, v.upcalls(N2).size())
            .equals(v.upcalls(N2)))
        .run();
  }

  @Test
  void aPlanThatDelaysAndReordersIsCoveredByTryingEveryOrder() {
    FaultPlan slowAndReordering = FaultPlan.none()
        .withDelay(Delay.uniform(Duration.ofMillis(1), Duration.ofMillis(10)))
        .withReorder(0.3);
    Exploration.Result reordering = orderSearch(relay().faults(slowAndReordering));
    Exploration.Result fifo = orderSearch(relay().faults(slowAndReordering).fifoLinks(true));

    assertThat(reordering.violation()).isPresent();
    assertThat(reordering.violation().get().failure()).contains("n2 receives in the order n1 forwards");
    fifo.assertNoViolation();
    assertThat(fifo.complete()).isTrue();
  }

  @Test
  void theBuildersStepLimitCutsSchedulesInsteadOfFailingThemAsLivelocks() {
    Exploration.Result result = forwarding(relay().maxSteps(2), 1, 2, 3).run();

    result.assertNoViolation();
    assertThat(result.deepest()).isEqualTo(2);
    assertThat(result.depthBounded()).isPositive();
  }

  // ------------------------------------------------------------ what cannot be explored

  @Test
  void corruptionIsRefused() {
    assertThatThrownBy(() -> Exploration.of(relay().faults(FaultPlan.none().withCorrupt(0.2))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot honour this setting of its Simulation.Builder")
        .hasMessageContaining("faults(...) with corrupt = 0.2: the search has no branch for a garbled copy")
        .hasMessageContaining("test corruption with seeded runs (Simulations.forSeeds)");
  }

  @Test
  void journalFaultsAreRefused() {
    assertThatThrownBy(() -> Exploration.of(relay().storage(StorageFaults.NONE.withFailRate(0.1))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("storage(...) with journal faults: the search has no branches for a write's delay")
        .hasMessageContaining("test slow, failing and unforced journals with seeded runs");
  }

  @Test
  void linksCutFromTheStartAreRefused() {
    assertThatThrownBy(() -> Exploration.of(relay().faults(FaultPlan.none().withCut(true))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("faults(...) with cut = true: every link would be cut from the start")
        .hasMessageContaining("script the partition instead with setup(sim -> sim.nemesis(Duration.ZERO,");
  }

  @Test
  void aCertainLossIsRefused() {
    assertThatThrownBy(() -> Exploration.of(relay().faults(FaultPlan.none().withDrop(1))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("faults(...) with drop = 1.0: every message would be lost")
        .hasMessageContaining("use a drop probability below 1");
  }

  @Test
  void aCertainDuplicationIsRefused() {
    assertThatThrownBy(() -> Exploration.of(relay().faults(FaultPlan.none().withDuplicate(1))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("faults(...) with duplicate = 1.0: every message would arrive twice")
        .hasMessageContaining("use a duplicate probability below 1");
  }

  @Test
  void aSettingMadeAfterOfIsRefusedByRunWithEveryProblemInOneMessage() {
    Simulation.Builder<Object> group = relay();
    Exploration<Object> exploration = Exploration.of(group);
    group.faults(FaultPlan.none().withCorrupt(0.2).withCut(true));

    assertThatThrownBy(exploration::run)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot honour these settings of its Simulation.Builder")
        .hasMessageContaining("corrupt = 0.2")
        .hasMessageContaining("cut = true");
  }
}
