package dev.parley.testkit.checker;

import dev.parley.protocols.core.NodeId;
import java.util.Objects;

/**
 * One entry of a mutual-exclusion log: a node asks for the critical section, is granted it (enters), or
 * releases it (leaves).
 *
 * @param node who asked, entered or left
 * @param kind request, grant or release
 * @param timeNanos when, on one time line for the whole log (real or virtual)
 * @param fencingToken on a grant, the token handed out with it (null if the algorithm has none)
 * @param priority on a request, its priority when fairness is judged by priority rather than time,
 *     for example its Lamport timestamp (null otherwise); lower goes first
 */
public record LockEvent(NodeId node, Kind kind, long timeNanos, Long fencingToken, Long priority) {

  public enum Kind {
    REQUEST,
    GRANT,
    RELEASE
  }

  public LockEvent {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(kind, "kind");
  }

  public static LockEvent request(NodeId node, long timeNanos) {
    return new LockEvent(node, Kind.REQUEST, timeNanos, null, null);
  }

  /** A request carrying a priority such as its Lamport timestamp. */
  public static LockEvent request(NodeId node, long timeNanos, long priority) {
    return new LockEvent(node, Kind.REQUEST, timeNanos, null, priority);
  }

  public static LockEvent grant(NodeId node, long timeNanos) {
    return new LockEvent(node, Kind.GRANT, timeNanos, null, null);
  }

  public static LockEvent grant(NodeId node, long timeNanos, long fencingToken) {
    return new LockEvent(node, Kind.GRANT, timeNanos, fencingToken, null);
  }

  public static LockEvent release(NodeId node, long timeNanos) {
    return new LockEvent(node, Kind.RELEASE, timeNanos, null, null);
  }
}
