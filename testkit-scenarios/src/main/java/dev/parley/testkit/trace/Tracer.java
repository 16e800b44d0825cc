package dev.parley.testkit.trace;

import dev.parley.protocols.clock.VectorClock;
import dev.parley.protocols.core.NodeId;
import dev.parley.testkit.trace.TraceEvent.Kind;
import java.util.ArrayList;
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

  /** What a traced message carries: the sender's clock at the send, and the send's id. */
  public record Stamp(long messageId, VectorClock clock) {}

  private final LongSupplier time;
  private final Map<NodeId, VectorClock> clocks = new HashMap<>();
  private final List<TraceEvent> events = new ArrayList<>();
  private long nextMessageId = 1;

  public Tracer(LongSupplier time) {
    this.time = time;
  }

  /** Records that {@code from} sent {@code message} to {@code to}. */
  public synchronized Stamp send(NodeId from, NodeId to, Object message) {
    long id = nextMessageId++;
    VectorClock clock = tick(from, VectorClock.EMPTY);
    record(from, Kind.SEND, to, id, type(message), label(message), clock);
    return new Stamp(id, clock);
  }

  /** Records that {@code to} received the message {@code from} sent with {@code stamp}. */
  public synchronized void receive(NodeId to, NodeId from, Object message, Stamp stamp) {
    record(to, Kind.RECEIVE, from, stamp.messageId(), type(message), label(message),
        tick(to, stamp.clock()));
  }

  /** Records an upcall of {@code node}'s protocol as a local event. */
  public synchronized void upcall(NodeId node, Object upcall) {
    record(node, Kind.LOCAL, null, 0, "upcall", label(upcall), tick(node, VectorClock.EMPTY));
  }

  public synchronized List<TraceEvent> events() {
    return List.copyOf(events);
  }

  private VectorClock tick(NodeId node, VectorClock received) {
    VectorClock next = clocks.getOrDefault(node, VectorClock.EMPTY).merge(received).tick(node);
    clocks.put(node, next);
    return next;
  }

  private void record(
      NodeId node, Kind kind, NodeId peer, long id, String type, String label, VectorClock clock) {
    events.add(
        new TraceEvent(events.size(), node, kind, peer, id, type, label, clock, time.getAsLong()));
  }

  /** A message's type: its class's simple name. */
  public static String type(Object message) {
    return message.getClass().getSimpleName();
  }

  /** A message's label: its type, and its fields when short. */
  public static String label(Object message) {
    String text = String.valueOf(message);
    return text.length() <= 60 ? text : message.getClass().getSimpleName();
  }
}
