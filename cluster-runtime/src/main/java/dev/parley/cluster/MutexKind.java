package dev.parley.cluster;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.mutex.Acquire;
import dev.parley.protocols.mutex.Granted;
import dev.parley.protocols.mutex.MutexUpcall;
import dev.parley.protocols.mutex.Release;
import dev.parley.protocols.mutex.Released;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The mutual-exclusion algorithms of {@code protocols/mutex}: {@code acquire} (answers once this
 * node is granted, with its fencing token) and {@code release}.
 *
 * @param factory the instance on a node
 * @param statusQuery the algorithm's GetStatus for a node
 * @param serverOnly a node that cannot acquire (the lock server's own node), or null
 */
record MutexKind(
    String name,
    String description,
    Factory factory,
    StatusQuery statusQuery,
    ServerOf serverOnly)
    implements ProtocolKind {

  @FunctionalInterface
  interface Factory {
    Behavior<?> create(String instance, Peers<Object> peers, NodeEnv env, ActorRef<MutexUpcall> upcalls);
  }

  @FunctionalInterface
  interface StatusQuery {
    Object of(NodeSettings node, ActorRef<Object> replyTo);
  }

  @FunctionalInterface
  interface ServerOf {
    NodeId of(List<NodeId> group);
  }

  @Override
  public Behavior<Object> create(
      String instance, Peers<Object> peers, NodeEnv env, ActorRef<Object> upcalls) {
    return factory.create(instance, peers, env, upcalls.narrow()).unsafeCast();
  }

  @Override
  public List<String> operations() {
    return List.of("acquire", "release");
  }

  @Override
  public Call call(NodeSettings node, String op, JsonNode body) {
    if (serverOnly != null && serverOnly.of(node.group()).equals(node.node())) {
      throw new IllegalArgumentException(node.node() + " runs the lock server of this group; "
          + op + " at one of its clients " + node.group().stream().filter(n -> !n.equals(node.node())).toList());
    }
    if (op.equals("acquire")) {
      return Call.accepted(new Acquire());
    }
    if (op.equals("release")) {
      return Call.accepted(new Release());
    }
    throw ProtocolKind.unknownOperation(this, op);
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
