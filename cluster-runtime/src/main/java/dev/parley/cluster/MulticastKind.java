package dev.parley.cluster;

import akka.actor.typed.Behavior;
import com.fasterxml.jackson.databind.JsonNode;
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

  @Override
  public List<String> operations() {
    return List.of("multicast");
  }

  @Override
  public Object status(UpcallLog upcalls, String instance) {
    List<Object> delivered = upcalls.since(instance, 0).stream()
        .map(UpcallLog.Entry::upcall).filter(Delivered.class::isInstance).toList();
    return java.util.Map.of(
        "delivered", delivered.size(),
        "last", delivered.subList(Math.max(0, delivered.size() - 5), delivered.size()));
  }

  @Override
  public Call call(NodeSettings node, String op, JsonNode body) {
    if (!op.equals("multicast")) {
      throw ProtocolKind.unknownOperation(this, op);
    }
    JsonNode payload = body == null ? null : body.get("payload");
    if (payload == null || !payload.isTextual()) {
      throw new IllegalArgumentException(
          "a multicast needs a text payload: {\"payload\": \"hello\"}");
    }
    return Call.accepted(multicast.multicast(payload.textValue()));
  }
}
