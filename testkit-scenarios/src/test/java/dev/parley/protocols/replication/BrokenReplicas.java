package dev.parley.protocols.replication;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.Peers;

/** The deliberately broken variants the replication specs use as negative controls. */
public final class BrokenReplicas {

  private BrokenReplicas() {}

  /** A primary that answers each request before its backups hold it. */
  public static Behavior<PrimaryBackup.Command> primaryAnsweringBeforeReplicating(String group,
      Peers<PrimaryBackup.Command> peers, NodeEnv env, PrimaryBackup.Settings settings, ActorRef<KvReply> upcalls) {
    return PrimaryBackup.create(group, peers, env, settings, upcalls, true);
  }

  /** Chain replicas whose head and tail serve without a lease from the master. */
  public static Behavior<ChainReplication.Command> chainServingWithoutLease(String group,
      Peers<ChainReplication.Command> peers, NodeEnv env, ChainReplication.Settings settings,
      ActorRef<KvReply> upcalls) {
    return ChainReplication.create(group, peers, env, settings, upcalls, true);
  }
}
