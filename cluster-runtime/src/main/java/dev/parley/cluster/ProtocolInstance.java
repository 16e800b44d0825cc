package dev.parley.cluster;

import akka.actor.Address;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.receptionist.Receptionist;
import akka.actor.typed.receptionist.ServiceKey;
import akka.cluster.ClusterEvent;
import akka.cluster.Member;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Subscribe;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeHost;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.link.FaultyLink;
import dev.parley.protocols.link.LinkControl;
import dev.parley.protocols.link.LinkShortcut;
import dev.parley.protocols.trace.TracingLink;
import java.util.ArrayList;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;

/**
 * One protocol instance on a cluster node: its {@link NodeHost}, the receiving end every peer sends
 * to (registered with the Receptionist), and a fault-injecting link in front of every outbound peer
 * reference, under the node's {@code Network} so the nemesis acts on a live cluster as in tests.
 *
 * <p>Discovery: the Receptionist lists the receiving ends of the instances of the same name; a
 * reference's address is mapped to its {@link NodeId} through the member's role ({@code
 * parley-node-<id>}). Once every member of the configured group is listed, the host starts the
 * protocol with its peers. A member that comes back (a restarted JVM) is reconnected: its link
 * starts delivering to the new reference.
 *
 * <p>Requests from the node's HTTP edge go from the {@link OperationHost} to the host until the
 * instance runs, then straight to the running instance (each incarnation attaches itself as it
 * starts): one hop less per request. A crashed instance's requests are lost as the host would drop
 * them; the next incarnation attaches itself in turn.
 *
 * <p>Cost per message: untraced, none beyond Artery while the node's network never had a fault: a
 * {@link LinkShortcut} sends a protocol's {@code tell} straight to the peer's receiving end; from the
 * first nemesis command on (or for a reference the protocol took itself), every message passes the
 * fault-injecting link (one local actor hop). When the node traces ({@code parley.trace.enabled}),
 * every message passes the link and a tracing hop at each end.
 */
final class ProtocolInstance extends AbstractBehavior<ProtocolInstance.Command> {

  sealed interface Command {}

  private record Listed(Receptionist.Listing listing) implements Command {}

  private record MembershipChanged(ClusterEvent.MemberEvent event) implements Command {}

  private final NodeRuntime runtime;
  private final String name;
  private final ProtocolKind kind;
  private final ServiceKey<Object> key;
  private final ActorRef<Object> host;
  private final ActorRef<Object> operations;
  private final Map<NodeId, ActorRef<Object>> remote = new TreeMap<>();
  private final Map<NodeId, ActorRef<Object>> links = new TreeMap<>();
  private final Map<NodeId, ActorRef<Object>> peers = new TreeMap<>();
  private final Map<NodeId, LinkShortcut> shortcuts = new TreeMap<>();
  private Receptionist.Listing lastListing;
  private boolean started;

  static Behavior<Command> create(NodeRuntime runtime, String name, ProtocolKind kind) {
    return Behaviors.setup(ctx -> new ProtocolInstance(ctx, runtime, name, kind));
  }

  private ProtocolInstance(
      ActorContext<Command> ctx, NodeRuntime runtime, String name, ProtocolKind kind) {
    super(ctx);
    this.runtime = runtime;
    this.name = name;
    this.kind = kind;
    NodeId self = runtime.node();
    NodeEnv env = NodeEnv.seeded(self, NodeEnv.mix(runtime.settings().seed(), name));
    this.operations = ctx.spawn(OperationHost.create(runtime, name, env), "operations");
    KindConfig config = runtime.kindConfig(kind);
    ActorRef<Object> ops = operations;
    this.host = ctx.spawn(NodeHost.create(env, (Peers<Object> p, NodeEnv e) -> Behaviors.setup(instance -> {
      ops.tell(new OperationHost.Running(instance.getSelf()));
      return kind.create(new KindContext(Optional.of(runtime.settings()), name, p, e, ops, config));
    })), "host");
    operations.tell(new OperationHost.Attach(host));
    ActorRef<Object> inbound = !runtime.tracing() ? host
        : ctx.spawn(TracingLink.receiver(runtime.tracer(), name, self, host), "inbound");
    this.key = ServiceKey.create(Object.class, "parley-" + name);
    ctx.getSystem().receptionist().tell(Receptionist.register(key, inbound));
    ctx.getSystem().receptionist().tell(Receptionist.subscribe(key,
        ctx.messageAdapter(Receptionist.Listing.class, Listed::new)));
    Cluster.get(ctx.getSystem()).subscriptions().tell(Subscribe.create(
        ctx.messageAdapter(ClusterEvent.MemberEvent.class, MembershipChanged::new),
        ClusterEvent.MemberEvent.class));
    publish();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Listed.class, l -> {
          lastListing = l.listing();
          return resolve();
        })
        .onMessage(MembershipChanged.class, m -> resolve())
        .build();
  }

  private Behavior<Command> resolve() {
    if (lastListing == null) {
      return this;
    }
    for (ActorRef<Object> ref : lastListing.getServiceInstances(key)) {
      nodeOf(ref.path().address()).ifPresent(node -> {
        if (!node.equals(runtime.node()) && runtime.settings().group().contains(node)) {
          connect(node, ref);
        }
      });
    }
    if (!started && links.keySet().containsAll(others())) {
      started = true;
      host.tell(new NodeHost.Start(Peers.routed(runtime.node(), peers, shortcuts)));
      getContext().getLog().info("{} started with peers {}", name, peers.keySet());
    }
    publish();
    return this;
  }

  private void connect(NodeId node, ActorRef<Object> ref) {
    ActorRef<Object> previous = remote.put(node, ref);
    if (ref.equals(previous)) {
      return;
    }
    ActorRef<Object> link = links.get(node);
    if (link != null) {
      getContext().getLog().info("{}: {} is back at {}", name, node, ref.path());
      link.tell(new LinkControl.Connect(ref));
      LinkShortcut shortcut = shortcuts.get(node);
      if (shortcut != null) {
        shortcut.retarget(ref);
      }
      return;
    }
    NodeId self = runtime.node();
    Random random = new Random(NodeEnv.mix(runtime.settings().seed(), name + ">" + node));
    link = getContext().spawn(FaultyLink.create(self, node, ref,
        runtime.network().planFor(self, node), random), "link-" + node);
    runtime.network().register(self, node, link.narrow());
    links.put(node, link);
    if (runtime.tracing()) {
      peers.put(node, getContext().spawn(TracingLink.sender(runtime.tracer(), name, self, node, link), "trace-" + node));
    } else {
      peers.put(node, link);
      LinkShortcut shortcut = new LinkShortcut(self, node, link, ref, runtime.network());
      runtime.network().register(shortcut);
      shortcuts.put(node, shortcut);
    }
  }

  private java.util.List<NodeId> others() {
    java.util.List<NodeId> out = new ArrayList<>(runtime.settings().group());
    out.remove(runtime.node());
    return out;
  }

  /** The node whose member has {@code address}, by its role; this node for a local reference. */
  private Optional<NodeId> nodeOf(Address address) {
    Cluster cluster = Cluster.get(getContext().getSystem());
    if (address.hasLocalScope() || address.equals(cluster.selfMember().address())) {
      return Optional.of(runtime.node());
    }
    for (Member m : cluster.state().getMembers()) {
      if (m.address().equals(address)) {
        return Optional.ofNullable(NodeGuardian.nodeOf(m));
      }
    }
    return Optional.empty();
  }

  private void publish() {
    runtime.instance(new NodeRuntime.Instance(name, kind, host, operations, new ArrayList<>(links.keySet()), started));
  }
}
