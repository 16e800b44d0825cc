package dev.parley.persistence.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.persistence.JournalHealth;
import dev.parley.persistence.JournalUnavailableException;
import dev.parley.persistence.file.JournalEntry.Deletion;
import dev.parley.persistence.file.JournalEntry.Events;
import dev.parley.persistence.file.JournalEntry.StoredEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The file journal's log on its own: what was committed reads back after a restart, deletions and
 * highest sequence numbers persist, a torn tail is cut while damage before it stops the journal with
 * the file and offset, deleted segments are reclaimed, and writes waiting together share one force.
 */
class SegmentLogSpec {

  static final Path DIR = Path.of("/node/journal");

  static Events events(String id, long... seqs) {
    List<StoredEvent> list = new ArrayList<>();
    for (long s : seqs) {
      list.add(new StoredEvent(s, "w", "", 1000 + s, 4, "",
          (id + ":" + s).getBytes(StandardCharsets.UTF_8)));
    }
    return new Events(id, list);
  }

  static GroupCommitWriter writer(SegmentLog log) {
    return writer(log, new JournalHealth());
  }

  static GroupCommitWriter writer(SegmentLog log, JournalHealth health) {
    return new GroupCommitWriter(log, 4096, "test writer", health, java.time.Duration.ofMillis(50), DIR.toString());
  }

  static List<Long> seqs(SegmentLog log, String id) throws Exception {
    return log.events(id, 1, Long.MAX_VALUE, Long.MAX_VALUE).stream().map(StoredEvent::sequenceNr).toList();
  }

  @Test
  void whatWasCommittedReadsBackAfterARestart() throws Exception {
    PowerCutFileLayer files = new PowerCutFileLayer();
    try (SegmentLog log = SegmentLog.open(files, DIR, 1 << 20)) {
      log.commit(List.of(events("a", 1, 2), events("b", 1)));
      log.commit(List.of(events("a", 3)));
      assertThat(seqs(log, "a")).containsExactly(1L, 2L, 3L);
      assertThat(log.events("a", 2, 3, 1)).extracting(StoredEvent::sequenceNr).containsExactly(2L);
    }
    try (SegmentLog log = SegmentLog.open(files, DIR, 1 << 20)) {
      assertThat(seqs(log, "a")).containsExactly(1L, 2L, 3L);
      assertThat(seqs(log, "b")).containsExactly(1L);
      assertThat(log.highest("a")).isEqualTo(3);
      assertThat(log.highest("nobody")).isZero();
      assertThat(new String(log.events("b", 1, 1, 1).get(0).payload(), StandardCharsets.UTF_8))
          .isEqualTo("b:1");
      assertThat(log.persistenceIds()).containsExactly("a", "b");
    }
  }

  @Test
  void deletionsAndTheHighestSequenceNumberSurviveARestart() throws Exception {
    PowerCutFileLayer files = new PowerCutFileLayer();
    try (SegmentLog log = SegmentLog.open(files, DIR, 1 << 20)) {
      log.commit(List.of(events("a", 1, 2, 3, 4)));
      log.commit(List.of(new Deletion("a", 2)));
      assertThat(seqs(log, "a")).containsExactly(3L, 4L);
      log.commit(List.of(new Deletion("a", Long.MAX_VALUE))); // all there are, not later ones
      log.commit(List.of(events("a", 5)));
    }
    try (SegmentLog log = SegmentLog.open(files, DIR, 1 << 20)) {
      assertThat(seqs(log, "a")).containsExactly(5L);
      assertThat(log.highest("a")).isEqualTo(5);
      log.commit(List.of(new Deletion("a", 5)));
    }
    try (SegmentLog log = SegmentLog.open(files, DIR, 1 << 20)) {
      assertThat(seqs(log, "a")).isEmpty();
      assertThat(log.highest("a")).as("kept after every event is deleted").isEqualTo(5);
    }
  }

  @Test
  void segmentsWhoseEventsAreAllDeletedAreReclaimed() throws Exception {
    PowerCutFileLayer files = new PowerCutFileLayer();
    try (SegmentLog log = SegmentLog.open(files, DIR, 512)) {
      for (long s = 1; s <= 400; s++) {
        log.commit(List.of(events("raft", s), events("lock", s)));
        if (s % 10 == 0) { // a snapshot every 10 events, the events before it deleted
          log.commit(List.of(new Deletion("raft", s), new Deletion("lock", s - 1)));
        }
      }
      assertThat(log.segmentCount()).isLessThan(5);
      assertThat(files.list(DIR)).hasSize(log.segmentCount());
    }
    try (SegmentLog log = SegmentLog.open(files, DIR, 512)) {
      assertThat(seqs(log, "raft")).isEmpty();
      assertThat(seqs(log, "lock")).containsExactly(400L);
      assertThat(log.highest("raft")).isEqualTo(400);
    }
  }

