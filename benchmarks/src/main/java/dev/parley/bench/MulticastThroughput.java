package dev.parley.bench;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.multicast.CausalMulticast;
import dev.parley.protocols.multicast.Delivered;
import dev.parley.testkit.group.LocalGroup;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Causal-multicast deliveries per second in one JVM: every node of a group multicasts the same
 * number of messages at once, over fault-injecting links with no faults, until every node has
 * delivered every message.
 */
@Command(name = "multicast", mixinStandardHelpOptions = true,
    description = "Causal multicast deliveries per second for groups of 3 and 5 nodes in one JVM.")
final class MulticastThroughput implements Runnable {

  @Option(names = "--per-node", description = "multicasts per node per round (default ${DEFAULT-VALUE})")
  int perNode = 10_000;

  @Option(names = "--sizes", split = ",", description = "group sizes (default ${DEFAULT-VALUE})")
  List<Integer> sizes = List.of(3, 5);

  @Option(names = "--rounds", description = "measured rounds per size, after one warm-up (default ${DEFAULT-VALUE})")
  int rounds = 3;

  @Override
  public void run() {
    ActorTestKit kit = ActorTestKit.create("bench-multicast");
    try {
      System.out.printf("Causal multicast: %,d multicasts per node per round, median of %d rounds%n", perNode, rounds);
      Figures.machine();
      Figures.row("nodes", "multicasts", "deliveries", "deliveries per second");
      Figures.row("---", "---", "---", "---");
      for (int n : sizes) {
        round(kit, n);
        double[] rates = new double[rounds];
        for (int r = 0; r < rounds; r++) {
          rates[r] = round(kit, n);
        }
        long multicasts = (long) n * perNode;
        Figures.row(String.valueOf(n), String.format("%,d", multicasts),
            String.format("%,d", multicasts * n), Figures.perSecond(Figures.median(rates)));
      }
    } finally {
      kit.shutdownTestKit();
    }
  }

  private double round(ActorTestKit kit, int n) {
    long expected = (long) n * n * perNode;
    AtomicLong delivered = new AtomicLong();
    CompletableFuture<Long> done = new CompletableFuture<>();
    Behavior<Delivered> counter = Behaviors.receive(Delivered.class)
        .onAnyMessage(d -> {
          if (delivered.incrementAndGet() == expected) {
            done.complete(System.nanoTime());
          }
          return Behaviors.same();
        })
        .build();
    List<NodeId> nodes = IntStream.rangeClosed(1, n).mapToObj(NodeId::n).toList();
    try (LocalGroup<CausalMulticast.Command> group =
        new LocalGroup.Builder(kit, nodes, 1, g -> {})
            .start((peers, env, upcalls) -> Behaviors.setup(ctx ->
                CausalMulticast.create(peers, ctx.spawn(counter, "counter"))))) {
      List<ActorRef<CausalMulticast.Command>> refs = nodes.stream().map(group::node).toList();
      CausalMulticast.Multicast m = new CausalMulticast.Multicast("payload");
      long start = System.nanoTime();
      for (int i = 0; i < perNode; i++) {
        for (ActorRef<CausalMulticast.Command> ref : refs) {
          ref.tell(m);
        }
      }
      long end = done.get(5, TimeUnit.MINUTES);
      return expected / ((end - start) / 1e9);
    } catch (Exception e) {
      throw new IllegalStateException("the group did not deliver everything: " + e, e);
    }
  }
}
