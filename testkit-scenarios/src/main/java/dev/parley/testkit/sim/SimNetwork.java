package dev.parley.testkit.sim;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.Corruptible;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.protocols.link.NetworkFaults;
import java.util.List;
import java.util.Random;

/**
 * The simulated network: the group's {@link NetworkFaults} and the seeded random its links draw
 * from. A message's fate is decided when it is sent, from the plan of its link at that moment,
 * exactly as {@code FaultyLink} decides it; a message still on the wire when its link is cut is lost
 * on arrival, as {@code FaultyLink} loses a held message it releases into a partition.
 */
final class SimNetwork {

  private final Random random;
  private NetworkFaults faults;

  SimNetwork(NetworkFaults faults, Random random) {
    this.faults = faults;
    this.random = random;
  }

  /** The copies of one message sent now over {@code from -> to}: none if it is lost. */
  List<FaultPlan.Delivery> fate(NodeId from, NodeId to) {
    return faults.planFor(from, to).fate(random);
  }

  /** {@code message} garbled, or null when it is not {@link Corruptible} (then a link discards it). */
  Object corrupt(Object message) {
    return message instanceof Corruptible c ? c.corrupted(random) : null;
  }

  boolean isCut(NodeId from, NodeId to) {
    return !faults.connected(from, to);
  }

  void apply(NemesisCommand command) {
    faults = faults.apply(command);
  }

  NetworkFaults faults() {
    return faults;
  }
}
