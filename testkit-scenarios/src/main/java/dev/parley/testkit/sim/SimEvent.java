package dev.parley.testkit.sim;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.NemesisCommand;

/**
 * One thing that can happen next in a simulation: a message arriving over a link, a node's message
 * to itself, a timer firing, a client's downcall, a nemesis action, a crash, a restart, or the
 * completion of a slow journal write ({@link StorageFaults}). The
 * scheduler orders these by virtual time; exploration treats every enabled one as a branch.
 */
public sealed interface SimEvent {

  /** The node this event happens at, or null for one that acts on the network. */
  NodeId node();

  /** {@code message}, sent by {@code from} over the link {@code from -> to}, arrives at {@code to}. */
  record Delivery(NodeId from, NodeId to, Object message) implements SimEvent {
    @Override
    public NodeId node() {
      return to;
    }

    @Override
    public String toString() {
      return "deliver " + from + " -> " + to + ": " + message;
    }
  }

  /** A message the node sent to itself (or one of its message adapters produced). */
  record LocalMessage(NodeId node, Object message) implements SimEvent {
    @Override
    public String toString() {
      return "local " + node + ": " + message;
    }
  }

  /** The node's timer {@code key} fires with {@code message}. */
  record TimerFired(NodeId node, Object key, Object message) implements SimEvent {
    @Override
    public String toString() {
      return "timer " + node + ": " + message;
    }
  }

  /** A client (the layer above, a test) gives the node a downcall. */
  record ClientRequest(NodeId node, Object message) implements SimEvent {
    @Override
    public String toString() {
      return "client -> " + node + ": " + message;
    }
  }

  /** The nemesis changes the network (partition, heal, lossy, slow, plan). */
  record Nemesis(NemesisCommand command) implements SimEvent {
    @Override
    public NodeId node() {
      return null;
    }

    @Override
    public String toString() {
      return "nemesis " + command;
    }
  }

  /** The node crashes: its memory, timers and pending self-messages are gone. */
  record Crash(NodeId node) implements SimEvent {
    @Override
    public String toString() {
      return "crash " + node;
    }
  }

  /** The node starts again from its factory (recovering what it persisted, if event sourced). */
  record Restart(NodeId node) implements SimEvent {
    @Override
    public String toString() {
      return "restart " + node;
    }
  }

  /** The journal write {@code node} started in incarnation {@code incarnation} completes (or fails). */
  record WriteDone(NodeId node, int incarnation) implements SimEvent {
    @Override
    public String toString() {
      return "journal write of " + node + " completes";
    }
  }
}
