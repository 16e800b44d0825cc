package dev.parley.bench;

import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.multicast.CausalMulticast;
import dev.parley.protocols.multicast.Delivered;
import dev.parley.protocols.multicast.MessageId;
import dev.parley.testkit.checker.DeliveryOrderChecker;
import dev.parley.testkit.sim.Exploration;
import dev.parley.testkit.sim.SimView;
import dev.parley.testkit.sim.Simulation;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * How fast the deterministic simulation runs on one thread: simulated message deliveries per second
 * (a token ring, the simulator's own cost; and causal multicast, a real protocol's), and how many
 * distinct states per second the bounded exhaustive exploration visits.
 */
@Command(name = "simulation", mixinStandardHelpOptions = true,
    description = "Simulated deliveries per second (one thread) and exploration states per second.")
final class SimulationSpeed implements Runnable {

  @Option(names = "--deliveries", description = "token-ring deliveries to simulate (default ${DEFAULT-VALUE})")
  int deliveries = 1_000_000;

  @Option(names = "--multicasts", description = "causal multicasts to simulate (default ${DEFAULT-VALUE})")
  int multicasts = 20_000;

  @Option(names = "--depth", description = "exploration depth bound (default ${DEFAULT-VALUE})")
  int depth = 10;

  private static final FaultPlan JITTER =
      FaultPlan.none().withDelay(Delay.uniform(Duration.ofMillis(1), Duration.ofMillis(5)));

  /** A token passed around the ring, {@code hops} more times. */
  record Token(int id, int hops) {}

  private static Behavior<Token> tokenRing(Peers<Token> peers) {
    return Behaviors.receive(Token.class)
        .onMessage(Token.class, t -> {
          if (t.hops() > 0) {
            peers.tell(peers.successor(), new Token(t.id(), t.hops() - 1));
          }
          return Behaviors.same();
        })
        .build();
  }

  @Override
  public void run() {
    System.out.println("Deterministic simulation, one thread");
    Figures.machine();
    Figures.row("workload", "deliveries", "seconds", "deliveries per second");
    Figures.row("---", "---", "---", "---");
    tokenRingRun(deliveries / 10); // warm-up
    tokenRingRun(deliveries);
    causalRun(multicasts / 10); // warm-up
    causalRun(multicasts);
    System.out.println();
    exploration();
  }

  private void tokenRingRun(int total) {
    int tokens = 50;
    Simulation<Token> sim = Simulation.<Token>builder(5, (peers, env, up) -> tokenRing(peers))
        .faults(JITTER).seed(1).build();
    for (int t = 0; t < tokens; t++) {
      sim.tell(NodeId.n(1 + t % 5), new Token(t, total / tokens));
    }
    timed("token ring, 5 nodes", sim, () -> sim.runUntilQuiescent(), total > deliveries / 10);
  }

  private void causalRun(int count) {
    Simulation<CausalMulticast.Command> sim = Simulation.<CausalMulticast.Command>builder(
            5, (peers, env, up) -> CausalMulticast.create(peers, up.narrow()))
        .faults(JITTER.withReorder(0.2)).seed(2).build();
    for (int i = 0; i < count; i++) {
      sim.tell(Duration.ofMillis(i), NodeId.n(1 + i % 5), new CausalMulticast.Multicast(i));
    }
    timed("causal multicast, 5 nodes, 1 multicast/ms", sim, () -> sim.runUntilQuiescent(),
        count > multicasts / 10);
  }

  private static void timed(String name, Simulation<?> sim, Runnable run, boolean print) {
    long start = System.nanoTime();
    run.run();
    double seconds = (System.nanoTime() - start) / 1e9;
    if (print) {
      Figures.row(name, String.format("%,d", sim.stats().delivered()), String.format("%.2f", seconds),
          Figures.perSecond(sim.stats().delivered() / seconds));
    }
  }

  /**
   * The same bound explored twice: breadth first with every enabled event taken at every state (the
   * search before partial-order reduction), then the default (sleep sets, depth first). Both are
   * warmed up first at a smaller depth, so that neither runs on colder code than the other.
   */
  private void exploration() {
    explore(false, depth - 3);
    explore(true, depth - 3);
    Exploration.Result plain = explore(false, depth);
    Exploration.Result reduced = explore(true, depth);
    System.out.printf("Exploration of causal multicast, 3 nodes x 1 multicast, duplicates, depth %d%n", depth);
    Figures.row("search", "states", "schedules replayed", "events replayed", "seconds", "states per second");
    Figures.row("---", "---", "---", "---", "---", "---");
    row("breadth first, every order", plain);
    row("partial-order reduction, depth first", reduced);
    System.out.printf("%nexhausting the bound: %.1fx faster%n",
        plain.wallTime().toNanos() / (double) reduced.wallTime().toNanos());
  }

  private Exploration.Result explore(boolean reduction, int bound) {
    Exploration.Result result = Exploration.of(Simulation.<CausalMulticast.Command>builder(
                3, (peers, env, up) -> CausalMulticast.create(peers, up.narrow())))
        .setup(sim -> {
          sim.tell(NodeId.n(1), new CausalMulticast.Multicast("a"));
          sim.tell(NodeId.n(2), new CausalMulticast.Multicast("b"));
          sim.tell(NodeId.n(3), new CausalMulticast.Multicast("c"));
        })
        .whenQuiescent("deliveries are causally ordered", SimulationSpeed::causallyOrdered)
        .duplicates(true)
        .partialOrderReduction(reduction)
        .depthFirst(reduction)
        .maxDepth(Math.max(bound, 1))
        .run();
    result.assertNoViolation();
    return result;
  }

  private static void row(String search, Exploration.Result result) {
    Figures.row(search, String.format("%,d", result.states()), String.format("%,d", result.replays()),
        String.format("%,d", result.transitions()), String.format("%.2f", result.wallTime().toMillis() / 1000.0),
        Figures.perSecond(result.statesPerSecond()));
  }

  private static boolean causallyOrdered(SimView view) {
    Map<NodeId, List<MessageId>> logs = new HashMap<>();
    for (NodeId n : view.nodes()) {
      logs.put(n, view.upcalls(n, Delivered.class).stream().map(Delivered::id).toList());
    }
    return DeliveryOrderChecker.causal(logs).valid();
  }
}
