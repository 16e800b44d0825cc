package dev.parley.cluster;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import com.fasterxml.jackson.annotation.JsonProperty;
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

  /** The body of {@code register}: bind {@code name} to {@code value} for {@code ttlMs} (default 60000). */
  public record Register(@JsonProperty(required = true) String name, @JsonProperty(required = true) String value,
      Long ttlMs) {
    public Register {
      requireNonEmpty("name", name);
      requireNonEmpty("value", value);
      if (ttlMs != null && (ttlMs < 1 || ttlMs > Long.MAX_VALUE / 1_000_000)) {
        throw new IllegalArgumentException("\"ttlMs\" must be a whole number from 1 to " + Long.MAX_VALUE / 1_000_000
            + ", got " + ttlMs);
      }
    }
  }

  /** The body of {@code unregister} and {@code resolve}: a name. */
  public record Name(@JsonProperty(required = true) String name) {
    public Name {
      requireNonEmpty("name", name);
    }
  }

  private static void requireNonEmpty(String field, String value) {
    if (value != null && value.isEmpty()) {
      throw new IllegalArgumentException("\"" + field + "\" is empty");
    }
  }

  @Override
  public List<Operation<?>> operations() {
    return List.of(
        Operation.of("register", Register.class, (caller, r) -> {
          requireAt(atServer(caller), "register", "the name server " + server(caller));
          return Invocation.accepted(new NameServer.Register(r.name(), r.value(),
              Duration.ofMillis(r.ttlMs() == null ? 60_000 : r.ttlMs())));
        }),
        Operation.of("unregister", Name.class, (caller, n) -> {
          requireAt(atServer(caller), "unregister", "the name server " + server(caller));
          return Invocation.accepted(new NameServer.Unregister(n.name()));
        }),
        Operation.of("resolve", Name.class, (caller, n) -> {
          requireAt(!atServer(caller), "resolve", "a resolver (any node but " + server(caller) + ")");
          long id = REQUESTS.incrementAndGet();
          return Invocation.answeredBy(new HierarchicalResolver.Resolve(id, n.name()),
              HierarchicalResolver.Upcall.class, HierarchicalResolver.Upcall::requestId, id);
        }));
  }

  private static NodeId server(Caller caller) {
    return caller.node().group().get(0);
  }

  private static boolean atServer(Caller caller) {
    return caller.node().node().equals(server(caller));
  }

  private static void requireAt(boolean here, String op, String where) {
    if (!here) {
      throw new IllegalArgumentException(op + " is done at " + where);
    }
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
