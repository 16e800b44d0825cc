package dev.parley.protocols.failure;

import dev.parley.protocols.core.NodeId;

/**
 * The wire message of the heartbeat detectors: {@code from} is alive; {@code seq} counts its
 * heartbeats (1, 2, 3, ... per incarnation).
 */
public record Heartbeat(NodeId from, long seq)
    implements HeartbeatFailureDetector.Command, PhiAccrualFailureDetector.Command {}
