package dev.parley.protocols.trace;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Payload;
import dev.parley.protocols.core.WireMessage;

/**
 * The two ends of a traced link in an in-JVM group: the sending end records the send and wraps the
 * message with its {@link Tracer.Stamp}; the receiving end records the receive and unwraps it. Put
 * around a whole link stack, so a dropped message shows as a send without a receive and a
 * duplicated one as two receives.
 *
 * <p>In a group of real actors the order in which a node's sends and receives are recorded can lag
 * the protocol's own order by a hop, which may add a dependency but never hides one: a receive is
 * recorded before the protocol sees the message. Traces from the deterministic simulation are exact.
 */
public final class TracingLink {

  private TracingLink() {}

  /** A message in flight with the stamp of its send. */
  public record Traced(Tracer.Stamp stamp, @Payload Object message) implements WireMessage {}

  public static Behavior<Object> sender(Tracer tracer, NodeId from, NodeId to, ActorRef<Object> down) {
    return Behaviors.receive(Object.class)
        .onAnyMessage(m -> {
          down.tell(new Traced(tracer.send(from, to, m), m));
          return Behaviors.same();
        })
        .build();
  }

  public static Behavior<Object> receiver(Tracer tracer, NodeId to, NodeId from, ActorRef<Object> up) {
    return Behaviors.receive(Object.class)
        .onMessage(Traced.class, t -> {
          tracer.receive(to, from, t.message(), t.stamp());
          up.tell(t.message());
          return Behaviors.same();
        })
        .build();
  }
}
