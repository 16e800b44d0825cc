package dev.parley.cluster;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.naming.HierarchicalResolver;
import dev.parley.protocols.naming.NameServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A flat name service on the cluster: the group's first node is the name server (the root zone,
 * holding every name), every other node a resolver with a TTL cache. {@code register} and {@code
 * unregister} go to the server, {@code resolve} to a resolver, which answers from its cache within a
 * binding's TTL and asks the server otherwise. Settings: how long a resolver waits for the server,
 * and how many times it asks.
 */
record NameServiceKind(String name, String description) implements ProtocolKind {

  private static final AtomicLong REQUESTS = new AtomicLong();

  @Override
  public void checkConfig(KindConfig config) {
    resolver(NodeId.n(1), config);
  }

  private static HierarchicalResolver.Settings resolver(NodeId server, KindConfig c) {
    return new HierarchicalResolver.Settings(server, c.duration("resolver-timeout"), c.integer("resolver-attempts"));
  }

  @Override
  public Behavior<Object> create(KindContext context) {
    NodeId server = context.peers().members().first();
    if (context.peers().self().equals(server)) {
      return NameServer.create("", Map.of(), Map.of(), context.<HierarchicalResolver.Command>typedPeers())
          .unsafeCast();
    }
    return HierarchicalResolver.create(resolver(server, context.config()),
        context.<NameServer.Command>typedPeers(), context.env(), context.upcalls().narrow()).unsafeCast();
  }

  @Override
  public List<String> operations() {
    return List.of("register", "unregister", "resolve");
  }

  @Override
  public Object answerKeyOf(Object upcall) {
    return upcall instanceof HierarchicalResolver.Upcall u ? u.requestId() : null;
  }

  @Override
  public Call call(NodeSettings node, String op, JsonNode body) {
    NodeId server = node.group().get(0);
    boolean atServer = node.node().equals(server);
    switch (op) {
      case "register" -> {
        requireAt(atServer, op, "the name server " + server);
        long ttl = JsonFields.whole(body, "ttlMs", 1, Long.MAX_VALUE / 1_000_000, 60_000);
        return Call.accepted(new NameServer.Register(text(body, "name", op), text(body, "value", op),
            Duration.ofMillis(ttl)));
      }
      case "unregister" -> {
        requireAt(atServer, op, "the name server " + server);
        return Call.accepted(new NameServer.Unregister(text(body, "name", op)));
      }
      case "resolve" -> {
        requireAt(!atServer, op, "a resolver (any node but " + server + ")");
        long id = REQUESTS.incrementAndGet();
        return new Call(new HierarchicalResolver.Resolve(id, text(body, "name", op)), id);
      }
      default -> throw ProtocolKind.unknownOperation(this, op);
    }
  }

  private static void requireAt(boolean here, String op, String where) {
    if (!here) {
      throw new IllegalArgumentException(op + " is done at " + where);
    }
  }

  private static String text(JsonNode body, String field, String op) {
    JsonNode v = body == null ? null : body.get(field);
    if (v == null || !v.isTextual() || v.asText().isEmpty()) {
      throw new IllegalArgumentException(op + " needs a JSON body with a non-empty \"" + field
          + "\" string, such as {\"name\":\"printer\",\"value\":\"10.1.1.1\",\"ttlMs\":30000}");
    }
    return v.asText();
  }

  @Override
  public boolean hasLiveStatus() {
    return true;
  }

  @Override
  public Object statusQuery(NodeSettings node, ActorRef<Object> replyTo) {
    return node.node().equals(node.group().get(0))
        ? new NameServer.GetStatus(replyTo.narrow())
        : new HierarchicalResolver.GetStatus(replyTo.narrow());
  }
}
