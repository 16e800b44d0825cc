package dev.parley.protocols.replication;

/**
 * Set {@code key} to {@code value} if it holds {@code expected} (null: never written); answered
 * {@link KvReply.Ok} if it did, {@link KvReply.CasFailed} with the value found if not.
 */
public record Cas(RequestId id, String key, String expected, String value) implements KvRequest {}
