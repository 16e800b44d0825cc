package dev.parley.cluster;

import akka.actor.typed.ActorRef;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.Peers;
import java.util.Optional;

/**
 * What a kind is given to create one instance ({@link ProtocolKind#create(KindContext)}).
 *
 * @param node the settings of the node the instance runs on; empty outside a cluster node (in a
 *     simulation or a spec's group)
 * @param instance the instance's name, as in {@code --protocol name=kind} (a persistence id for
 *     journaled protocols, so several instances on one node keep apart)
 * @param peers the group, each peer behind its fault-injecting link
 * @param env the node's clock and seeded randomness for this instance
 * @param upcalls where the instance reports what happens (its upcalls answer HTTP calls)
 * @param config the kind's settings, section {@code parley.kinds.<kind>} of the node's configuration
 */
public record KindContext(
    Optional<NodeSettings> node,
    String instance,
    Peers<Object> peers,
    NodeEnv env,
    ActorRef<Object> upcalls,
    KindConfig config) {

  /** The peers as the protocol's own command type (every instance's peers take any message). */
  @SuppressWarnings("unchecked")
  public <C> Peers<C> typedPeers() {
    return (Peers<C>) (Peers<?>) peers;
  }
}
