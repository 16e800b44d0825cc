package dev.parley.testkit.byzantine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.byzantine.ByzantineRuns;
import dev.parley.protocols.byzantine.ByzantineRuns.Algorithm;
import dev.parley.protocols.byzantine.ByzantineRuns.Run;
import dev.parley.protocols.byzantine.ByzantineRuns.Verdict;
import dev.parley.protocols.byzantine.OralMessages;
import dev.parley.protocols.byzantine.Traitor;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Byzantine agreement runs as the cluster's {@code oral-messages} and {@code signed-messages} kinds
 * coordinate them (the two-step start, the reports, the verdict at the node asked), in the
 * simulation: over seeds, with traitors drawn per seed, message delays and duplicates within the
 * synchronous model, the verdict shows agreement and validity wherever the algorithm promises them,
 * OM's failure for n = 3, and a run outside the model (lost messages) answered, a node whose report was lost named silent.
 */
class ByzantineRunsSpec {

  static final Duration ROUND = Duration.ofMillis(50);
  /** Within the model: every message arrives within the round, some twice. */
  static final FaultPlan SYNCHRONOUS =
      FaultPlan.NONE.withDelay(Delay.uniform(Duration.ofMillis(1), Duration.ofMillis(15))).withDuplicate(0.2);

  static Simulation<ByzantineRuns.Command> group(int n, Algorithm algorithm, long seed, FaultPlan faults) {
    ByzantineRuns.Settings settings = new ByzantineRuns.Settings(algorithm, ROUND, Duration.ofMillis(200), 42);
    return Simulation.<ByzantineRuns.Command>builder(n, (peers, env, upcalls) ->
            ByzantineRuns.create(peers, settings, upcalls))
        .seed(seed).faults(faults).build();
  }

  /** Asks {@code at} for run {@code id} and returns its verdict, which must come. */
  static Verdict decide(Simulation<ByzantineRuns.Command> sim, NodeId at, long id, int value, List<NodeId> traitors,
      Traitor behavior, int m) {
    sim.tell(at, new Run(id, at, value, traitors, behavior, m, Run.CONFIGURED_ROUND));
    sim.runFor(Duration.ofMillis(400).plus(ROUND.multipliedBy(m + 6)));
    List<Verdict> verdicts = sim.upcalls(at, Verdict.class).stream().filter(v -> v.run() == id).toList();
    assertThat(verdicts).as("run %d answered once at %s (seed %d)", id, at, sim.seed()).hasSize(1);
    return verdicts.get(0);
  }

