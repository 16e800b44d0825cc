package dev.parley.protocols.replication;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.parley.protocols.core.Fingerprint;

/**
 * The replicated key-value interface every algorithm of this package offers, as downcalls ({@link
 * Put}, {@link Get}, {@link Cas}, and {@link Register} for a client id of the store's own); each is answered by a {@link KvReply} upcall carrying its {@link
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
  @JsonSubTypes.Type(value = Register.class, name = "register")
})
public sealed interface KvRequest extends ClientRequest permits Put, Get, Cas, Register {

  @Override
  RequestId id();

  String key();

  /** Its kind in a word: put, get, cas or register. */
  default String kind() {
    if (this instanceof Put) {
      return "put";
    }
    if (this instanceof Register) {
      return "register";
    }
    return this instanceof Get ? "get" : "cas";
  }

  /**
   * What the request asks, without its id: equal for a retry of the same request, different for
   * another request, so a store can tell them apart under one {@link RequestId} ({@link
   * ClientSessions}). A hash of the fields, the same on every JVM.
   */
  @Override
  default String fingerprint() {
    if (this instanceof Put p) {
      return Fingerprint.of(kind(), p.key(), p.value());
    }
    if (this instanceof Get g) {
      return Fingerprint.of(kind(), g.key());
    }
    Cas c = (Cas) this;
    return Fingerprint.of(kind(), c.key(), c.expected(), c.value());
  }

  @Override
  default String describe() {
    return ClientRequest.describe(kind(), "key", key());
  }

  /** Whether it may change the store (a put or cas). */
  @Override
  default boolean isWrite() {
    return !(this instanceof Get);
  }
}
