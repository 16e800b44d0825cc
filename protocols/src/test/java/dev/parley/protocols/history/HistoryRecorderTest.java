package dev.parley.protocols.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HistoryRecorderTest {

  @Test
  void timeComesFromTheInjectedClock() {
    AtomicLong virtual = new AtomicLong(100);
    HistoryRecorder r = new HistoryRecorder(virtual::get);

    var h = r.invoke("c1", "put", "k", 1L);
    virtual.set(250);
    r.ok(h);

    assertThat(r.history().ops()).extracting(Op::timeNanos).containsExactly(100L, 250L);
  }

  @Test
  void failAndInfoKeepTheArgumentAndTheReason() {
    HistoryRecorder r = new HistoryRecorder(() -> 0);
    r.fail(r.invoke("c1", "cas", "k", List.of(1L, 2L)), "mismatch");
    r.info(r.invoke("c1", "put", "k", 3L), "timeout");

    List<Op> ops = r.history().ops();
    assertThat(ops.get(1).type()).isEqualTo(OpType.FAIL);
    assertThat(ops.get(1).value()).isEqualTo(List.of(1L, 2L));
    assertThat(ops.get(1).error()).isEqualTo("mismatch");
    assertThat(ops.get(3).type()).isEqualTo(OpType.INFO);
    assertThat(ops.get(3).error()).isEqualTo("timeout");
  }

  @Test
  void anOperationCompletesOnce() {
    HistoryRecorder r = new HistoryRecorder(() -> 0);
    var h = r.invoke("c1", "put", "k", 1L);
    r.ok(h);

    assertThatThrownBy(() -> r.info(h, "late"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("op 0 (c1 put) is not in flight");
  }

  @Test
  void aProcessCannotInvokeTwiceAtOnce() {
    HistoryRecorder r = new HistoryRecorder(() -> 0);
    r.invoke("c1", "put", "k", 1L);

    assertThatThrownBy(() -> r.invoke("c1", "get", "k", null))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("still in flight");
  }

  @Test
  void manyThreadsRecordAWellFormedHistory() throws Exception {
    HistoryRecorder r = new HistoryRecorder();
    int threads = 8;
    int perThread = 2_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        String process = "c" + t;
        done.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < perThread; i++) {
            r.ok(r.invoke(process, "put", "k" + (i % 3), (long) i));
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }

    History h = r.history();
    assertThat(h.size()).isEqualTo(threads * perThread * 2);
    assertThat(h.operations()).hasSize(threads * perThread).allMatch(Operation::isOk);
    for (int i = 0; i < h.size(); i++) {
      assertThat(h.ops().get(i).index()).isEqualTo(i);
    }
  }

  @Test
  void aClientWithSeveralOperationsInFlightBecomesSeveralProcesses() {
    HistoryRecorder recorder = new HistoryRecorder();
    HistoryRecorder.Handle a = recorder.invokeConcurrently("c1", "put", "k", "1");
    HistoryRecorder.Handle b = recorder.invokeConcurrently("c1", "put", "k", "2");
    recorder.ok(a);
    HistoryRecorder.Handle c = recorder.invokeConcurrently("c1", "get", "k", null);
    recorder.ok(b);
    recorder.ok(c, "2");
    assertThat(List.of(a, b, c)).extracting(h -> h.invocation().process()).containsExactly("c1", "c1#2", "c1");
    assertThat(recorder.history().size()).isEqualTo(6);
  }

  @Test
  void aBoundedRecorderKeepsTheLatestOperationsWholeAndCountsTheDropped() {
    AtomicLong clock = new AtomicLong();
    HistoryRecorder r = new HistoryRecorder(clock::incrementAndGet, 3);
    HistoryRecorder.Handle slow = r.invoke("slow", "get", "k", null);
    for (int i = 1; i <= 10; i++) {
      r.ok(r.invoke("c", "put", "k", (long) i));
    }
    assertThat(r.size()).isEqualTo(6);
    assertThat(r.dropped()).as("the slow get and the first seven puts").isEqualTo(8);
    History h = r.history();
    assertThat(h.operations()).as("the latest three puts, each with its completion").hasSize(3)
        .allMatch(op -> op.completion() != null && op.f().equals("put"));
    r.ok(r.invoke("c", "put", "k", 11L));
    r.ok(slow, 0L);
    assertThat(r.history().operations()).as("the dropped get's completion is not shown without it")
        .noneMatch(op -> op.process().equals("slow"));
    assertThat(r.history().operations().get(r.history().operations().size() - 1).argument()).isEqualTo(11L);
    assertThat(new HistoryRecorder(clock::incrementAndGet).dropped()).isZero();
  }

  @Test
  void aCapacityBelowOneIsRefused() {
    assertThatThrownBy(() -> new HistoryRecorder(System::nanoTime, 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 1 operation, got a capacity of 0");
  }
}
