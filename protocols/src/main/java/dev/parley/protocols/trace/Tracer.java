package dev.parley.protocols.trace;

import dev.parley.protocols.clock.VectorClock;
import dev.parley.protocols.core.Heartbeat;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.trace.StampedEvent.Kind;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Records every send, receive and local event of a run with vector timestamps (each node's own
 * entry counts its events, as ShiViz expects). Safe to call from many actors at once.
 *
 * <p>A send returns the {@link Stamp} the message must carry; its receive merges that stamp into the
 * receiver's clock. Sends and receives of different messages may be recorded in any order.
 */
public final class Tracer {

  /** The instance every event belongs to when none is named: a run of one protocol (a spec's group, a simulation). */
  public static final String GROUP = "group";

  /** What a traced message carries: the sender's clock at the send, and the send's id. */
  public record Stamp(long messageId, VectorClock clock) {}

  private final LongSupplier time;
  private final int capacity;
  private final Map<NodeId, VectorClock> clocks = new HashMap<>();
  private final ArrayDeque<StampedEvent> events = new ArrayDeque<>();
  private long recorded;
  private long nextMessageId = 1;

  /** A tracer that keeps every event. */
  public Tracer(LongSupplier time) {
    this(time, Integer.MAX_VALUE);
  }

  /** A tracer that keeps the latest {@code capacity} events (a long-running node's). */
  public Tracer(LongSupplier time, int capacity) {
    this.time = time;
    this.capacity = capacity;
  }

  /** Records that {@code from} sent {@code message} to {@code to}, in the run's one instance. */
  public Stamp send(NodeId from, NodeId to, Object message) {
    return send(GROUP, from, to, message);
  }

  /** Records that {@code from} sent {@code message} of {@code instance} to {@code to}. */
  public Stamp send(String instance, NodeId from, NodeId to, Object message) {
    return send(instance, from, to, type(message), label(message));
  }

  /** Records that {@code from} sent a message of {@code type}, shown as {@code label}, to {@code to}. */
  public Stamp send(NodeId from, NodeId to, String type, String label) {
    return send(GROUP, from, to, type, label);
  }

  public synchronized Stamp send(String instance, NodeId from, NodeId to, String type, String label) {
    long id = nextMessageId++;
    VectorClock clock = tick(from, VectorClock.EMPTY);
    record(from, instance, Kind.SEND, to, id, type, label, clock);
    return new Stamp(id, clock);
  }

  /** Records that {@code to} received the message {@code from} sent with {@code stamp}. */
  public void receive(NodeId to, NodeId from, Object message, Stamp stamp) {
    receive(GROUP, to, from, message, stamp);
  }

  /** Records that {@code to} received the message of {@code instance} {@code from} sent with {@code stamp}. */
  public void receive(String instance, NodeId to, NodeId from, Object message, Stamp stamp) {
    receive(instance, to, from, type(message), label(message), stamp);
  }

  public void receive(NodeId to, NodeId from, String type, String label, Stamp stamp) {
    receive(GROUP, to, from, type, label, stamp);
  }

  public synchronized void receive(
      String instance, NodeId to, NodeId from, String type, String label, Stamp stamp) {
    record(to, instance, Kind.RECEIVE, from, stamp.messageId(), type, label, tick(to, stamp.clock()));
  }

  /** Records an upcall of {@code node}'s protocol as a local event. */
  public void upcall(NodeId node, Object upcall) {
    upcall(GROUP, node, upcall);
  }

  /** Records an upcall of {@code node}'s {@code instance} as a local event. */
  public void upcall(String instance, NodeId node, Object upcall) {
    local(instance, node, "upcall", label(upcall));
  }

  /** Records a local event of {@code node}: an upcall, a timer, a crash. */
  public void local(NodeId node, String type, String label) {
    local(GROUP, node, type, label);
  }

  public synchronized void local(String instance, NodeId node, String type, String label) {
    record(node, instance, Kind.LOCAL, null, 0, type, label, tick(node, VectorClock.EMPTY));
  }

  public synchronized List<StampedEvent> events() {
    return List.copyOf(events);
  }

  private VectorClock tick(NodeId node, VectorClock received) {
    VectorClock next = clocks.getOrDefault(node, VectorClock.EMPTY).merge(received).tick(node);
    clocks.put(node, next);
    return next;
  }

  private void record(NodeId node, String instance, Kind kind, NodeId peer, long id, String type,
      String label, VectorClock clock) {
    events.addLast(new StampedEvent(
        recorded++, node, instance, kind, peer, id, type, label, clock, time.getAsLong()));
    if (events.size() > capacity) {
      events.removeFirst();
    }
  }

  /**
   * A message's type: its class's simple name, followed by {@value #HEARTBEAT_SUFFIX} for keep-alive
   * traffic ({@link Heartbeat}), such as {@code AppendEntries (heartbeat)}, so a viewer can hide it by name.
   */
  public static String type(Object message) {
    String name = message.getClass().getSimpleName();
    return message instanceof Heartbeat h && h.isHeartbeat() ? name + HEARTBEAT_SUFFIX : name;
  }

  /** What {@link #type} appends to the type of a message that is keep-alive traffic. */
  public static final String HEARTBEAT_SUFFIX = " (heartbeat)";

  /** The longest label kept whole: enough for a viewer's detail panel to show the message. */
  public static final int MAX_LABEL = 400;

  /** A message's label: the message, abbreviated to its type when very long. */
  public static String label(Object message) {
    return abbreviate(String.valueOf(message), message.getClass().getSimpleName());
  }

  /** {@code text}, or {@code type} when the text is longer than {@value #MAX_LABEL} characters. */
  public static String abbreviate(String text, String type) {
    return text.length() <= MAX_LABEL ? text : type;
  }
}
