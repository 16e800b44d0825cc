package dev.parley.cluster;

import akka.actor.typed.Behavior;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.parley.protocols.multicast.Delivered;
import dev.parley.protocols.multicast.MulticastProtocol;
import java.util.List;
import java.util.function.Function;

/**
 * A member of the multicast family, Parley's ({@code protocols/multicast}) or a user's ({@link
 * MulticastKinds#of}): one operation, {@code multicast {"payload": ...}}, made by the algorithm's
 * {@link MulticastProtocol}.
 */
record MulticastKind(
    String name,
    String description,
    Function<KindContext, Behavior<?>> factory,
    MulticastProtocol<?> multicast)
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
        Invocation.accepted(multicast.multicast(send.payload()))));
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
