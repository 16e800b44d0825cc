package dev.parley.cluster;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.parley.protocols.replication.TwoPhaseCommit;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Two-phase commit's {@code transact} operation: {@code {"writes":{"a":"1","b":"2"},
 * "expected":{"a":null}, "txId":"t1"}} (expected and txId optional), answered by the coordinator's
 * {@link TwoPhaseCommit.TxOutcome} for that transaction.
 */
final class Transactions {

  private static final String PREFIX = "http-" + UUID.randomUUID().toString().substring(0, 8) + "-";
  private static final AtomicLong SEQ = new AtomicLong();
  private static final String EXAMPLE = "{\"writes\":{\"a\":\"1\",\"b\":\"2\"},\"expected\":{\"a\":null}}";

  /**
   * The body of {@code transact}: the keys to write, each key's value for the transaction to commit
   * (null: never written), and the transaction's id, unique in the group (a fresh one if absent).
   */
  public record Transact(@JsonProperty(required = true) Map<String, String> writes, Map<String, String> expected,
      String txId) {
    public Transact {
      if (writes != null && writes.isEmpty()) {
        throw new IllegalArgumentException("a transaction writes at least one key, such as " + EXAMPLE);
      }
      if (writes != null && writes.containsValue(null)) {
        throw new IllegalArgumentException("every value of \"writes\" must be a string, such as " + EXAMPLE);
      }
      expected = expected == null ? Map.of() : new HashMap<>(expected);
    }
  }

  static final Operation<Transact> OPERATION = Operation.of("transact", Transact.class, (caller, t) -> {
    String txId = t.txId() != null ? t.txId() : PREFIX + SEQ.incrementAndGet();
    return Invocation.answeredBy(new TwoPhaseCommit.Transact(txId, t.writes(), t.expected()),
        TwoPhaseCommit.TxOutcome.class, TwoPhaseCommit.TxOutcome::txId, txId);
  });

  private Transactions() {}
}
