package dev.parley.bench;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorRef;
import akka.actor.typed.javadsl.Behaviors;
import dev.parley.cluster.KvKind;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.replication.KvReply;
import dev.parley.testkit.group.LocalGroup;
import java.util.List;
import java.util.function.Consumer;

/** A key-value store on three nodes of real actors in this JVM, its replies handed to the harness. */
final class KvGroups {

  private KvGroups() {}

  /** Instance {@code instance} of {@code kind} on n1..n3; every {@link KvReply} goes to {@code replies}. */
  static LocalGroup<Object> start(ActorTestKit kit, KvKind<?> kind, String instance, Consumer<KvReply> replies) {
    List<NodeId> nodes = List.of(NodeId.n(1), NodeId.n(2), NodeId.n(3));
    return new LocalGroup.Builder(kit, nodes, 1, g -> {})
        .start((peers, env, upcalls) -> Behaviors.setup(ctx -> {
          ActorRef<Object> listener = ctx.spawn(Behaviors.receiveMessage(upcall -> {
            if (upcall instanceof KvReply reply) {
              replies.accept(reply);
            }
            return Behaviors.same();
          }), "clients");
          return kind.create(instance, peers, env, listener);
        }));
  }
}
