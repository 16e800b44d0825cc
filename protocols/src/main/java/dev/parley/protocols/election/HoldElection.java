package dev.parley.protocols.election;

/**
 * Downcall of the elections a node starts on its own (bully, ring): start an election now, as a node
 * that has just noticed the leader is gone would. (Raft and ZooKeeper start theirs from their own
 * timeouts.)
 */
public record HoldElection() implements Bully.Command, RingElection.Command {}
