package dev.parley.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.protocols.multicast.BasicMulticast;
import dev.parley.protocols.multicast.CausalMulticast;
import dev.parley.protocols.multicast.FifoMulticast;
import dev.parley.testkit.multicast.MulticastInvariants;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The partial-order reduction and the depth-first search change what an exploration costs, not
 * what it finds. Each protocol here is explored three ways: breadth first without the reduction
 * (every enabled event taken at every state), breadth first with it, and depth first with it (the
 * default). All three reach the same verdict; with the reduction fewer schedules are replayed;
 * where nothing fails, all three visit exactly the same states; where something fails, all three
 * report a counterexample of the same (shortest) length.
 */
class ExplorationReductionSpec {

  private static final NodeId N1 = NodeId.n(1);
  private static final NodeId N2 = NodeId.n(2);
  private static final NodeId N3 = NodeId.n(3);

  /** One exploration's outcome, and the fingerprints of the states it visited. */
  private record Outcome(Exploration.Result result, Set<Long> states) {}

  private static Outcome run(Exploration<?> exploration, boolean reduction, boolean depthFirst) {
    Exploration.Result result = exploration.partialOrderReduction(reduction).depthFirst(depthFirst).run();
    return new Outcome(result, new HashSet<>(exploration.visitedStates()));
  }

  /** Explores three ways and checks they agree; returns today's search, the reduced BFS and the default. */
  private static List<Outcome> compare(Supplier<Exploration<?>> exploration) {
    Outcome plain = run(exploration.get(), false, false);
    Outcome reduced = run(exploration.get(), true, false);
    Outcome fast = run(exploration.get(), true, true);
    System.out.println("[reduction] plain:   " + plain.result());
    System.out.println("[reduction] reduced: " + reduced.result());
    System.out.println("[reduction] default: " + fast.result());
    for (Outcome o : List.of(reduced, fast)) {
      assertThat(o.result().violation().isPresent()).as("same verdict").isEqualTo(plain.result().violation().isPresent());
      assertThat(o.result().replays()).as("fewer replays").isLessThan(plain.result().replays());
      if (plain.result().violation().isEmpty()) {
        assertThat(o.result().complete()).isEqualTo(plain.result().complete());
        assertThat(o.states()).as("the same states").isEqualTo(plain.states());
        assertThat(o.result().states()).isEqualTo(plain.result().states());
      } else {
        Exploration.Counterexample expected = plain.result().violation().get();
        Exploration.Counterexample found = o.result().violation().get();
        assertThat(found.steps()).as("a shortest counterexample").hasSameSizeAs(expected.steps());
        assertThat(firstLine(found.failure())).isEqualTo(firstLine(expected.failure()));
      }
    }
    return List.of(plain, reduced, fast);
  }

  private static String firstLine(String s) {
    return s.lines().findFirst().orElse("");
  }

  // ------------------------------------------------------------ causal multicast

  @Test
  void causalMulticastWithDuplicatesHoldsEitherWay() {
    List<Outcome> outcomes = compare(() -> Exploration.of(
            Simulation.<CausalMulticast.Command>builder(
                    3, (peers, env, upcalls) -> CausalMulticast.create(peers, upcalls.narrow()))
                .freshInvariant(MulticastInvariants::causal))
        .setup(sim -> {
          sim.tell(N1, new CausalMulticast.Multicast("a"));
          sim.tell(N2, new CausalMulticast.Multicast("b"));
          sim.tell(N3, new CausalMulticast.Multicast("c"));
        })
        .duplicates(true)
        .maxDepth(7));

    assertThat(outcomes.get(0).result().violation()).isEmpty();
    assertThat(outcomes.get(0).result().complete()).isTrue();
    assertThat(outcomes.get(1).result().slept()).as("transitions the reduction skipped").isPositive();
    assertThat(outcomes.get(1).result().pruned()).as("no order of independent events is tried twice")
        .isLessThan(outcomes.get(0).result().pruned());
  }

  @Test
  void basicMulticastBreaksCausalOrderEitherWay() {
    List<Outcome> outcomes = compare(() -> Exploration.of(
            Simulation.<BasicMulticast.Command>builder(
                    3, (peers, env, upcalls) -> BasicMulticast.create(peers, upcalls.narrow()))
                .freshInvariant(MulticastInvariants::causal))
        .setup(sim -> {
          sim.tell(N1, new BasicMulticast.Multicast("a"));
          sim.tell(N2, new BasicMulticast.Multicast("b"));
        })
        .maxDepth(8));

    Exploration.Counterexample plain = outcomes.get(0).result().violation().orElseThrow();
    assertThat(plain.failure()).contains("causal order violated at n3");
    assertThat(outcomes.get(2).result().violation().orElseThrow().steps())
        .as("the depth-first search reports the breadth-first counterexample")
        .isEqualTo(plain.steps());
  }

  // ------------------------------------------------------------ FIFO order over links that reorder

  @Test
  void fifoMulticastKeepsEachSendersOrderEitherWay() {
    compare(() -> Exploration.of(
            Simulation.<FifoMulticast.Command>builder(
                    3, (peers, env, upcalls) -> FifoMulticast.create(peers, upcalls.narrow()))
                .freshInvariant(MulticastInvariants::perSender))
        .setup(sim -> {
          sim.tell(N1, new FifoMulticast.Multicast("a1"));
          sim.tell(N1, new FifoMulticast.Multicast("a2"));
          sim.tell(N2, new FifoMulticast.Multicast("b1"));
        })
        .maxDepth(8));
  }

