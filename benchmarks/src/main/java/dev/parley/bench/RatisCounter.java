package dev.parley.bench;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;

/**
 * The state machine of Ratis's counter example, for the replication benchmark: each committed entry
 * increments a counter and answers its new value; a query reads it. (Benchmark scope only; the
 * comparison point for Parley's replicated key-value stores.)
 */
final class RatisCounter extends BaseStateMachine {

  private final AtomicLong counter = new AtomicLong();

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    long value = counter.incrementAndGet();
    updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
    return CompletableFuture.completedFuture(Message.valueOf(Long.toString(value)));
  }

  @Override
  public CompletableFuture<Message> query(Message request) {
    return CompletableFuture.completedFuture(Message.valueOf(Long.toString(counter.get())));
  }
}
