package dev.parley.testkit.sim;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.NetworkFaults;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * What invariants and final checks may look at: the upcalls each node has reported so far, the
 * events each event-sourced node has persisted, which nodes are up, virtual time, the network and
 * the counts. Read-only; the lists are live views, so an invariant that remembers how far it read
 * one reads only what was added since (O(new entries) per step).
 */
public interface SimView {

  /** The seed of this run. */
  long seed();

  /** Virtual time now, as the nodes' clocks read it. */
  Instant now();

  /** Virtual time since the run started. */
  Duration elapsed();

  /** Events taken so far. */
  long steps();

  /** Every node, in id order. */
  List<NodeId> nodes();

  /** The nodes that are up (not crashed or stopped). */
  Set<NodeId> liveNodes();

  boolean isUp(NodeId node);

  /** How many times {@code node} has started: 1 until its first restart. */
  int incarnation(NodeId node);

  /** Everything {@code node} reported upward, in order, across its crashes and restarts. */
  List<Object> upcalls(NodeId node);

  /** The upcalls of {@code node} that are of {@code type}, in order. */
  <T> List<T> upcalls(NodeId node, Class<T> type);

  /**
   * The events {@code node} persisted, oldest first, across all its incarnations: its disk, which a
   * crash keeps (empty for a node that is not event sourced). Events its own retention would delete
   * are kept, so folding them through the node's event handler gives its durable state.
   */
  List<Object> persistedEvents(NodeId node);

  /** Pending events that keep the run busy (messages in flight, single timers, scripted events). */
  int inFlight();

  /** The network's current faults and partition. */
  NetworkFaults network();

  SimStats stats();
}
