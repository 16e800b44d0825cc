package dev.parley.testkit.sim;

import dev.parley.protocols.core.NodeId;
import java.util.Locale;

/**
 * One line of a simulation's trace: at step {@code step} and virtual time {@code timeNanos},
 * something of {@code kind} happened between {@code from} and {@code to} (either may be null) with
 * {@code message} (its {@code toString}, actor-reference uids removed so traces compare across runs).
 */
public record TraceEvent(
    long step, long timeNanos, Kind kind, NodeId from, NodeId to, String message) {

  /** What happened. */
  public enum Kind {
    /** A node sent a message over a link. */
    SEND,
    /** The link lost it (dropped, cut by a partition, or garbled and not {@code Corruptible}). */
    LOST,
    /** A message arrived and the node handled it. */
    DELIVER,
    /** A message arrived where no one could take it: at a crashed node, or over a link cut meanwhile. */
    DROPPED,
    /** A node handled a message it had sent itself. */
    LOCAL,
    /** A node's timer fired. */
    TIMER,
    /** A client's downcall reached a node. */
    CLIENT,
    /** A node reported upward to its listener. */
    UPCALL,
    /** An event-sourced node persisted an event (or took a snapshot). */
    PERSIST,
    /** The nemesis changed the network. */
    NEMESIS,
    /** A node crashed. */
    CRASH,
    /** A node restarted. */
    RESTART,
    /** A node's behavior stopped itself. */
    STOP,
    /** A node logged through its context (only when tracing). */
    LOG
  }

  @Override
  public String toString() {
    String link;
    if (from != null && to != null) {
      link = from + " -> " + to;
    } else if (from != null) {
      link = from.toString();
    } else if (to != null) {
      link = "-> " + to;
    } else {
      link = "";
    }
    return String.format(
        Locale.ROOT, "#%-6d %12.6f ms  %-7s %-10s %s", step, timeNanos / 1e6, kind, link, message);
  }
}
