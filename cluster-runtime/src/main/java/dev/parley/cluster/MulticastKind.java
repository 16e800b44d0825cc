package dev.parley.cluster;

import akka.actor.typed.Behavior;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.parley.protocols.multicast.Delivered;
import dev.parley.protocols.multicast.Multicast;
import java.util.List;
import java.util.function.Function;

/** The multicasts of {@code protocols/multicast}: one operation, {@code multicast {"payload": ...}}. */
record MulticastKind(
    String name,
    String description,
    Function<KindContext, Behavior<?>> factory)
    implements ProtocolKind {

  @Override
  public Behavior<Object> create(KindContext context) {
    return factory.apply(context).unsafeCast();
  }

  /** The body of {@code multicast}: the text to send to the group. */
  public record Send(@JsonProperty(required = true) String payload) {}

  @Override
  public List<Operation<?>> operations() {
    return List.of(Operation.of("multicast", Send.class, (caller, send) ->
        Invocation.accepted(new Multicast(send.payload()))));
  }

  @Override
  public Object status(UpcallLog upcalls, String instance) {
    List<Object> delivered = upcalls.since(instance, 0).stream()
        .map(UpcallLog.Entry::upcall).filter(Delivered.class::isInstance).toList();
    return java.util.Map.of(
        "delivered", delivered.size(),
        "last", delivered.subList(Math.max(0, delivered.size() - 5), delivered.size()));
  }
}
