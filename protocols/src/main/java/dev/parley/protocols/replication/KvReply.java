package dev.parley.protocols.replication;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.WireMessage;
import java.util.List;

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
  @JsonSubTypes.Type(value = KvReply.Appended.class, name = "appended"),
  @JsonSubTypes.Type(value = KvReply.Records.class, name = "records"),
  @JsonSubTypes.Type(value = KvReply.Rejected.class, name = "rejected")
})
public sealed interface KvReply extends WireMessage
    permits KvReply.Ok, KvReply.CasFailed, KvReply.NotLeader, KvReply.Unavailable, KvReply.Appended,
        KvReply.Records, KvReply.Rejected {

  RequestId id();

  /** Done: a put or cas took effect, a get read {@code value} (null for a put or cas). */
  record Ok(RequestId id, String value) implements KvReply {}

  /** An {@link Append} took effect: the record is at {@code offset} of its log, stamped {@code timestamp}. */
  record Appended(RequestId id, long offset, long timestamp) implements KvReply {}

  /**
   * What a {@link ReadLog} read: {@code records} in offset order, and the log's {@code start} (first
   * offset held), {@code end} (next offset to be appended) and the age cutoff of its last retention
   * ({@code trimmedBefore}, {@link Long#MIN_VALUE} if none).
   */
  record Records(RequestId id, long start, long end, long trimmedBefore, List<LogRecord> records)
      implements KvReply {
    public Records {
      records = List.copyOf(records);
    }
  }

  /** A cas did not take effect: the key held {@code current}. */
  record CasFailed(RequestId id, String current) implements KvReply {}

  /** This node cannot serve it; try {@code leader} (null when unknown). The request had no effect. */
  record NotLeader(RequestId id, NodeId leader) implements KvReply {}

  /**
   * Refused without effect, because of what its id says ({@link ClientSessions}): {@code why}, and
   * {@code reason} in words for the client.
   */
  record Rejected(RequestId id, Why why, String reason) implements KvReply {

    /** Why a request was refused. */
    public enum Why {
      /** Its id already names another request. */
      ID_REUSED,
      /** Its seq is older than the requests its client's session remembers. */
      SEQ_FORGOTTEN;

      /** The name a client sees, such as {@code id-reused}. */
      public String label() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
      }
    }
  }

  /** Not served now ({@code reason}: no quorum, blocked, ...); it may or may not have taken effect. */
  record Unavailable(RequestId id, String reason) implements KvReply {}
}
