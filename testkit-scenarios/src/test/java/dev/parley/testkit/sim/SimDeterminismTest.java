package dev.parley.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.multicast.CausalMulticast;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SimDeterminismTest {

  private static Simulation<CausalMulticast.Command> run(long seed) {
    Simulation<CausalMulticast.Command> sim =
        SimCausalMulticastTest.causal(4).seed(seed).tracing(true).build();
    Workloads.randomMulticasts(sim, 99, 5, CausalMulticast.MULTICAST);
    return sim.runUntilQuiescent();
  }

  @Test
  void theSameSeedReplaysTheIdenticalTrace() {
    Simulation<CausalMulticast.Command> first = run(42);
    Simulation<CausalMulticast.Command> second = run(42);

    assertThat(first.trace().events()).hasSizeGreaterThan(100);
    assertThat(second.trace().events()).isEqualTo(first.trace().events());
    assertThat(second.trace().fingerprint()).isEqualTo(first.trace().fingerprint());
    for (NodeId node : first.nodes()) {
      assertThat(second.upcalls(node)).isEqualTo(first.upcalls(node));
    }
    assertThat(second.elapsed()).isEqualTo(first.elapsed());
  }

  /** A node greets its successor with its own reference; a greeted node answers to it. */
  record Greet() {}

  record Hello(ActorRef<Object> from) {}

  record Answer(NodeId by) {}

  private static Behavior<Object> greeter(Peers<Object> peers, ActorRef<Object> upcalls) {
    return Behaviors.setup(
        ctx ->
            Behaviors.receive(Object.class)
                .onMessage(
                    Greet.class,
                    g -> {
                      peers.tell(peers.successor(), new Hello(ctx.getSelf()));
                      return Behaviors.same();
                    })
                .onMessage(
                    Hello.class,
                    h -> {
                      h.from().tell(new Answer(peers.self()));
                      return Behaviors.same();
                    })
                .onMessage(
                    Answer.class,
                    a -> {
                      upcalls.tell(a);
                      return Behaviors.same();
                    })
                .build());
  }

  private static Simulation<Object> greetings() {
    Simulation<Object> sim =
        Simulation.<Object>builder(3, (peers, env, upcalls) -> greeter(peers, upcalls))
            .seed(7)
            .tracing(true)
            .build();
    for (NodeId node : sim.nodes()) {
      sim.tell(Duration.ofMillis(1), node, new Greet());
    }
    sim.restart(Duration.ofMillis(50), NodeId.n(2));
    sim.tell(Duration.ofMillis(60), NodeId.n(2), new Greet());
    return sim.runUntilQuiescent();
  }

  @Test
  void actorReferencesInMessagesPrintTheSameInEveryRun() {
    Simulation<Object> first = greetings();
    Simulation<Object> second = greetings();

    assertThat(first.trace().events())
        .anySatisfy(e -> assertThat(e.message()).startsWith("Hello[from=Actor[").doesNotContain("#"));
    assertThat(second.trace().events()).isEqualTo(first.trace().events());
    assertThat(second.upcalls(NodeId.n(3))).isEqualTo(first.upcalls(NodeId.n(3))).isNotEmpty();
  }

  @Test
  void anExplorationsStepsPrintActorReferencesAsEveryRunDoes() {
    Exploration.Result result =
        Exploration.of(Simulation.<Object>builder(2, (peers, env, upcalls) -> greeter(peers, upcalls)))
            .setup(
                sim -> {
                  sim.tell(NodeId.n(1), new Greet());
                  sim.tell(NodeId.n(2), new Greet());
                })
            .invariant("nobody is answered", v -> v.upcalls(NodeId.n(1)).isEmpty())
            .maxDepth(8)
            .run();

    assertThat(result.violation()).isPresent();
    assertThat(result.violation().get().steps())
        .contains("deliver n1 -> n2: Hello[from=Actor[akka://StubbedActorContext/user/n1]]")
        .noneMatch(step -> step.contains("#"));
  }

  @Test
  void differentSeedsGiveDifferentInterleavingsOfTheSameWorkload() {
    Set<Long> fingerprints = new HashSet<>();
    Set<List<Object>> ordersAtN4 = new HashSet<>();
    for (long seed = 1; seed <= 5; seed++) {
      Simulation<CausalMulticast.Command> sim = run(seed);
      fingerprints.add(sim.trace().fingerprint());
      ordersAtN4.add(new ArrayList<>(sim.upcalls(NodeId.n(4))));
    }
    assertThat(fingerprints).hasSize(5);
    assertThat(ordersAtN4).hasSizeGreaterThan(1);
  }

  @Test
  void theSeedPropertyRunsOnlyThatSeed() {
    List<Long> ran = new ArrayList<>();
    String before = System.getProperty(Simulations.SEED_PROPERTY);
    System.setProperty(Simulations.SEED_PROPERTY, "1234");
    try {
      Simulations.SeedReport report = Simulations.forSeeds(1, 100, ran::add);
      assertThat(ran).containsExactly(1234L);
      assertThat(report.count()).isEqualTo(1);
    } finally {
      if (before == null) {
        System.clearProperty(Simulations.SEED_PROPERTY);
      } else {
        System.setProperty(Simulations.SEED_PROPERTY, before);
      }
    }
  }
}
