package dev.parley.testkit.pubsub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.protocols.pubsub.LogRecord;
import dev.parley.protocols.pubsub.LogReply;
import dev.parley.protocols.pubsub.LogRequest.Append;
import dev.parley.protocols.pubsub.LogRequest.CommitPosition;
import dev.parley.protocols.pubsub.LogRequest.ReadLog;
import dev.parley.protocols.pubsub.LogRequest.ReadPositions;
import dev.parley.protocols.pubsub.LogRequest.Trim;
import dev.parley.protocols.pubsub.LogStore;
import dev.parley.protocols.pubsub.StoredLog;
import dev.parley.protocols.replication.RequestId;
import dev.parley.protocols.replication.SessionStateMachine.Sessioned;
import dev.parley.protocols.replication.StateMachine.Applied;
import java.util.Map;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The partitioned log's state machine, {@link LogStore} with its client sessions: appends answered
 * with consecutive offsets, reads from an offset in order, retries applied once, stamps kept
 * non-decreasing, retention by age, count and bytes deleting exactly the due prefix, consumer groups'
 * positions, and the chunked representation agreeing with a plain list over many random appends and
 * trims.
 */
class LogStoreSpec {

  static final Sessioned<LogStore, LogReply> EMPTY = LogStore.MACHINE.initialState();

  static RequestId id(long seq) {
    return new RequestId("c", seq);
  }

  @Test
  void appendsGetConsecutiveOffsetsAndReadsReturnThemInOrder() {
    Sessioned<LogStore, LogReply> store = EMPTY;
    for (int i = 0; i < 5; i++) {
      Applied<Sessioned<LogStore, LogReply>, LogReply> r =
          LogStore.MACHINE.apply(store, new Append(id(i + 1), "t/0", "k", "v" + i, 100 + i));
      assertThat(r.reply()).isEqualTo(new LogReply.Appended(id(i + 1), i, 100 + i));
      store = r.state();
    }
    LogReply read = LogStore.MACHINE.apply(store, new ReadLog(new RequestId("r", 1), "t/0", 2, 2)).reply();
    assertThat(read).isEqualTo(new LogReply.Records(new RequestId("r", 1), 0, 5, Long.MIN_VALUE,
        List.of(new LogRecord(2, 102, "k", "v2"), new LogRecord(3, 103, "k", "v3"))));
    assertThat(LogStore.MACHINE.apply(store, new ReadLog(new RequestId("r", 2), "other", 0, 10)).reply())
        .isEqualTo(new LogReply.Records(new RequestId("r", 2), 0, 0, Long.MIN_VALUE, List.of()));
  }

  @Test
  void aGroupsPositionsAreKeptPerLogAndReadTogether() {
    Sessioned<LogStore, LogReply> store = EMPTY;
    store = LogStore.MACHINE.apply(store, new CommitPosition(id(1), "billing", "t/0", 4)).state();
    store = LogStore.MACHINE.apply(store, new CommitPosition(id(2), "billing", "t/2", 9)).state();
    store = LogStore.MACHINE.apply(store, new CommitPosition(id(3), "audit", "t/0", 1)).state();
    store = LogStore.MACHINE.apply(store, new CommitPosition(id(4), "billing", "t/0", 6)).state();
    assertThat(LogStore.MACHINE.apply(store, new ReadPositions(id(5), "billing", List.of("t/0", "t/1", "t/2"))).reply())
        .isEqualTo(new LogReply.Positions(id(5), Map.of("t/0", 6L, "t/2", 9L)));
    assertThat(LogStore.MACHINE.apply(store, new ReadPositions(id(6), "nobody", List.of("t/0"))).reply())
        .isEqualTo(new LogReply.Positions(id(6), Map.of()));
  }

