package dev.parley.protocols.replication;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.WireMessage;

/**
 * The upcall answering a {@link KvRequest}, at the node the request was given to. Typed on the wire,
 * so a reply recorded in a {@link KvStore} (to answer a retry) travels in snapshots and state
 * transfers and sits in journals.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = KvReply.Ok.class, name = "ok"),
  @JsonSubTypes.Type(value = KvReply.CasFailed.class, name = "cas-failed"),
  @JsonSubTypes.Type(value = KvReply.NotLeader.class, name = "not-leader"),
  @JsonSubTypes.Type(value = KvReply.Unavailable.class, name = "unavailable"),
  @JsonSubTypes.Type(value = KvReply.Rejected.class, name = "rejected")
})
public sealed interface KvReply extends WireMessage
    permits KvReply.Ok, KvReply.CasFailed, KvReply.NotLeader, KvReply.Unavailable, KvReply.Rejected {

  RequestId id();

  /** Done: a put or cas took effect, a get read {@code value} (null for a put or cas). */
  record Ok(RequestId id, String value) implements KvReply {}

  /** A cas did not take effect: the key held {@code current}. */
  record CasFailed(RequestId id, String current) implements KvReply {}

  /** This node cannot serve it; try {@code leader} (null when unknown). The request had no effect. */
  record NotLeader(RequestId id, NodeId leader) implements KvReply {}

  /**
   * Refused without effect, because of what its id says ({@link ClientSessions}): {@code why}, and
   * {@code reason} in words for the client.
   */
  record Rejected(RequestId id, ClientSessions.Why why, String reason) implements KvReply {

    /** The refusal of the request named {@code id}, as the sessions gave it. */
    public static Rejected of(RequestId id, ClientSessions.Refused<?> refused) {
      return new Rejected(id, refused.why(), refused.reason());
    }
  }

  /** Not served now ({@code reason}: no quorum, blocked, ...); it may or may not have taken effect. */
  record Unavailable(RequestId id, String reason) implements KvReply {}
}