  static List<NodeId> draw(Random random, int n, int count) {
    List<NodeId> nodes = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      nodes.add(NodeId.n(i));
    }
    Collections.shuffle(nodes, random);
    return List.copyOf(nodes.subList(0, count));
  }

  static void assertHeld(Verdict v, long seed) {
    assertThat(v.synchronyHeld()).as("seed %d: within the model: %s", seed, v).isTrue();
    assertThat(v.agreement()).as("seed %d: agreement: %s", seed, v).isTrue();
    assertThat(Boolean.FALSE.equals(v.validity())).as("seed %d: validity (null: traitorous commander): %s", seed, v)
        .isFalse();
  }

  @Test
  void loyalOralMessagesTakeTheFormulasMessagesAndFollowTheCommander() {
    Simulation<ByzantineRuns.Command> sim = group(4, Algorithm.ORAL, 1, SYNCHRONOUS.withDuplicate(0));
    Verdict v = decide(sim, NodeId.n(3), 1, 1, List.of(), Traitor.LIE, 1);
    assertHeld(v, 1);
    assertThat(v.decisions()).containsOnlyKeys(NodeId.n(2), NodeId.n(3), NodeId.n(4)).containsValues("attack");
    assertThat(v.messages()).isEqualTo(OralMessages.messageCount(4, 1));
    assertThat(v.algorithm()).isEqualTo("OM(1)");
  }

  @Test
  void oralMessagesAgreeWithOneTraitorOfFourAndTwoOfSevenOverSeeds() {
    Simulations.forSeeds(1, 30, seed -> {
      Random random = new Random(seed);
      Traitor behavior = Traitor.values()[random.nextInt(3)];
      int value = random.nextInt(2);
      assertHeld(decide(group(4, Algorithm.ORAL, seed, SYNCHRONOUS), NodeId.n(1 + random.nextInt(4)), seed, value,
          draw(random, 4, 1), behavior, 1), seed);
      assertHeld(decide(group(7, Algorithm.ORAL, seed, SYNCHRONOUS), NodeId.n(1 + random.nextInt(7)), seed, value,
          draw(random, 7, 2), behavior, 2), seed);
    });
  }

  @Test
  void signedMessagesAgreeWhereOralMessagesCannot() {
    AtomicInteger omFailed = new AtomicInteger();
    Simulations.forSeeds(1, 30, seed -> {
      Random random = new Random(seed);
      List<NodeId> traitor = draw(random, 3, 1);
      int value = random.nextInt(2);
      Verdict sm = decide(group(3, Algorithm.SIGNED, seed, SYNCHRONOUS), NodeId.n(3), seed, value, traitor,
          Traitor.CONFLICTING, 1);
      assertHeld(sm, seed);
      assertThat(sm.algorithm()).isEqualTo("SM(1)");
      Verdict om = decide(group(3, Algorithm.ORAL, seed, SYNCHRONOUS), NodeId.n(3), seed, value, traitor,
          Traitor.CONFLICTING, 1);
      assertThat(om.synchronyHeld()).isTrue();
      if (!om.agreement() || Boolean.FALSE.equals(om.validity())) {
        omFailed.incrementAndGet();
      }
      // SM for n = 4 with two traitors: n >= m + 2 suffices
      assertHeld(decide(group(4, Algorithm.SIGNED, seed, SYNCHRONOUS), NodeId.n(2), seed, value, draw(random, 4, 2),
          Traitor.LIE, 2), seed);
    });
    assertThat(omFailed.get()).as("runs of OM(1) among 3 nodes that one traitor broke").isPositive();
  }

  @Test
  void runsAskedAtDifferentNodesAtOnceKeepApart() {
    Simulation<ByzantineRuns.Command> sim = group(4, Algorithm.ORAL, 7, SYNCHRONOUS);
    sim.tell(NodeId.n(2), new Run(1, NodeId.n(2), 1, List.of(NodeId.n(4)), Traitor.LIE, 1, Run.CONFIGURED_ROUND));
    sim.tell(NodeId.n(4), new Run(2, NodeId.n(4), 0, List.of(NodeId.n(1)), Traitor.CONFLICTING, 1, 30));
    sim.runFor(Duration.ofSeconds(1));
    Verdict attack = sim.upcalls(NodeId.n(2), Verdict.class).get(0);
    Verdict traitorous = sim.upcalls(NodeId.n(4), Verdict.class).get(0);
    assertHeld(attack, 7);
    assertThat(attack.decisions()).containsEntry(NodeId.n(2), "attack").containsEntry(NodeId.n(3), "attack");
    assertHeld(traitorous, 7);
    assertThat(traitorous.validity()).isNull();
  }

  @Test
  void aRunOutsideTheModelIsAnsweredAndSaysSo() {
    AtomicInteger outside = new AtomicInteger();
    Simulations.forSeeds(1, 20, seed -> {
      Verdict v = decide(group(4, Algorithm.ORAL, seed, SYNCHRONOUS.withDrop(0.2)), NodeId.n(2), seed, 1, List.of(),
          Traitor.LIE, 1);
      if (!v.silentNodes().isEmpty()) {
        assertThat(v.synchronyHeld()).isFalse();
        outside.incrementAndGet();
      }
      assertThat(v.decisions()).as("every lieutenant accounted for").hasSize(3);
    });
    assertThat(outside.get()).as("runs whose reports were lost, answered without them").isPositive();
  }
}
