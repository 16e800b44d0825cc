package dev.parley.protocols.trace;

import dev.parley.protocols.clock.VectorClock;
import dev.parley.protocols.core.NodeId;

/**
 * One event of a traced run, stamped with the vector clock of its node after the event.
 *
 * @param index position in the trace (a linear extension of happened-before)
 * @param node where it happened
 * @param instance the protocol instance the event belongs to (a cluster node runs several, such as
 *     {@code raft} and {@code causal}); {@link Tracer#GROUP} in a run of one protocol
 * @param kind a send, a receive, or a local event
 * @param peer the receiver of a send, the sender of a receive, null for a local event
 * @param messageId with the sender, pairs a receive with its send: each node numbers its own sends
 *     (0 for a local event)
 * @param type the message's type (its class's simple name), or "upcall" for a local event
 * @param label what happened: the message or upcall, abbreviated
 * @param clock the node's vector clock after the event
 * @param timeNanos when, in the run's time (wall or virtual)
 */
public record StampedEvent(
    long index,
    NodeId node,
    String instance,
    Kind kind,
    NodeId peer,
    long messageId,
    String type,
    String label,
    VectorClock clock,
    long timeNanos) {

  public enum Kind {
    SEND,
    RECEIVE,
    LOCAL
  }

  /** The event as one line of text: {@code send Data to n2}, {@code receive Data from n1}. */
  public String describe() {
    return switch (kind) {
      case SEND -> "send " + label + " to " + peer;
      case RECEIVE -> "receive " + label + " from " + peer;
      case LOCAL -> label;
    };
  }

  /**
   * {@link #describe()} preceded by the instance, a local event by its type too: {@code [raft] send
   * AppendEntries to n2}, {@code [causal] upcall Delivered[...]}.
   */
  public String describeWithInstance() {
    String what = kind != Kind.LOCAL || label.startsWith(type) ? describe() : type + " " + label;
    return "[" + instance + "] " + what;
  }

  /** The same event with another index and clock (where a merge or a cut puts it). */
  public StampedEvent at(long newIndex, VectorClock newClock) {
    return new StampedEvent(newIndex, node, instance, kind, peer, messageId, type, label, newClock, timeNanos);
  }
}
