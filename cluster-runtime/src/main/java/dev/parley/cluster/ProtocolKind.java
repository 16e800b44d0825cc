package dev.parley.cluster;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.Peers;
import java.util.List;

/**
 * A kind of protocol a node can run (causal multicast, a lock server, ...): how an instance is made
 * and which client operations its HTTP face offers. Every protocol plugs into the runtime the same
 * way: add a kind to {@link ProtocolKinds}.
 */
public interface ProtocolKind {

  /** The name used in {@code --protocol name=kind}, such as {@code causal-multicast}. */
  String name();

  /** One line saying what it is. */
  String description();

  /** The instance of this kind on one node. */
  Behavior<Object> create(Peers<Object> peers, NodeEnv env, ActorRef<Object> upcalls);

  /** The client operations, such as {@code multicast}; each is {@code POST /protocols/<name>/<op>}. */
  List<String> operations();

  /**
   * The downcall for operation {@code op} with the request's JSON body; an unknown operation or a
   * body without what it needs is an {@link IllegalArgumentException} saying what was wrong.
   */
  Object downcall(String op, JsonNode body);

  /** Whether the HTTP call of operation {@code op} waits for an upcall that completes it. */
  default boolean waitsForUpcall(String op) {
    return false;
  }

  /** Whether {@code upcall} completes operation {@code op} (a grant completes an acquire). */
  default boolean completes(String op, Object upcall) {
    return false;
  }

  /** What {@code /status} shows of an instance of this kind, from its upcalls. */
  default Object status(UpcallLog upcalls, String instance) {
    return java.util.Map.of("upcalls", upcalls.count(instance));
  }
}
