package dev.parley.cluster;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.Peers;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A kind of protocol a node can run (causal multicast, a lock server, a Raft election, ...): how an
 * instance is made, which client operations its HTTP face offers, and what its status shows. Every
 * protocol plugs into the runtime the same way, Parley's and a user's alike: a {@link KindProvider}
 * offers the kind, and its settings are its configuration section {@code parley.kinds.<name>}
 * ({@link KindConfig}).
 *
 * <p>An operation is a {@link Call}: the downcall to give the instance, and, for an operation
 * answered by an upcall, the key that upcall carries ({@link #answerKeyOf}): the request id, run or
 * query number the call minted. The node hands each answer to the request with its key and to no
 * other ({@link Replies}).
 */
public interface ProtocolKind {

  /** The name used in {@code --protocol name=kind}, such as {@code causal-multicast}. */
  String name();

  /** One line saying what it is. */
  String description();

  /**
   * Reads every setting {@link #create} will read, when the node starts, so that a malformed one
   * stops the node at once with the message naming its key rather than failing an instance later.
   * A kind without settings has nothing to check.
   */
  default void checkConfig(KindConfig config) {}

  /** One instance of this kind on one node, from what {@code context} gives it. */
  Behavior<Object> create(KindContext context);

  /**
   * The instance named {@code instance} outside a cluster node (a simulation, a spec's group), with
   * the settings this kind's class loader's configuration has (its reference.conf's defaults).
   */
  default Behavior<Object> create(String instance, Peers<Object> peers, NodeEnv env, ActorRef<Object> upcalls) {
    return create(new KindContext(Optional.empty(), instance, peers, env, upcalls,
        KindConfig.of(name(), getClass().getClassLoader())));
  }

  /** The client operations, such as {@code multicast}; each is {@code POST /protocols/<name>/<op>}. */
  List<String> operations();

  /**
   * Operation {@code op} at {@code node} with the request's JSON body (null if none); a body without
   * what it needs, or an operation this node cannot do, is an {@link IllegalArgumentException} saying
   * what was wrong. Nothing is sent before this returns.
   */
  Call call(NodeSettings node, String op, JsonNode body);

  /** The key of the call {@code upcall} answers, or null if it answers none. */
  default Object answerKeyOf(Object upcall) {
    return null;
  }

  /**
   * A downcall, and the key its answering upcall carries (null: the operation is accepted at once
   * and answered by no upcall).
   */
  record Call(Object downcall, Object answerKey) {

    /** A downcall answered by no upcall: the HTTP call answers 202 once it is handed over. */
    public static Call accepted(Object downcall) {
      return new Call(downcall, null);
    }

    public boolean answered() {
      return answerKey != null;
    }
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
