package dev.parley.testkit.sim;

import dev.parley.protocols.link.FaultPlan;
import java.util.ArrayList;
import java.util.List;

/**
 * What an {@link Exploration} takes from the {@link Simulation.Builder} it explores, combined with
 * the exploration's own setters (an explicit setter wins over the builder):
 *
 * <ul>
 *   <li>{@code fifoLinks}: only the oldest message of each link is enabled;
 *   <li>the fault plan's {@code drop > 0}: every message in flight may also be lost (a branch);
 *   <li>the fault plan's {@code duplicate > 0}: every message in flight may also arrive twice;
 *   <li>the fault plan's delays and reordering need nothing: every delivery order is tried anyway;
 *   <li>{@code maxSteps}: no replay takes more events (the prefix of {@code startingWhen}
 *       included); a schedule that reaches it is cut like one at the depth bound, not reported as a
 *       livelock.
 * </ul>
 *
 * The seed, the starting instant and the invariants are used by every replay as they are. Settings
 * the exploration cannot honour are refused with an {@link IllegalArgumentException} that says why
 * and what to do instead: corruption, links cut from the start, and probabilities of 1 (a certain
 * loss or duplication, while the search also tries the message arriving once).
 */
record ExplorationSettings(boolean fifoLinks, boolean drops, boolean duplicates, long maxSteps) {

  /**
   * The settings of an exploration of {@code builder}; {@code fifoLinks}, {@code drops} and {@code
   * duplicates} are the exploration's own setters, null when not called.
   *
   * @throws IllegalArgumentException if the builder holds a setting the exploration cannot honour
   */
  static ExplorationSettings resolve(
      Simulation.Builder<?> builder, Boolean fifoLinks, Boolean drops, Boolean duplicates) {
    FaultPlan plan = builder.faults();
    refuseWhatCannotBeExplored(builder);
    return new ExplorationSettings(
        fifoLinks != null ? fifoLinks : builder.fifoLinks(),
        drops != null ? drops : plan.drop() > 0,
        duplicates != null ? duplicates : plan.duplicate() > 0,
        builder.maxSteps());
  }

  /** Checks {@code builder} alone, so that {@link Exploration#of} fails where the mistake is. */
  static void check(Simulation.Builder<?> builder) {
    refuseWhatCannotBeExplored(builder);
  }

  private static void refuseWhatCannotBeExplored(Simulation.Builder<?> builder) {
    FaultPlan plan = builder.faults();
    List<String> refused = new ArrayList<>();
    if (builder.hasStorageFaults()) {
      refused.add("storage(...) with journal faults: the search has no branches for a write's delay, failure or"
          + " lost tail; explore crashes with crashes(n) (a crash loses nothing written), and test slow, failing"
          + " and unforced journals with seeded runs (Simulations.forSeeds)");
    }
    if (plan.corrupt() > 0) {
      refused.add("faults(...) with corrupt = " + plan.corrupt() + ": the search has no branch for a garbled"
          + " copy (it cannot enumerate how a Corruptible message may be garbled); explore loss with a plan of"
          + " drop > 0 or drops(true), and test corruption with seeded runs (Simulations.forSeeds)");
    }
    if (plan.cut()) {
      refused.add("faults(...) with cut = true: every link would be cut from the start, so no message would"
          + " ever pass; script the partition instead with setup(sim -> sim.nemesis(Duration.ZERO,"
          + " NemesisCommand.Partition.parse(\"n1/n2,n3\"))), which the search tries at every point of a schedule");
    }
    if (plan.drop() == 1) {
      refused.add("faults(...) with drop = 1.0: every message would be lost, but the search also delivers"
          + " each one; use a drop probability below 1 (each message may or may not be lost), or script a"
          + " partition with setup(sim -> sim.nemesis(...))");
    }
    if (plan.duplicate() == 1) {
      refused.add("faults(...) with duplicate = 1.0: every message would arrive twice, but the search also"
          + " delivers each one once; use a duplicate probability below 1 (each message may or may not"
          + " arrive twice)");
    }
    if (!refused.isEmpty()) {
      throw new IllegalArgumentException("an Exploration cannot honour "
          + (refused.size() == 1 ? "this setting" : "these settings") + " of its Simulation.Builder: "
          + String.join("; ", refused));
    }
  }
}
