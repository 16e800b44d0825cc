package dev.parley.cluster;

import akka.actor.typed.ActorRef;
import akka.actor.typed.receptionist.ServiceKey;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Payload;
import dev.parley.protocols.core.WireMessage;

/**
 * A client request forwarded from a node that does not serve it (a Raft follower, a chain's middle,
 * a primary-backup backup, a partitioned log's follower broker: any {@link LeaderServed} kind) to the
 * node its replica names as leader, and that node's answer.
 *
 * <p>Model: the HTTP edge of the first node tells its own {@link OperationHost} a {@link Request};
 * that host finds the leader's operation host for the same instance among the Receptionist's entries
 * (every leader-served instance's host registers under {@link #key}) and hands it the request
 * unchanged; the leader's host carries it out as its own edge's request ({@link
 * LeaderServed#invocation}) and answers the first edge's ask directly with a {@link Reply}. The
 * request keeps its id (a key-value request's client and sequence number, a log call's name), so a
 * retry through any node is deduplicated by the store as before.
 *
 * <p>Why over the cluster and not an HTTP call to the leader's address: the request then crosses one
 * Artery connection that is already open, to the actor that asks the replica, and the answer comes
 * straight back to the waiting edge; an HTTP call would add the leader's HTTP parsing, routing and its
 * own ask of the same host, and a second connection pool, for the same one network round trip.
 *
 * <p>Guarantees: at most one forward per request (the leader's host never forwards; a "not the
 * leader" it meets comes back as the answer). Cost: one local message, one network round trip.
 */
public sealed interface Forwarding extends WireMessage {

  /** The Receptionist key under which every node's operation host of instance {@code name} is listed. */
  static ServiceKey<Object> key(String name) {
    return ServiceKey.create(Object.class, "parley-operations:" + name);
  }

  /**
   * Carry out {@code request} (an invocation's {@link Invocation.Answered#request()}, a wire message)
   * at {@code leader}'s operation host of the same instance, answering {@code replyTo} with a {@link
   * Reply} within {@code withinMillis}; {@code label} as in {@link OperationHost.Invoke}.
   */
  record Request(NodeId leader, @Payload Object request, String label, long withinMillis, ActorRef<Object> replyTo)
      implements Forwarding {}

  /**
   * The leader's answer: {@code answer} the instance's upcall; or {@code inUse}, the other request
   * open under the same id at the leader (the forwarded one was not sent); both null: no answer in
   * time. {@code servedBy} names the node that answered; null: the request was not sent (the leader
   * is not a reachable member whose host is listed), so the first node's own answer stands.
   */
  record Reply(NodeId servedBy, @Payload Object answer, @Payload Object inUse) implements Forwarding {

    /** The request was not sent: no operation host of the leader is known. */
    static Reply unsent() {
      return new Reply(null, null, null);
    }
  }
}
