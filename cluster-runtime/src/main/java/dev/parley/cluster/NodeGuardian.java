package dev.parley.cluster;

import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.ClusterEvent;
import akka.cluster.Member;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Subscribe;
import dev.parley.protocols.core.NodeId;
import java.util.ArrayList;
import java.util.List;

/**
 * The root of a node: follows the cluster's membership (recorded as upcalls of {@code cluster}, and
 * shown by {@code /status}) and starts one {@link ProtocolInstance} per configured protocol.
 */
public final class NodeGuardian {

  private NodeGuardian() {}

  /** The name membership changes are recorded under in the node's upcall log. */
  public static final String CLUSTER = "cluster";

  /** A change of membership or reachability, as recorded. */
  record MemberChange(NodeId node, String address, String change) {}

  static Behavior<Object> create(NodeRuntime runtime) {
    return Behaviors.setup(ctx -> {
      Cluster cluster = Cluster.get(ctx.getSystem());
      cluster.subscriptions().tell(Subscribe.create(ctx.getSelf().narrow(), ClusterEvent.MemberEvent.class));
      cluster.subscriptions().tell(Subscribe.create(ctx.getSelf().narrow(), ClusterEvent.ReachabilityEvent.class));
      runtime.settings().protocols().forEach((name, kind) ->
          ctx.spawn(ProtocolInstance.create(runtime, name, kind), "protocol-" + name));
      return Behaviors.receive(Object.class)
          .onMessage(ClusterEvent.MemberEvent.class, e -> {
            record(runtime, e.member(), e.getClass().getSimpleName());
            return Behaviors.same();
          })
          .onMessage(ClusterEvent.ReachabilityEvent.class, e -> {
            record(runtime, e.member(), e.getClass().getSimpleName());
            return Behaviors.same();
          })
          .build();
    });
  }

  private static void record(NodeRuntime runtime, Member member, String change) {
    runtime.upcalls().record(CLUSTER, System.currentTimeMillis(),
        new MemberChange(nodeOf(member), member.address().hostPort(), change));
  }

  /** The members as this node sees them now. */
  public static List<NodeRuntime.Member> members(Cluster cluster) {
    List<NodeRuntime.Member> now = new ArrayList<>();
    for (Member m : cluster.state().getMembers()) {
      now.add(new NodeRuntime.Member(nodeOf(m), m.address().hostPort(), httpOf(m), m.status().toString(),
          !cluster.state().getUnreachable().contains(m)));
    }
    return now;
  }

  /** Where {@code member}'s HTTP API listens, host:port, or null if it does not say. */
  static String httpOf(Member member) {
    for (String role : member.getRoles()) {
      if (role.startsWith(NodeSettings.HTTP_ROLE_PREFIX)) {
        String http = role.substring(NodeSettings.HTTP_ROLE_PREFIX.length());
        return http.contains(":") ? http : member.address().getHost().orElse("127.0.0.1") + ":" + http;
      }
    }
    return null;
  }

  public static NodeId nodeOf(Member member) {
    for (String role : member.getRoles()) {
      if (role.startsWith(NodeSettings.ROLE_PREFIX)) {
        return NodeId.of(role.substring(NodeSettings.ROLE_PREFIX.length()));
      }
    }
    return null;
  }
}
