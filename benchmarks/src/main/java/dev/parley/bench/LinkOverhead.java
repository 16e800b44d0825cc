package dev.parley.bench;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.link.FaultyLink;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Messages per second from one sender to one receiving actor, through a direct reference and
 * through a fault-injecting link with no faults configured, alternating in the same run; the ratio
 * is the link's overhead.
 */
@Command(name = "links", mixinStandardHelpOptions = true,
    description = "Throughput through a direct reference vs a fault-injecting link with no faults.")
final class LinkOverhead implements Runnable {

  @Option(names = "--messages", description = "messages per round (default ${DEFAULT-VALUE})")
  int messages = 500_000;

  @Option(names = "--rounds", description = "measured rounds per path (default ${DEFAULT-VALUE})")
  int rounds = 5;

  @Option(names = "--warmup", description = "unmeasured rounds per path first (default ${DEFAULT-VALUE})")
  int warmup = 3;

  private record Expect(long count, CompletableFuture<Long> done) {}

  /** Counts what arrives and completes the current round's future at its count. */
  private static Behavior<Object> sink() {
    return Behaviors.setup(ctx -> {
      long[] seen = {0};
      Expect[] round = {null};
      return Behaviors.receive(Object.class)
          .onMessage(Expect.class, e -> {
            seen[0] = 0;
            round[0] = e;
            return Behaviors.same();
          })
          .onAnyMessage(m -> {
            if (++seen[0] == round[0].count()) {
              round[0].done().complete(System.nanoTime());
            }
            return Behaviors.same();
          })
          .build();
    });
  }

  @Override
  public void run() {
    ActorTestKit kit = ActorTestKit.create("bench-links");
    try {
      ActorRef<Object> sink = kit.spawn(sink(), "sink");
      ActorRef<Object> link = kit.spawn(
          FaultyLink.create(NodeId.of("a"), NodeId.of("b"), sink, FaultPlan.NONE, new Random(1)), "link");
      for (int i = 0; i < warmup; i++) {
        round(sink, sink);
        round(sink, link);
      }
      double[] direct = new double[rounds];
      double[] viaLink = new double[rounds];
      for (int i = 0; i < rounds; i++) {
        direct[i] = round(sink, sink);
        viaLink[i] = round(sink, link);
      }
      double d = Figures.median(direct);
      double l = Figures.median(viaLink);
      System.out.printf("Link overhead: %,d messages per round, median of %d rounds%n", messages, rounds);
      Figures.machine();
      Figures.row("path", "messages per second");
      Figures.row("---", "---");
      Figures.row("direct reference", Figures.perSecond(d));
      Figures.row("fault-injecting link, no faults", Figures.perSecond(l));
      Figures.row("link / direct", String.format("%.2f", l / d));
    } finally {
      kit.shutdownTestKit();
    }
  }

  private double round(ActorRef<Object> sink, ActorRef<Object> entry) {
    CompletableFuture<Long> done = new CompletableFuture<>();
    sink.tell(new Expect(messages, done));
    Integer payload = 42;
    long start = System.nanoTime();
    for (int i = 0; i < messages; i++) {
      entry.tell(payload);
    }
    try {
      long end = done.get(2, TimeUnit.MINUTES);
      return messages / ((end - start) / 1e9);
    } catch (Exception e) {
      throw new IllegalStateException("round did not complete: " + e, e);
    }
  }
}
