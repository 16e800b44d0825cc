package dev.parley.cluster;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.mutex.Granted;
import dev.parley.protocols.mutex.MutexProtocol;
import dev.parley.protocols.mutex.Released;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A member of the mutual-exclusion family, Parley's ({@code protocols/mutex}) or a user's ({@link
 * MutexKinds#of}): {@code acquire} (answers once the client is granted, with its fencing token) and
 * {@code release}, made by the algorithm's {@link MutexProtocol}, by the node's clients in turn
 * ({@link LockClients}).
 *
 * @param settings the algorithm's settings from the kind's configuration section
 * @param factory the instance on a node
 * @param mutex how to drive the algorithm: its own acquire and release downcalls
 * @param statusQuery the algorithm's GetStatus for a node
 * @param serverOnly a node that cannot acquire (the lock server's own node), or null
 */
record MutexKind<S>(
    String name,
    String description,
    Function<KindConfig, S> settings,
    MutexKinds.Factory<S> factory,
    MutexProtocol<?> mutex,
    StatusQuery statusQuery,
    ServerOf serverOnly)
    implements ProtocolKind {

  @FunctionalInterface
  interface StatusQuery {
    Object of(NodeSettings node, ActorRef<Object> replyTo);
  }

  @FunctionalInterface
  interface ServerOf {
    NodeId of(List<NodeId> group);
  }

  @Override
  public void checkConfig(KindConfig config) {
    settings.apply(config);
  }

  @Override
  public Behavior<Object> create(KindContext context) {
    return factory.create(context, settings.apply(context.config()), context.upcalls().narrow()).unsafeCast();
  }

  @Override
  public List<Operation<?>> operations() {
    return List.of(Operation.of("acquire", Operation.Empty.class, (caller, none) -> exclusive(caller, "acquire")),
        Operation.of("release", Operation.Empty.class, (caller, none) -> exclusive(caller, "release")));
  }

  /** The node's clients queue for the algorithm's process ({@link LockClients}); not at the lock server's node. */
  private Invocation exclusive(Caller caller, String op) {
    NodeSettings node = caller.node();
    if (serverOnly != null && serverOnly.of(node.group()).equals(node.node())) {
      throw new IllegalArgumentException(node.node() + " runs the lock server of this group; "
          + op + " at one of its clients " + node.group().stream().filter(n -> !n.equals(node.node())).toList());
    }
    return new Invocation.Exclusive(op.equals("acquire"), mutex.acquire(), mutex.release());
  }

  @Override
  public Object status(UpcallLog upcalls, String instance) {
    Map<String, Object> out = new LinkedHashMap<>();
    Granted granted = upcalls.latest(instance, Granted.class);
    Released released = upcalls.latest(instance, Released.class);
    out.put("lastGranted", granted);
    out.put("lastReleased", released);
    return out;
  }

  @Override
  public boolean hasLiveStatus() {
    return true;
  }

  @Override
  public Object statusQuery(NodeSettings node, ActorRef<Object> replyTo) {
    return statusQuery.of(node, replyTo);
  }
}
