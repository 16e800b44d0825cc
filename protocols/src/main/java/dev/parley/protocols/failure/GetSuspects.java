package dev.parley.protocols.failure;

import akka.actor.typed.ActorRef;

/** Downcall of the heartbeat detectors: reply with whom this node suspects now. */
public record GetSuspects(ActorRef<DetectorStatus> replyTo)
    implements HeartbeatFailureDetector.Command, PhiAccrualFailureDetector.Command {}
