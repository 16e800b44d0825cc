package dev.parley.protocols.link;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.NemesisCommand.Cut;
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
 * @param oneWayCuts for each node, the nodes it cannot reach though they may reach it
 */
public record NetworkFaults(
    SortedSet<NodeId> members,
    FaultPlan initial,
    FaultPlan base,
    Map<NodeId, Integer> sideOf,
    Map<NodeId, Set<NodeId>> oneWayCuts) {

  public NetworkFaults {
    members = new TreeSet<>(members);
    Objects.requireNonNull(initial, "initial");
    Objects.requireNonNull(base, "base");
    sideOf = Map.copyOf(sideOf);
    oneWayCuts = Map.copyOf(oneWayCuts);
  }

  /** A whole network of {@code members} whose links follow {@code plan}. */
  public static NetworkFaults whole(Set<NodeId> members, FaultPlan plan) {
    Map<NodeId, Integer> sides = new HashMap<>();
    members.forEach(m -> sides.put(m, 0));
    return new NetworkFaults(new TreeSet<>(members), plan, plan, sides, Map.of());
  }

  /** What the link {@code from -> to} does now. */
  public FaultPlan planFor(NodeId from, NodeId to) {
    return connected(from, to) ? base : base.withCut(true);
  }

  /** Whether {@code from} reaches {@code to}: same side of the partition, no one-way cut. */
  public boolean connected(NodeId from, NodeId to) {
    return Objects.equals(sideOf.get(from), sideOf.get(to))
        && !oneWayCuts.getOrDefault(from, Set.of()).contains(to);
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
    } else if (command instanceof Cut c) {
      return cut(c);
    } else if (command instanceof Heal) {
      return whole(members, initial);
    } else if (command instanceof Lossy l) {
      return withBase(base.withDrop(l.drop()));
    } else if (command instanceof Slow s) {
      return withBase(base.withDelay(s.delay()));
    } else {
      return withBase(((Faults) command).plan());
    }
  }

  private NetworkFaults withBase(FaultPlan plan) {
    return new NetworkFaults(members, initial, plan, sideOf, oneWayCuts);
  }

  private NetworkFaults cut(Cut c) {
    requireMembers(List.of(Set.of(c.from()), c.to()), "cut " + c.from() + " -> " + c.to());
    Map<NodeId, Set<NodeId>> cuts = new HashMap<>(oneWayCuts);
    Set<NodeId> targets = new TreeSet<>(cuts.getOrDefault(c.from(), Set.of()));
    targets.addAll(c.to());
    cuts.put(c.from(), targets);
    return new NetworkFaults(members, initial, base, sideOf, cuts);
  }

  private void requireMembers(List<Set<NodeId>> groups, String what) {
    for (Set<NodeId> nodes : groups) {
      for (NodeId node : nodes) {
        if (!members.contains(node)) {
          throw new IllegalArgumentException(
              "unknown node " + node + " in " + what + "; the members are " + members);
        }
      }
    }
  }

  private NetworkFaults partitioned(Partition p) {
    requireMembers(p.sides(), "partition " + p.sides());
    Map<NodeId, Integer> sides = new HashMap<>();
    int side = 0;
    for (Set<NodeId> nodes : p.sides()) {
      for (NodeId node : nodes) {
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
    return new NetworkFaults(members, initial, base, sides, oneWayCuts);
  }
}
