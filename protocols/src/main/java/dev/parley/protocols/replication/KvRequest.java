package dev.parley.protocols.replication;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.parley.protocols.core.Fingerprint;
import dev.parley.protocols.core.WireMessage;

/**
 * The replicated key-value interface every algorithm of this package offers, as downcalls ({@link
 * Put}, {@link Get}, {@link Cas}, and on logs {@link Append}, {@link ReadLog}, {@link Trim}); each is answered by a {@link KvReply} upcall carrying its {@link
 * RequestId}, at the node the request was given to. One workload, one nemesis and one
 * linearizability checker serve every algorithm.
 *
 * <p>An algorithm takes a request wrapped in its own command ({@code RaftKv.Request(request)} and
 * the like), so the three request types serve every algorithm's sealed vocabulary; they carry their
 * type name on the wire, so a request travels inside a log entry or a forwarded message.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = Put.class, name = "put"),
  @JsonSubTypes.Type(value = Get.class, name = "get"),
  @JsonSubTypes.Type(value = Cas.class, name = "cas"),
  @JsonSubTypes.Type(value = Append.class, name = "append"),
  @JsonSubTypes.Type(value = ReadLog.class, name = "read-log"),
  @JsonSubTypes.Type(value = Trim.class, name = "trim")
})
public sealed interface KvRequest extends WireMessage permits Put, Get, Cas, Append, ReadLog, Trim {

  RequestId id();

  String key();

  /** Its kind in a word: put, get, cas, append, read-log or trim. */
  default String kind() {
    if (this instanceof Put) {
      return "put";
    }
    if (this instanceof Get) {
      return "get";
    }
    if (this instanceof Cas) {
      return "cas";
    }
    if (this instanceof Append) {
      return "append";
    }
    return this instanceof ReadLog ? "read-log" : "trim";
  }

  /**
   * What the request asks, without its id and without what its sender stamps on each attempt (an
   * append's timestamp): equal for a retry of the same request, different for another request, so a
   * store can tell them apart under one {@link RequestId} ({@link ClientSessions}). A hash of the
   * fields, the same on every JVM.
   */
  default String fingerprint() {
    if (this instanceof Put p) {
      return Fingerprint.of(kind(), p.key(), p.value());
    }
    if (this instanceof Get g) {
      return Fingerprint.of(kind(), g.key());
    }
    if (this instanceof Cas c) {
      return Fingerprint.of(kind(), c.key(), c.expected(), c.value());
    }
    if (this instanceof Append a) {
      return Fingerprint.of(kind(), a.log(), a.recordKey(), a.value());
    }
    if (this instanceof ReadLog r) {
      return Fingerprint.of(kind(), r.log(), Long.toString(r.from()), Integer.toString(r.max()));
    }
    Trim t = (Trim) this;
    return Fingerprint.of(kind(), t.log(), Long.toString(t.olderThan()), Long.toString(t.maxRecords()),
        Long.toString(t.maxBytes()));
  }

  /** Whether it may change the store (a put, cas, append or trim). */
  default boolean isWrite() {
    return !(this instanceof Get || this instanceof ReadLog);
  }

  /**
   * Whether it is an operation on a log ({@link Append}, {@link ReadLog}, {@link Trim}), which a
   * store must apply in one agreed order: the log-ordered stores (Raft, primary-backup, chain) apply
   * them through {@link KvStore}; the others refuse them as they refuse what needs consensus.
   */
  default boolean isLogOperation() {
    return this instanceof Append || this instanceof ReadLog || this instanceof Trim;
  }
}
