package dev.parley.testkit.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.protocols.election.LogPosition;
import dev.parley.protocols.replication.KvRequest;
import dev.parley.protocols.replication.KvStore;
import dev.parley.protocols.replication.LogEntry;
import dev.parley.protocols.replication.Put;
import dev.parley.protocols.replication.RaftLog;
import dev.parley.protocols.replication.RequestId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The log is a value: versions that share storage never see each other's entries; compaction keeps
 * the state machine's snapshot it is given, whatever the machine.
 */
class RaftLogSpec {

  static List<LogEntry> entries(long from, long to, long term) {
    List<LogEntry> out = new ArrayList<>();
    for (long i = from; i <= to; i++) {
      out.add(new LogEntry(i, term, new Put(new RequestId("c", i), "k", "v" + i)));
    }
    return out;
  }

  @Test
  void aVersionAppendedToAfterAnotherKeepsItsOwnEntries() {
    RaftLog base = RaftLog.EMPTY.append(entries(1, 3, 1));
    RaftLog longer = base.append(entries(4, 5, 1));
    RaftLog rival = base.append(entries(4, 4, 2)); // a follower's other future, after the same prefix
    RaftLog truncated = longer.truncateFrom(4).append(entries(4, 6, 3));

    assertThat(base.lastIndex()).isEqualTo(3);
    assertThat(longer.entries()).isEqualTo(entries(1, 5, 1));
    assertThat(rival.termAt(4)).isEqualTo(2);
    assertThat(longer.termAt(4)).isEqualTo(1);
    assertThat(truncated.last()).isEqualTo(new LogPosition(6, 3));
    assertThat(longer.last()).isEqualTo(new LogPosition(5, 1));
    assertThat(truncated.slice(2, 3)).extracting(LogEntry::term).containsExactly(1L, 1L, 3L);
    assertThat(truncated.slice(2, Integer.MAX_VALUE)).as("every entry from 2 on (no int overflow)")
        .extracting(LogEntry::index).containsExactly(2L, 3L, 4L, 5L, 6L);
    assertThat(truncated.slice(7, Integer.MAX_VALUE)).isEmpty();
  }

  @Test
  void compactionKeepsTheEntriesAfterTheSnapshotOrDropsAConflictingLog() {
    RaftLog log = RaftLog.EMPTY.append(entries(1, 6, 1));
    KvStore store = KvStore.EMPTY.apply((KvRequest) log.entry(4).command()).store();

    RaftLog compacted = log.compact(new LogPosition(4, 1), store);
    assertThat(compacted.firstIndex()).isEqualTo(5);
    assertThat(compacted.termAt(4)).isEqualTo(1);
    assertThat(compacted.termAt(3)).isEqualTo(-1);
    assertThat(compacted.entries()).isEqualTo(entries(5, 6, 1));

    RaftLog installed = log.compact(new LogPosition(8, 2), store);
    assertThat(installed.entries()).isEmpty();
    assertThat(installed.last()).isEqualTo(new LogPosition(8, 2));
    assertThatThrownBy(() -> compacted.slice(3, 1)).isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void entriesOutOfPlaceAreRefused() {
    assertThatThrownBy(() -> RaftLog.EMPTY.append(entries(2, 3, 1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not follow");
    assertThatThrownBy(() -> new RaftLog(new LogPosition(4, 1), KvStore.EMPTY, entries(6, 7, 1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("out of place");
  }
}
