package dev.parley.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.protocols.replication.TwoPhaseCommit;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Two-phase commit's {@code transact} operation over HTTP: {@code {"writes":{"a":"1","b":"2"},
 * "expected":{"a":null}, "txId":"t1"}} (expected and txId optional), completed by the coordinator's
 * {@link TwoPhaseCommit.TxOutcome} for that transaction.
 */
final class Transactions {

  private static final String PREFIX = "http-" + UUID.randomUUID().toString().substring(0, 8) + "-";
  private static final AtomicLong SEQ = new AtomicLong();
  private static final String EXAMPLE = "{\"writes\":{\"a\":\"1\",\"b\":\"2\"},\"expected\":{\"a\":null}}";

  private Transactions() {}

  static ProtocolKind.Call call(JsonNode body) {
    if (body == null || !body.isObject() || !body.has("writes")) {
      throw new IllegalArgumentException("transact takes a JSON object with the keys to write, such as "
          + EXAMPLE + " (expected: each key's value for the transaction to commit, null: never written)");
    }
    Map<String, String> writes = strings(body.get("writes"), "writes", false);
    if (writes.isEmpty()) {
      throw new IllegalArgumentException("a transaction writes at least one key, such as " + EXAMPLE);
    }
    Map<String, String> expected = body.has("expected") ? strings(body.get("expected"), "expected", true) : Map.of();
    JsonNode id = body.get("txId");
    if (id != null && !id.isTextual()) {
      throw new IllegalArgumentException("\"txId\" must be a string unique in the group, got " + id);
    }
    String txId = id != null ? id.asText() : PREFIX + SEQ.incrementAndGet();
    return new ProtocolKind.Call(new TwoPhaseCommit.Transact(txId, writes, expected), txId);
  }

  private static Map<String, String> strings(JsonNode node, String field, boolean nullsAllowed) {
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("\"" + field + "\" must map keys to strings, such as " + EXAMPLE);
    }
    Map<String, String> out = new HashMap<>();
    node.fields().forEachRemaining(e -> {
      JsonNode v = e.getValue();
      if (v.isNull() && nullsAllowed) {
        out.put(e.getKey(), null);
      } else if (v.isTextual()) {
        out.put(e.getKey(), v.asText());
      } else {
        throw new IllegalArgumentException("\"" + field + "\"." + e.getKey() + " must be a string"
            + (nullsAllowed ? " or null" : "") + ", got " + v);
      }
    });
    return out;
  }
}