  @Test
  void aTornTailIsCutOffAndWritingGoesOn() throws Exception {
    Random random = new Random(7);
    PowerCutFileLayer files = new PowerCutFileLayer();
    List<Long> acknowledged = new ArrayList<>();
    try (SegmentLog log = SegmentLog.open(files, DIR, 1 << 20)) {
      log.commit(List.of(events("a", 1)));
      acknowledged.add(1L);
    }
    int cut = 0;
    for (int round = 0; round < 50; round++) { // append unforced, cut power with a random part kept
      long unforced = 1000 + round;
      try (SegmentLog log = SegmentLog.open(files, DIR, 1 << 20)) {
        AppendFile tail = files.open(files.list(DIR).get(0));
        tail.append(Frame.of(List.of(events("a", unforced))));
      }
      files = files.powerCut(random, true);
      try (SegmentLog log = SegmentLog.open(files, DIR, 1 << 20)) {
        List<Long> found = seqs(log, "a");
        assertThat(found).containsAll(acknowledged);
        assertThat(found.stream().filter(s -> !acknowledged.contains(s))).isSubsetOf(unforced);
        if (found.contains(unforced)) {
          acknowledged.add(unforced); // kept whole, and forced by the next commit
        } else {
          cut++;
        }
        long next = log.highest("a") + 1;
        log.commit(List.of(events("a", next)));
        acknowledged.add(next);
      }
    }
    assertThat(cut).as("rounds whose torn record was cut off").isGreaterThan(10);
  }

  @Test
  void damageBeforeTheTailStopsTheJournalNamingFileAndOffset() throws Exception {
    PowerCutFileLayer files = new PowerCutFileLayer();
    long damagedAt;
    try (SegmentLog log = SegmentLog.open(files, DIR, 1 << 20)) {
      log.commit(List.of(events("a", 1)));
      damagedAt = files.open(files.list(DIR).get(0)).size();
      log.commit(List.of(events("a", 2)));
      log.commit(List.of(events("a", 3)));
    }
    Path segment = files.list(DIR).get(0);
    files.corrupt(segment, (int) damagedAt + 12, 2);
    PowerCutFileLayer damaged = files;
    assertThatThrownBy(() -> SegmentLog.open(damaged, DIR, 1 << 20))
        .isInstanceOf(JournalUnavailableException.class)
        .hasMessageContaining("the file journal is damaged in " + segment + " at offset " + damagedAt)
        .hasMessageContaining("CRC32C")
        .hasMessageContaining("restore the directory from a backup");
  }

  @Test
  void writesWaitingTogetherShareOneForce() throws Exception {
    PowerCutFileLayer files = new PowerCutFileLayer();
    SegmentLog log = SegmentLog.open(files, DIR, 1 << 20);
    try (GroupCommitWriter writer = writer(log)) {
      long before = files.forces();
      files.holdForces();
      CompletableFuture<Void> first = writer.write(List.of(events("actor-0", 1)));
      assertThat(files.awaitHeldForce(30)).isTrue();
      List<CompletableFuture<Void>> rest = new ArrayList<>();
      for (int i = 1; i < 64; i++) {
        rest.add(writer.write(List.of(events("actor-" + i, 1))));
      }
      assertThat(first).isNotDone(); // nothing is acknowledged before its force
      assertThat(rest).noneMatch(CompletableFuture::isDone);
      files.releaseForces();
      CompletableFuture.allOf(rest.toArray(CompletableFuture[]::new)).get();
      first.get();
      assertThat(files.forces() - before).as("64 writes, forces").isEqualTo(2);
      assertThat(writer.query(l -> l.persistenceIds().size()).get()).isEqualTo(64);
    }
  }

  @Test
  void afterAFailedForceNoWriteIsAcknowledged() throws Exception {
    PowerCutFileLayer files = new PowerCutFileLayer();
    SegmentLog log = SegmentLog.open(files, DIR, 1 << 20);
    try (GroupCommitWriter writer = writer(log)) {
      writer.write(List.of(events("a", 1))).get();
      files.powerCut(new Random(1), false);
      assertThat(writer.write(List.of(events("a", 2)))).failsWithin(java.time.Duration.ofSeconds(30));
      assertThat(writer.write(List.of(events("a", 3)))).failsWithin(java.time.Duration.ofSeconds(30))
          .withThrowableOfType(java.util.concurrent.ExecutionException.class)
          .withMessageContaining("takes no more until the node restarts");
    }
  }
}
