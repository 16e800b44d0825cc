package dev.parley.cluster;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
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
 * <p>Its client operations are {@link Operation}s: a name, the record its JSON body maps onto, and
 * what it asks of the instance ({@link Invocation}: a downcall answered by the upcall carrying the
 * key it minted, one accepted at once, one carrying its reply-to, or a lock client's acquire and
 * release). The node's {@link OperationHost} for the instance carries each out and answers it.
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

  /**
   * The client operations, such as {@code multicast}: each is {@code POST /protocols/<name>/<op>}
   * with a JSON body mapped onto the operation's record. None by default.
   */
  default List<Operation<?>> operations() {
    return List.of();
  }

  /** The names of {@link #operations}, in order. */
  default List<String> operationNames() {
    return operations().stream().map(Operation::name).toList();
  }

  /** Operation {@code op}; one this kind does not have is an error (a 404) listing those it has. */
  default Operation<?> operation(String op) {
    return operations().stream().filter(o -> o.name().equals(op)).findFirst()
        .orElseThrow(() -> new NodeRuntime.UnknownException("unknown operation '" + op + "' of " + name()
            + "; its operations are " + operationNames()));
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

}