  @Test
  void basicMulticastBreaksEachSendersOrderEitherWay() {
    List<Outcome> outcomes = compare(() -> Exploration.of(
            Simulation.<BasicMulticast.Command>builder(
                    3, (peers, env, upcalls) -> BasicMulticast.create(peers, upcalls.narrow()))
                .freshInvariant(MulticastInvariants::perSender))
        .setup(sim -> {
          sim.tell(N1, new BasicMulticast.Multicast("a1"));
          sim.tell(N1, new BasicMulticast.Multicast("a2"));
          sim.tell(N2, new BasicMulticast.Multicast("b1"));
        })
        .maxDepth(8));

    assertThat(outcomes.get(0).result().violation()).isPresent();
  }

  // ------------------------------------------------------------ crashes and a scripted partition

  @Test
  void crashesAndAPartitionAreExploredAlikeEitherWay() {
    List<Outcome> outcomes = compare(() -> Exploration.of(
            Simulation.<CausalMulticast.Command>builder(
                    3, (peers, env, upcalls) -> CausalMulticast.create(peers, upcalls.narrow()))
                .freshInvariant(MulticastInvariants::causal))
        .setup(sim -> {
          sim.tell(N1, new CausalMulticast.Multicast("a"));
          sim.tell(N2, new CausalMulticast.Multicast("b"));
          sim.nemesis(Duration.ofMillis(1), NemesisCommand.Partition.parse("n1/n2,n3"));
          sim.nemesis(Duration.ofMillis(2), new NemesisCommand.Heal());
        })
        .crashes(1)
        .maxDepth(7));

    assertThat(outcomes.get(0).result().violation()).isEmpty();
    assertThat(outcomes.get(0).result().complete()).isTrue();
  }

  // ------------------------------------------------------------ timers: retransmission over lossy links

  /** Downcall: send {@code body} to {@code to} until it is acknowledged. */
  record Send(NodeId to, String body) {}

  record Data(NodeId from, String body) {}

  record Ack(NodeId from, String body) {}

  /** Upcall: {@code body} arrived. */
  record Received(String body) {}

  record Retry(NodeId to, String body) {}

  /**
   * Sends each message until it is acknowledged, retrying on a timer; a receiver acknowledges every
   * copy, and passes a copy up once ({@code dedupe}) or every time (the planted bug: a lost
   * acknowledgement makes it pass the message up twice).
   */
  private static Behavior<Object> retransmitting(Peers<Object> peers, ActorRef<Object> upcalls, boolean dedupe) {
    Duration retry = Duration.ofMillis(10);
    Set<String> seen = new HashSet<>();
    return Behaviors.withTimers(timers -> Behaviors.receive(Object.class)
        .onMessage(Send.class, s -> {
          peers.tell(s.to(), new Data(peers.self(), s.body()));
          timers.startSingleTimer(s.body(), new Retry(s.to(), s.body()), retry);
          return Behaviors.same();
        })
        .onMessage(Retry.class, r -> {
          peers.tell(r.to(), new Data(peers.self(), r.body()));
          timers.startSingleTimer(r.body(), r, retry);
          return Behaviors.same();
        })
        .onMessage(Ack.class, a -> {
          timers.cancel(a.body());
          return Behaviors.same();
        })
        .onMessage(Data.class, d -> {
          if (seen.add(d.body()) || !dedupe) {
            upcalls.tell(new Received(d.body()));
          }
          peers.tell(d.from(), new Ack(peers.self(), d.body()));
          return Behaviors.same();
        })
        .build());
  }

  private static Exploration<?> retransmission(boolean dedupe) {
    return Exploration.of(Simulation.<Object>builder(3,
            (peers, env, upcalls) -> retransmitting(peers, upcalls, dedupe)))
        .setup(sim -> {
          sim.tell(N1, new Send(N2, "x"));
          sim.tell(N1, new Send(N3, "y"));
        })
        .invariant("nothing is passed up twice", v -> v.nodes().stream()
            .allMatch(n -> Set.copyOf(v.upcalls(n)).size() == v.upcalls(n).size()))
        .drops(true)
        .maxDepth(8);
  }

  @Test
  void retransmissionWithDeduplicationPassesEachMessageUpOnceEitherWay() {
    List<Outcome> outcomes = compare(() -> retransmission(true));

    assertThat(outcomes.get(0).result().violation()).isEmpty();
  }

  @Test
  void retransmissionWithoutDeduplicationPassesAMessageUpTwiceEitherWay() {
    List<Outcome> outcomes = compare(() -> retransmission(false));

    assertThat(outcomes.get(0).result().violation().orElseThrow().steps())
        .as("the retry fires before the first copy arrives")
        .containsExactly(
            "client -> n1: Send[to=n2, body=x]",
            "timer n1: Retry[to=n2, body=x]",
            "deliver n1 -> n2: Data[from=n1, body=x]",
            "deliver n1 -> n2: Data[from=n1, body=x]");
  }
}
