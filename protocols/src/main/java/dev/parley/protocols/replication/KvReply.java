package dev.parley.protocols.replication;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.WireMessage;

/** The upcall answering a {@link KvRequest}, at the node the request was given to. */
public sealed interface KvReply extends WireMessage
    permits KvReply.Ok, KvReply.CasFailed, KvReply.NotLeader, KvReply.Unavailable {

  RequestId id();

  /** Done: a put or cas took effect, a get read {@code value} (null for a put or cas). */
  record Ok(RequestId id, String value) implements KvReply {}

  /** A cas did not take effect: the key held {@code current}. */
  record CasFailed(RequestId id, String current) implements KvReply {}

  /** This node cannot serve it; try {@code leader} (null when unknown). The request had no effect. */
  record NotLeader(RequestId id, NodeId leader) implements KvReply {}

  /** Not served now ({@code reason}: no quorum, blocked, ...); it may or may not have taken effect. */
  record Unavailable(RequestId id, String reason) implements KvReply {}
}
