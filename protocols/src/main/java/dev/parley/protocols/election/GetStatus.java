package dev.parley.protocols.election;

import akka.actor.typed.ActorRef;

/** Downcall every election accepts: reply with this node's {@link ElectionStatus}. */
public record GetStatus(ActorRef<ElectionStatus> replyTo)
    implements Bully.Command, RingElection.Command, ZooKeeperElection.Command, RaftElection.Command {}
