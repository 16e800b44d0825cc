package dev.parley.testkit.replication;

import static org.assertj.core.api.Assertions.fail;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.replication.KvRequest;
import dev.parley.protocols.replication.Put;
import dev.parley.protocols.replication.RequestId;
import dev.parley.testkit.sim.Simulation;
import java.time.Duration;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A key-value store grown well past Artery's frame, for the specs of state transfers: {@link #VALUES}
 * values of {@link #VALUE_BYTES} (about 400 KiB), put through a protocol's entry node with fixed
 * request ids, so a retry is applied once.
 */
final class LargeState {

  /** Artery's maximum frame size, by default. */
  static final int FRAME = 256 * 1024;

  static final int VALUES = 24;
  static final int VALUE_BYTES = 16 * 1024;

  private LargeState() {}

  /** The large values of a run seeded {@code seed}: random letters. */
  static String[] values(long seed) {
    Random random = new Random(seed);
    String[] values = new String[VALUES];
    for (int i = 0; i < VALUES; i++) {
      StringBuilder v = new StringBuilder(VALUE_BYTES);
      for (int c = 0; c < VALUE_BYTES; c++) {
        v.append((char) ('a' + random.nextInt(26)));
      }
      values[i] = v.toString();
    }
    return values;
  }

  /**
   * Puts the values as keys {@code big-0..}, at the node {@code entry} names each attempt, until {@code
   * holdsAll} (at most ten attempts of two seconds).
   */
  static <C> void fill(Simulation<C> sim, Supplier<NodeId> entry, Function<KvRequest, C> request,
      Predicate<Simulation<C>> holdsAll) {
    String[] values = values(sim.seed());
    for (int attempt = 0; attempt < 10; attempt++) {
      NodeId at = entry.get();
      for (int i = 0; i < VALUES; i++) {
        sim.tell(sim.elapsed().plusMillis(i), at, request.apply(new Put(new RequestId("loader", i + 1), "big-" + i,
            values[i])));
      }
      sim.runFor(Duration.ofSeconds(2));
      if (holdsAll.test(sim)) {
        return;
      }
    }
    fail("the store never held the %d large values", VALUES);
  }
}
