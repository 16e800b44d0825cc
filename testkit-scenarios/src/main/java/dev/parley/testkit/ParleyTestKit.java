package dev.parley.testkit;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.persistence.testkit.PersistenceTestKitPlugin;
import akka.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import com.typesafe.config.ConfigFactory;
import dev.parley.protocols.core.NodeId;
import dev.parley.testkit.group.LocalGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * The JUnit 5 extension specs are written with: one Akka {@link ActorTestKit} per spec class, and
 * groups of nodes over fault-injecting links that are shut down after each test.
 *
 * <pre>{@code
 * class MySpec {
 *   @RegisterExtension static final ParleyTestKit parley = new ParleyTestKit();
 *
 *   @Test void everyoneDelivers() {
 *     var group = parley.group(5).links(LinkStack.faulty().reliable())
 *         .start((peers, env, upcalls) -> CausalMulticast.create(peers, upcalls.narrow()));
 *     ...
 *   }
 * }
 * }</pre>
 *
 * <p>Event-sourced protocols journal to Akka's in-memory persistence testkit, which outlives a
 * node's crash and restart within the test (a restarted node recovers what it persisted). A group
 * built with storage faults ({@code .storage(StorageFaults)}) runs instead in an actor system of its
 * own, made from this kit's configuration with Parley's faulty journal in place of the testkit's.
 *
 * <p>Seeds: a group's links draw their faults from its seed, {@code -Dparley.seed=N} if given, else
 * 1. When a test fails, the seeds of its groups are printed with the line that replays them.
 */
public final class ParleyTestKit implements AfterEachCallback, AfterAllCallback, TestWatcher {

  private final ActorTestKit kit =
      ActorTestKit.create(
          PersistenceTestKitPlugin.getInstance().config()
              .withFallback(PersistenceTestKitSnapshotPlugin.getInstance().config())
              .withFallback(ConfigFactory.load()));
  private final List<LocalGroup<?>> open = new ArrayList<>();
  private final List<Long> lastSeeds = new ArrayList<>();

  /** The underlying Akka test kit (for probes, or spawning actors of your own). */
  public ActorTestKit actorTestKit() {
    return kit;
  }

  /** The seed given with {@code -Dparley.seed}, else 1. */
  public static long defaultSeed() {
    return Long.getLong("parley.seed", 1L);
  }

  /** A group of nodes {@code n1..nN}. */
  public LocalGroup.Builder group(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("a group needs at least one node, asked for " + n);
    }
    return group(IntStream.rangeClosed(1, n).mapToObj(NodeId::n).toList());
  }

  /** A group of the given nodes. */
  public LocalGroup.Builder group(List<NodeId> nodes) {
    return new LocalGroup.Builder(kit, nodes, defaultSeed(), this::opened);
  }

  private synchronized void opened(LocalGroup<?> group) {
    open.add(group);
  }

  @Override
  public synchronized void afterEach(ExtensionContext context) {
    lastSeeds.clear();
    for (LocalGroup<?> group : open) {
      lastSeeds.add(group.seed());
      group.close();
    }
    open.clear();
  }

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    for (long seed : lastSeeds) {
      System.err.printf(
          "%s failed with a group seeded %d; replay with: mvn test -Dtest=%s#%s -Dparley.seed=%d%n",
          context.getDisplayName(),
          seed,
          context.getRequiredTestClass().getSimpleName(),
          context.getRequiredTestMethod().getName(),
          seed);
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    kit.shutdownTestKit();
  }
}
