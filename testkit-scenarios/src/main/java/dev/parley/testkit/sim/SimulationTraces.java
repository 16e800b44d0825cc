package dev.parley.testkit.sim;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.trace.StampedEvent;
import dev.parley.protocols.trace.Tracer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A simulation's full trace ({@code Simulation.Builder.tracing(true)}) with vector timestamps, for
 * the same ShiViz log, space-time diagram and message counts as a group's trace. Sends, deliveries
 * and upcalls become send, receive and local events; a delivery is paired with the earliest
 * undelivered send of the same message on the same link (a duplicate, with the send it copies);
 * timers, client downcalls, crashes and restarts become local events of their node.
 */
public final class SimulationTraces {

  private SimulationTraces() {}

  /**
   * A simulation's trace as stamped events, and where each trace event went.
   *
   * @param events the stamped events, a linear extension of happened-before
   * @param positions for each trace event (by its position in the trace), the index of its stamped
   *     event, or -1 if it has none (a loss, a drop, a persist, a log line, a nemesis action)
   */
  public record Stamping(List<StampedEvent> events, List<Integer> positions) {}

  public static List<StampedEvent> stamped(List<TraceEvent> simulated) {
    return stamping(simulated).events();
  }

  /** The stamped events of {@code simulated}, with the position of each trace event's. */
  public static Stamping stamping(List<TraceEvent> simulated) {
    long[] now = {0};
    Tracer tracer = new Tracer(() -> now[0]);
    Map<String, Deque<Tracer.Stamp>> inFlight = new HashMap<>();
    Map<String, Tracer.Stamp> lastDelivered = new HashMap<>();
    List<Integer> positions = new ArrayList<>(simulated.size());
    int next = 0;
    for (TraceEvent e : simulated) {
      now[0] = e.timeNanos();
      int at = -1;
      switch (e.kind()) {
        case SEND -> {
          Tracer.Stamp stamp = tracer.send(e.from(), e.to(), type(e), label(e));
          inFlight.computeIfAbsent(link(e), k -> new ArrayDeque<>()).add(stamp);
          at = next++;
        }
        case DELIVER -> {
          Deque<Tracer.Stamp> sent = inFlight.getOrDefault(link(e), new ArrayDeque<>());
          Tracer.Stamp stamp = sent.isEmpty() ? lastDelivered.get(link(e)) : sent.poll();
          if (stamp != null) {
            lastDelivered.put(link(e), stamp);
            tracer.receive(e.to(), e.from(), type(e), label(e), stamp);
            at = next++;
          }
        }
        case UPCALL -> {
          tracer.local(e.from(), "upcall", label(e));
          at = next++;
        }
        case TIMER, CLIENT, CRASH, RESTART, STOP -> {
          tracer.local(node(e), e.kind().name().toLowerCase(), e.kind().name().toLowerCase() + " " + label(e));
          at = next++;
        }
        default -> { }
      }
      positions.add(at);
    }
    return new Stamping(tracer.events(), Collections.unmodifiableList(positions));
  }

  /**
   * The node that acted in {@code e}: the sender of a send, the receiver of a delivery or a client's
   * request, the node of a timer, upcall, persist, crash, restart, stop or log line; null for what
   * the network did (a loss, a drop, a nemesis action).
   */
  static NodeId actor(TraceEvent e) {
    return switch (e.kind()) {
      case SEND, LOCAL, TIMER, UPCALL, PERSIST, CRASH, RESTART, STOP, LOG -> e.from();
      case DELIVER, CLIENT -> e.to();
      case LOST, DROPPED, NEMESIS -> null;
    };
  }

  private static NodeId node(TraceEvent e) {
    return e.to() != null ? e.to() : e.from();
  }

  private static String link(TraceEvent e) {
    return e.from() + ">" + e.to() + ":" + e.message();
  }

  /** The message's type: the leading name of its text ({@code Data} of {@code Data[...]}). */
  private static String type(TraceEvent e) {
    String text = e.message();
    int end = 0;
    while (end < text.length() && Character.isJavaIdentifierPart(text.charAt(end))) {
      end++;
    }
    return end == 0 ? "message" : text.substring(0, end);
  }

  private static String label(TraceEvent e) {
    return Tracer.abbreviate(e.message(), type(e));
  }
}
