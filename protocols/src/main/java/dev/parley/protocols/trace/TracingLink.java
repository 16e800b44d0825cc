package dev.parley.protocols.trace;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Payload;
import dev.parley.protocols.core.WireMessage;

/**
 * The two ends of traced links: the sending end of a link records the send and wraps the message
 * with its sender and {@link Tracer.Stamp}; a node's receiving end (one for all its senders)
 * records the receive and unwraps it. Put around a whole link stack, so a dropped message shows as
 * a send without a receive and a duplicated one as two receives. On a cluster each node records its
 * own events with its own {@link Tracer}; the stamps travel with the messages, so the nodes' traces
 * put together are one trace.
 *
 * <p>In a group of real actors the order in which a node's sends and receives are recorded can lag
 * the protocol's own order by a hop, which may add a dependency but never hides one: a receive is
 * recorded before the protocol sees the message. Traces from the deterministic simulation are exact.
 */
public final class TracingLink {

  private TracingLink() {}

  /** A message in flight from {@code from}, with the stamp of its send. */
  public record Traced(NodeId from, Tracer.Stamp stamp, @Payload Object message)
      implements WireMessage {}

  /** The sending end of the link {@code from -> to} of a run of one protocol. */
  public static Behavior<Object> sender(Tracer tracer, NodeId from, NodeId to, ActorRef<Object> down) {
    return sender(tracer, Tracer.GROUP, from, to, down);
  }

  /** The sending end of the link {@code from -> to} of protocol instance {@code instance}. */
  public static Behavior<Object> sender(
      Tracer tracer, String instance, NodeId from, NodeId to, ActorRef<Object> down) {
    return Behaviors.receive(Object.class)
        .onAnyMessage(m -> {
          down.tell(new Traced(from, tracer.send(instance, from, to, m), m));
          return Behaviors.same();
        })
        .build();
  }

  /** The receiving end of node {@code to} in a run of one protocol. */
  public static Behavior<Object> receiver(Tracer tracer, NodeId to, ActorRef<Object> up) {
    return receiver(tracer, Tracer.GROUP, to, up);
  }

  /**
   * The receiving end of node {@code to}'s {@code instance}, for every sender; anything untraced
   * passes as is.
   */
  public static Behavior<Object> receiver(Tracer tracer, String instance, NodeId to, ActorRef<Object> up) {
    return Behaviors.receive(Object.class)
        .onMessage(Traced.class, t -> {
          tracer.receive(instance, to, t.from(), t.message(), t.stamp());
          up.tell(t.message());
          return Behaviors.same();
        })
        .onAnyMessage(m -> {
          up.tell(m);
          return Behaviors.same();
        })
        .build();
  }
}
