package dev.parley.cluster;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A kind of protocol a node can run (causal multicast, a lock server, a Raft election, ...): how an
 * instance is made, which client operations its HTTP face offers, and what its status shows. Every
 * protocol plugs into the runtime the same way: add a kind to {@link ProtocolKinds}.
 */
public interface ProtocolKind {

  /** The name used in {@code --protocol name=kind}, such as {@code causal-multicast}. */
  String name();

  /** One line saying what it is. */
  String description();

  /** The instance named {@code instance} of this kind on one node. */
  Behavior<Object> create(String instance, Peers<Object> peers, NodeEnv env, ActorRef<Object> upcalls);

  /** The client operations, such as {@code multicast}; each is {@code POST /protocols/<name>/<op>}. */
  List<String> operations();

  /**
   * The downcall for operation {@code op} at {@code node} with the request's JSON body (null if
   * none); a body without what it needs, or an operation this node cannot do, is an {@link
   * IllegalArgumentException} saying what was wrong.
   */
  Object downcall(NodeSettings node, String op, JsonNode body);

  /** Whether the HTTP call of operation {@code op} waits for an upcall that completes it. */
  default boolean waitsForUpcall(String op) {
    return false;
  }

  /** Whether {@code upcall}, raised at node {@code self}, completes operation {@code op}. */
  default boolean completes(NodeId self, String op, Object upcall) {
    return false;
  }

  /** A downcall and the test its completing upcall passes. */
  record Call(Object downcall, Predicate<Object> completedBy) {}

  /**
   * Operation {@code op} at {@code node}: its downcall, and which upcall completes it (for a kind
   * whose answers name their request, the one naming this call's).
   */
  default Call call(NodeSettings node, String op, JsonNode body) {
    return new Call(downcall(node, op, body), upcall -> completes(node.node(), op, upcall));
  }

  /** What {@code /status} shows of an instance, from its upcalls. */
  default Object status(UpcallLog upcalls, String instance) {
    return Map.of("upcalls", upcalls.count(instance));
  }

  /** Whether an instance answers {@link #statusQuery} with its live state. */
  default boolean hasLiveStatus() {
    return false;
  }

  /** The query for an instance's live state at {@code node}, answered to {@code replyTo}. */
  default Object statusQuery(NodeSettings node, ActorRef<Object> replyTo) {
    throw new UnsupportedOperationException(name() + " has no live status");
  }

  /** The error for an operation this kind does not have. */
  static IllegalArgumentException unknownOperation(ProtocolKind kind, String op) {
    return new IllegalArgumentException("unknown operation '" + op + "' of " + kind.name()
        + "; its operations are " + kind.operations());
  }
}
