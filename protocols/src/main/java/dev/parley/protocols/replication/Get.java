package dev.parley.protocols.replication;

/** Read {@code key}; answered {@link KvReply.Ok} with its value (null when never written). */
public record Get(RequestId id, String key) implements KvRequest {}
