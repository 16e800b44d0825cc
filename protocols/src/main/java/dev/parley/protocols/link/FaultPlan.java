package dev.parley.protocols.link;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.parley.protocols.core.WireMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;

/**
 * What a link does to each message passing through it: a pure, seeded decision shared by the
 * fault-injecting link actor ({@link FaultyLink}) and the deterministic simulation, so a fault means
 * the same thing in a spec, a simulation and on a cluster.
 *
 * <p>Per message, in this order: a cut link loses it; otherwise it is lost with probability {@code
 * drop}; otherwise it is delivered once, or twice with probability {@code duplicate}; every copy
 * waits a sample of {@code delay}, plus with probability {@code reorder} an extra uniform wait of up
 * to {@code reorderWindow} (so later messages overtake it), and is garbled with probability {@code
 * corrupt}.
 *
 * @param drop probability in [0, 1] that a message is lost
 * @param duplicate probability in [0, 1] that a delivered message arrives twice
 * @param reorder probability in [0, 1] that a copy is held back so later messages overtake it
 * @param corrupt probability in [0, 1] that a copy is garbled ({@link Corruptible}) or else discarded
 * @param delay the delay of every copy
 * @param reorderWindow the longest extra wait of a held-back copy
 * @param cut whether the link is cut (a partition): nothing passes
 */
public record FaultPlan(
    double drop,
    double duplicate,
    double reorder,
    double corrupt,
    Delay delay,
    Duration reorderWindow,
    boolean cut)
    implements WireMessage {

  /** The default window within which a reordered message is held back. */
  public static final Duration DEFAULT_REORDER_WINDOW = Duration.ofMillis(20);

  /** A link that delivers everything once, at once, in order. */
  public static final FaultPlan NONE =
      new FaultPlan(0, 0, 0, 0, Delay.none(), DEFAULT_REORDER_WINDOW, false);

  public FaultPlan {
    requireProbability("drop", drop);
    requireProbability("duplicate", duplicate);
    requireProbability("reorder", reorder);
    requireProbability("corrupt", corrupt);
    Objects.requireNonNull(delay, "delay");
    Objects.requireNonNull(reorderWindow, "reorderWindow");
    if (reorderWindow.isNegative()) {
      throw new IllegalArgumentException(
          "reorder window must not be negative, got " + reorderWindow.toMillis() + " ms");
    }
  }

  public static FaultPlan none() {
    return NONE;
  }

  public FaultPlan withDrop(double p) {
    return new FaultPlan(p, duplicate, reorder, corrupt, delay, reorderWindow, cut);
  }

  public FaultPlan withDuplicate(double p) {
    return new FaultPlan(drop, p, reorder, corrupt, delay, reorderWindow, cut);
  }

  public FaultPlan withReorder(double p) {
    return new FaultPlan(drop, duplicate, p, corrupt, delay, reorderWindow, cut);
  }

  public FaultPlan withReorder(double p, Duration window) {
    return new FaultPlan(drop, duplicate, p, corrupt, delay, window, cut);
  }

  public FaultPlan withCorrupt(double p) {
    return new FaultPlan(drop, duplicate, reorder, p, delay, reorderWindow, cut);
  }

  public FaultPlan withDelay(Delay d) {
    return new FaultPlan(drop, duplicate, reorder, corrupt, d, reorderWindow, cut);
  }

  public FaultPlan withCut(boolean c) {
    return new FaultPlan(drop, duplicate, reorder, corrupt, delay, reorderWindow, c);
  }

  /** Whether this plan can lose a message (a cut, a drop, or corruption of a plain message). */
  @JsonIgnore
  public boolean isLossy() {
    return cut || drop > 0 || corrupt > 0;
  }

  /** Whether this plan delivers every message once, at once: the link only forwards. */
  @JsonIgnore
  public boolean isPerfect() {
    return !cut && drop == 0 && duplicate == 0 && reorder == 0 && corrupt == 0 && delay.max().isZero();
  }

  /** One copy of a message on its way: when it arrives and whether it arrives garbled. */
  public record Delivery(Duration delay, boolean corrupted) {}

  /**
   * The fate of one message: the copies that will arrive (none if it is lost). Draws from {@code
   * random}, so the same seed gives the same fates.
   */
  public List<Delivery> fate(Random random) {
    if (cut || (drop > 0 && random.nextDouble() < drop)) {
      return List.of();
    }
    int copies = duplicate > 0 && random.nextDouble() < duplicate ? 2 : 1;
    List<Delivery> out = new ArrayList<>(copies);
    for (int i = 0; i < copies; i++) {
      Duration d = delay.sample(random);
      if (reorder > 0 && random.nextDouble() < reorder) {
        d = d.plusNanos((long) (random.nextDouble() * reorderWindow.toNanos()) + 1);
      }
      boolean garbled = corrupt > 0 && random.nextDouble() < corrupt;
      out.add(new Delivery(d, garbled));
    }
    return out;
  }

  private static void requireProbability(String what, double p) {
    if (!(p >= 0.0 && p <= 1.0)) {
      throw new IllegalArgumentException(what + " probability must be within 0..1, got " + p);
    }
  }
}
