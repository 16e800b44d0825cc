package dev.parley.protocols.link;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.NemesisCommand.Faults;
import dev.parley.protocols.link.NemesisCommand.Heal;
import dev.parley.protocols.link.NemesisCommand.Lossy;
import dev.parley.protocols.link.NemesisCommand.Partition;
import dev.parley.protocols.link.NemesisCommand.Slow;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The state of a group's network as a value: the plan every link follows and the current
 * partition. A nemesis command gives a new value ({@link #apply}); {@link #planFor} says what one
 * directed link does under it. Pure, so the simulation and the link actors agree.
 *
 * @param members every node of the group
 * @param initial the plan links had when the group started (what {@link Heal} returns to)
 * @param base the plan every link follows now, unless cut
 * @param sideOf for each node, the index of its side in the current partition (all 0 when whole)
 */
public record NetworkFaults(
    SortedSet<NodeId> members, FaultPlan initial, FaultPlan base, Map<NodeId, Integer> sideOf) {

  public NetworkFaults {
    members = new TreeSet<>(members);
    Objects.requireNonNull(initial, "initial");
    Objects.requireNonNull(base, "base");
    sideOf = Map.copyOf(sideOf);
  }

  /** A whole network of {@code members} whose links follow {@code plan}. */
  public static NetworkFaults whole(Set<NodeId> members, FaultPlan plan) {
    Map<NodeId, Integer> sides = new HashMap<>();
    members.forEach(m -> sides.put(m, 0));
    return new NetworkFaults(new TreeSet<>(members), plan, plan, sides);
  }

  /** What the link {@code from -> to} does now. */
  public FaultPlan planFor(NodeId from, NodeId to) {
    return connected(from, to) ? base : base.withCut(true);
  }

  /** Whether {@code from} and {@code to} are on the same side of the current partition. */
  public boolean connected(NodeId from, NodeId to) {
    return Objects.equals(sideOf.get(from), sideOf.get(to));
  }

  /** The current sides, each sorted, in order of their smallest member. */
  public List<SortedSet<NodeId>> sides() {
    Map<Integer, SortedSet<NodeId>> bySide = new HashMap<>();
    sideOf.forEach((node, side) -> bySide.computeIfAbsent(side, s -> new TreeSet<>()).add(node));
    List<SortedSet<NodeId>> out = new ArrayList<>(bySide.values());
    out.sort((a, b) -> a.first().compareTo(b.first()));
    return out;
  }

  /** The network after {@code command}; an unknown node or a node on two sides is an error. */
  public NetworkFaults apply(NemesisCommand command) {
    if (command instanceof Partition p) {
      return partitioned(p);
    } else if (command instanceof Heal) {
      return whole(members, initial);
    } else if (command instanceof Lossy l) {
      return new NetworkFaults(members, initial, base.withDrop(l.drop()), sideOf);
    } else if (command instanceof Slow s) {
      return new NetworkFaults(members, initial, base.withDelay(s.delay()), sideOf);
    } else {
      return new NetworkFaults(members, initial, ((Faults) command).plan(), sideOf);
    }
  }

  private NetworkFaults partitioned(Partition p) {
    Map<NodeId, Integer> sides = new HashMap<>();
    int side = 0;
    for (Set<NodeId> nodes : p.sides()) {
      for (NodeId node : nodes) {
        if (!members.contains(node)) {
          throw new IllegalArgumentException(
              "unknown node " + node + " in partition " + p.sides() + "; the members are " + members);
        }
        if (sides.putIfAbsent(node, side) != null) {
          throw new IllegalArgumentException(
              "node " + node + " is on two sides of partition " + p.sides());
        }
      }
      side++;
    }
    for (NodeId node : members) {
      sides.putIfAbsent(node, side);
    }
    return new NetworkFaults(members, initial, base, sides);
  }
}
