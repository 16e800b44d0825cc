package dev.parley.persistence.file;

import static dev.parley.persistence.file.SegmentLogSpec.DIR;
import static dev.parley.persistence.file.SegmentLogSpec.events;
import static dev.parley.persistence.file.SegmentLogSpec.seqs;
import static dev.parley.persistence.file.SegmentLogSpec.writer;
import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import dev.parley.persistence.JournalHealth;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The file journal on a full disk: a write that finds no room is refused (its caller is told, and
 * why), nothing of it is kept or replayed after a restart, the journal says it refuses writes, and
 * it takes writes again by itself once there is room. A failed force stays fatal, and a force that
 * never returns does not keep a node from shutting down.
 */
class FullDiskSpec {

  private static final Duration WAIT = Duration.ofSeconds(30);

  static final ActorTestKit kit = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  private static List<Long> ids(SegmentLog log, String id) throws java.io.IOException {
    return log.events(id, 1, Long.MAX_VALUE, Long.MAX_VALUE).stream().map(JournalEntry.StoredEvent::sequenceNr).toList();
  }

  @Test
  void aWriteWithoutRoomIsRefusedAndWritesSucceedOnceThereIsRoom() throws Exception {
    PowerCutFileLayer files = new PowerCutFileLayer();
    JournalHealth health = new JournalHealth();
    SegmentLog log = SegmentLog.open(files, DIR, 1 << 20);
    try (GroupCommitWriter writer = writer(log, health)) {
      writer.write(List.of(events("a", 1))).get();
      assertThat(health.state().state()).isEqualTo(JournalHealth.OK);

      files.diskFull(true);
      CompletableFuture<Void> refused = writer.write(List.of(events("a", 2), events("b", 1)));
      assertThat(refused).failsWithin(WAIT).withThrowableOfType(ExecutionException.class)
          .withMessageContaining("refused this write").withMessageContaining("the disk is full")
          .withMessageContaining("free disk space");
      assertThat(health.state().state()).isEqualTo(JournalHealth.REFUSING);
      assertThat(health.refusal()).hasValueSatisfying(r -> assertThat(r).contains("the disk is full"));
      assertThat(writer.write(List.of(events("b", 1)))).failsWithin(WAIT);
      assertThat(writer.query(l -> ids(l, "a")).get()).containsExactly(1L);
      assertThat(writer.query(l -> ids(l, "b")).get()).isEmpty();

      files.diskFull(false);
      writer.write(List.of(events("a", 2))).get();
      assertThat(health.state().state()).isEqualTo(JournalHealth.OK);
      assertThat(writer.query(l -> ids(l, "a")).get()).containsExactly(1L, 2L);
    }
    PowerCutFileLayer rebooted = files.powerCut(new Random(7), false);
    try (SegmentLog reopened = SegmentLog.open(rebooted, DIR, 1 << 20)) {
      assertThat(seqs(reopened, "a")).as("what was acknowledged, and only that").containsExactly(1L, 2L);
      assertThat(reopened.persistenceIds()).as("nothing of a refused write is replayed").containsExactly("a");
    }
  }

  @Test
  void theJournalFindsRoomByItselfWithoutAWrite() throws Exception {
    PowerCutFileLayer files = new PowerCutFileLayer();
    JournalHealth health = new JournalHealth();
    SegmentLog log = SegmentLog.open(files, DIR, 1 << 20);
    try (GroupCommitWriter writer = writer(log, health)) {
      files.diskFull(true);
      assertThat(writer.write(List.of(events("a", 1)))).failsWithin(WAIT);
      assertThat(health.state().state()).isEqualTo(JournalHealth.REFUSING);
      TestProbe<Object> probe = kit.createTestProbe();
      probe.expectNoMessage(Duration.ofMillis(200)); // probes keep failing while the disk is full
      assertThat(health.state().state()).isEqualTo(JournalHealth.REFUSING);
      files.diskFull(false);
      probe.awaitAssert(WAIT, () -> assertThat(health.state().state()).isEqualTo(JournalHealth.OK));
      assertThat(writer.query(l -> l.persistenceIds()).get()).isEmpty();
    }
  }

  @Test
  void aSegmentWithoutRoomToStartIsDroppedAndTheLogGoesOn() throws Exception {
    PowerCutFileLayer files = new PowerCutFileLayer();
    SegmentLog log = SegmentLog.open(files, DIR, 512);
    try (GroupCommitWriter writer = writer(log)) {
      long seq = 1;
      while (writer.query(SegmentLog::segmentCount).get() < 2) {
        writer.write(List.of(events("a", seq++))).get();
      }
      while (true) { // fill the second segment up to its size, so the next write starts a third
        int before = writer.query(SegmentLog::segmentCount).get();
        files.diskFull(false);
        writer.write(List.of(events("a", seq++))).get();
        if (writer.query(SegmentLog::segmentCount).get() > before) {
          break;
        }
      }
      files.diskFull(true);
      assertThat(writer.write(List.of(events("a", seq)))).failsWithin(WAIT);
      files.diskFull(false);
      writer.write(List.of(events("a", seq))).get();
      long last = seq;
      assertThat(writer.query(l -> ids(l, "a")).get()).hasSize((int) last).endsWith(last);
    }
  }

  @Test
  void aFailedForceStaysFatalUntilTheNodeRestarts() throws Exception {
    PowerCutFileLayer files = new PowerCutFileLayer();
    JournalHealth health = new JournalHealth();
    SegmentLog log = SegmentLog.open(files, DIR, 1 << 20);
    try (GroupCommitWriter writer = writer(log, health)) {
      writer.write(List.of(events("a", 1))).get();
      files.failForces(true);
      assertThat(writer.write(List.of(events("a", 2)))).failsWithin(WAIT);
      files.failForces(false);
      assertThat(writer.write(List.of(events("a", 3)))).failsWithin(WAIT)
          .withThrowableOfType(ExecutionException.class)
          .withMessageContaining("takes no more until the node restarts");
      assertThat(health.state().state()).isEqualTo(JournalHealth.FAILED);
      assertThat(health.refusal()).hasValueSatisfying(r -> assertThat(r).contains("restart the node"));
    }
  }

  @Test
  void closingANodeDoesNotHangOnAForceThatNeverReturns() throws Exception {
    PowerCutFileLayer files = new PowerCutFileLayer();
    SegmentLog log = SegmentLog.open(files, DIR, 1 << 20);
    GroupCommitWriter writer = writer(log);
    files.holdForces();
    CompletableFuture<Void> stuck = writer.write(List.of(events("a", 1)));
    assertThat(files.awaitHeldForce(30)).as("the write's force is under way").isTrue();
    CompletableFuture<Void> closed = CompletableFuture.runAsync(() -> {
      try {
        writer.close(Duration.ofMillis(200));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    assertThat(closed).as("close gives up on the stuck writer").succeedsWithin(WAIT);
    assertThat(stuck).as("the write whose force never returned is not acknowledged")
        .failsWithin(WAIT).withThrowableOfType(ExecutionException.class)
        .withMessageContaining("could not force");
    files.releaseForces();
  }
}
