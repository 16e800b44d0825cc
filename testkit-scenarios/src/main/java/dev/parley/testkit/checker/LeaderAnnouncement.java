package dev.parley.testkit.checker;

import dev.parley.protocols.core.NodeId;
import java.util.Objects;

/**
 * A node announcing (to itself, its listener or the log) whom it now takes to be the leader.
 *
 * @param node who announced
 * @param timeNanos when, on one time line for the whole log
 * @param leader the leader it names
 * @param epoch the epoch, term or election number the leader was chosen in
 */
public record LeaderAnnouncement(NodeId node, long timeNanos, NodeId leader, long epoch) {

  public LeaderAnnouncement {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(leader, "leader");
  }

  public static LeaderAnnouncement of(NodeId node, long timeNanos, NodeId leader, long epoch) {
    return new LeaderAnnouncement(node, timeNanos, leader, epoch);
  }
}
