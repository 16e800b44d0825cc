package dev.parley.protocols.replication;

/** Set {@code key} to {@code value}; answered {@link KvReply.Ok} once the write is durable as promised. */
public record Put(RequestId id, String key, String value) implements KvRequest {}
