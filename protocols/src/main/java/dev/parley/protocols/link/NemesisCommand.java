package dev.parley.protocols.link;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.WireMessage;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a nemesis does to the network while a system runs. The same commands drive a spec, the
 * deterministic simulation and a running cluster; {@link NetworkFaults} says what each one means
 * for every link.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = NemesisCommand.Partition.class, name = "partition"),
  @JsonSubTypes.Type(value = NemesisCommand.Cut.class, name = "cut"),
  @JsonSubTypes.Type(value = NemesisCommand.Heal.class, name = "heal"),
  @JsonSubTypes.Type(value = NemesisCommand.Lossy.class, name = "lossy"),
  @JsonSubTypes.Type(value = NemesisCommand.Slow.class, name = "slow"),
  @JsonSubTypes.Type(value = NemesisCommand.Faults.class, name = "faults")
})
public sealed interface NemesisCommand extends WireMessage {

  /**
   * Cut every link between different sides. Members named in no side form one more side together.
   */
  record Partition(List<Set<NodeId>> sides) implements NemesisCommand {
    public Partition {
      Objects.requireNonNull(sides, "sides");
      if (sides.isEmpty()) {
        throw new IllegalArgumentException(
            "a partition needs at least one side (the members not named form another), got none");
      }
      if (sides.stream().anyMatch(Set::isEmpty)) {
        throw new IllegalArgumentException("empty side in partition " + sides);
      }
      sides = sides.stream().map(Set::copyOf).toList();
    }

    /** {@code n1,n2/n3,n4}: sides separated by '/', nodes by ','. */
    public static Partition parse(String spec) {
      if (spec == null || spec.isBlank() || !spec.contains("/")) {
        throw new IllegalArgumentException(
            "a partition is written as sides separated by '/', nodes by ',' (for example n1,n2/n3), got '"
                + spec + "'");
      }
      List<Set<NodeId>> sides = new ArrayList<>();
      for (String side : spec.split("/", -1)) { // -1: keep trailing empty sides, to reject them
        Set<NodeId> nodes = new LinkedHashSet<>();
        for (String name : side.split(",")) {
          if (!name.isBlank()) {
            nodes.add(NodeId.of(name.trim()));
          }
        }
        if (nodes.isEmpty()) {
          throw new IllegalArgumentException("empty side in partition '" + spec + "'");
        }
        sides.add(nodes);
      }
      return new Partition(sides);
    }
  }

  /**
   * Cut the links from {@code from} to each of {@code to}, one way only: {@code from} can no longer
   * reach them, though they still reach it (a sender that crashed mid-send, an asymmetric partition).
   */
  record Cut(NodeId from, Set<NodeId> to) implements NemesisCommand {
    public Cut {
      Objects.requireNonNull(from, "from");
      to = Set.copyOf(to);
    }
  }

  /** Undo every fault: no partition, links back to the group's initial plan. */
  record Heal() implements NemesisCommand {}

  /** Every link loses this fraction of messages (partitions stay). */
  record Lossy(double drop) implements NemesisCommand {
    public Lossy {
      if (!(drop >= 0.0 && drop <= 1.0)) {
        throw new IllegalArgumentException("lossy drop probability must be within 0..1, got " + drop);
      }
    }
  }

  /** Every link delays messages by this distribution (partitions stay). */
  record Slow(Delay delay) implements NemesisCommand {
    public Slow {
      Objects.requireNonNull(delay, "delay");
    }
  }

  /** Every link follows this plan (partitions stay). */
  record Faults(FaultPlan plan) implements NemesisCommand {
    public Faults {
      Objects.requireNonNull(plan, "plan");
    }
  }
}