  @Test
  void aRetriedAppendIsAppliedOnceAndAnsweredAsTheFirstTime() {
    Applied<Sessioned<LogStore, LogReply>, LogReply> first =
        LogStore.MACHINE.apply(EMPTY, new Append(id(1), "t/0", null, "a", 5));
    Applied<Sessioned<LogStore, LogReply>, LogReply> retry =
        LogStore.MACHINE.apply(first.state(), new Append(id(1), "t/0", null, "a", 9));
    assertThat(retry.reply()).isEqualTo(first.reply());
    assertThat(retry.state().state().log("t/0").size()).isEqualTo(1);
  }

  @Test
  void stampsNeverGoBackwards() {
    LogStore store = LogStore.EMPTY.apply(new Append(id(1), "t/0", null, "a", 50)).state();
    assertThat(store.apply(new Append(id(2), "t/0", null, "b", 40)).reply())
        .isEqualTo(new LogReply.Appended(id(2), 1, 50));
  }

  @Test
  void retentionDeletesExactlyTheDuePrefix() {
    LogStore store = LogStore.EMPTY;
    for (int i = 0; i < 10; i++) {
      store = store.apply(new Append(id(i + 1), "t/0", null, "0123456789", 1000L * i)).state();
    }
    LogStore aged = store.apply(new Trim(id(20), "t/0", 3500, Long.MAX_VALUE, Long.MAX_VALUE)).state();
    assertThat(aged.log("t/0").start()).as("stamps 0..3000 are before 3500").isEqualTo(4);
    assertThat(aged.log("t/0").trimmedBefore()).isEqualTo(3500);
    LogStore counted = aged.apply(new Trim(id(21), "t/0", Long.MIN_VALUE, 3, Long.MAX_VALUE)).state();
    assertThat(counted.log("t/0").start()).isEqualTo(7);
    LogStore weighed = store.apply(new Trim(id(22), "t/0", Long.MIN_VALUE, Long.MAX_VALUE, 25)).state();
    assertThat(weighed.log("t/0").start()).as("25 bytes hold two 10-byte records").isEqualTo(8);
    assertThat(weighed.log("t/0").bytes()).isEqualTo(20);
    LogStore all = store.apply(new Trim(id(23), "t/0", 1_000_000, Long.MAX_VALUE, Long.MAX_VALUE)).state();
    assertThat(all.log("t/0").size()).isZero();
    LogStore after = all.apply(new Append(id(24), "t/0", null, "x", 0)).state();
    assertThat(after.log("t/0").read(0, 10)).as("offsets go on after everything was deleted")
        .containsExactly(new LogRecord(10, 9000, null, "x"));
    assertThatThrownBy(() -> new Trim(id(25), "t/0", 0, -1, 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theChunkedLogAgreesWithAPlainListOverRandomAppendsAndTrims() {
    Random random = new Random(42);
    StoredLog log = StoredLog.EMPTY;
    List<LogRecord> model = new ArrayList<>();
    long next = 0;
    for (int step = 0; step < 5000; step++) {
      if (random.nextInt(50) == 0) {
        long keep = random.nextInt(700);
        log = log.trim(Long.MIN_VALUE, keep, Long.MAX_VALUE);
        while (model.size() > keep) {
          model.remove(0);
        }
      } else {
        log = log.append(null, "v" + next, next);
        model.add(new LogRecord(next, next, null, "v" + next));
        next++;
      }
      if (step % 97 == 0) {
        long from = model.isEmpty() ? next : model.get(0).offset() + random.nextInt(model.size() + 1);
        int max = 1 + random.nextInt(600);
        int at = (int) (from - (model.isEmpty() ? next : model.get(0).offset()));
        assertThat(log.read(from, max)).as("read from %d, at most %d, step %d", from, max, step)
            .isEqualTo(model.subList(at, Math.min(model.size(), at + max)));
      }
    }
    assertThat(log.read(0, Integer.MAX_VALUE)).isEqualTo(model);
    assertThat(log.bytes()).isEqualTo(model.stream().mapToLong(LogRecord::bytes).sum());
  }
}
