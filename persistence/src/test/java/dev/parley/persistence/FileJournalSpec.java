package dev.parley.persistence;

import static dev.parley.persistence.JournalSpec.addOn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import dev.parley.protocols.core.WireMessage;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.parley.persistence.JournalSpec.Add;
import dev.parley.persistence.JournalSpec.Added;
import dev.parley.persistence.JournalSpec.Sum;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file journal as Akka Persistence uses it, on the real disk: persisted events and snapshots
 * survive restarts of the actor system, many persistence ids at once, deletes after snapshots,
 * reading the journal back, the backend setting, and a damaged journal refused with what to do.
 */
class FileJournalSpec {

  static final Duration WAIT = Duration.ofSeconds(20);

  @Test
  void eventsSurviveARestartOfTheWholeSystem(@TempDir Path dir) {
    assertThat(addOn(Journal.file(dir), "sum", 5)).isEqualTo(5);
    assertThat(addOn(Journal.file(dir), "sum", 7)).isEqualTo(12);
    assertThat(dir.resolve("journal").resolve("segment-00000000000000000001.log")).exists();
  }

  @Test
  void theJournalReadsBackInOrder(@TempDir Path dir) {
    addOn(Journal.file(dir), "sum", 5);
    addOn(Journal.file(dir), "sum", 7);
    addOn(Journal.file(dir), "other", 1);
    ActorTestKit kit = ActorTestKit.create(Journal.file(dir).withFallback(ConfigFactory.load()));
    try {
      Journal.prepare(kit.system());
      assertThat(JournalReader.read(kit.system(), 100))
          .extracting(JournalReader.Entry::persistenceId, JournalReader.Entry::sequenceNr,
              JournalReader.Entry::event)
          .containsExactly(tuple("other", 1L, new Added(1)), tuple("sum", 1L, new Added(5)),
              tuple("sum", 2L, new Added(7)));
      assertThat(JournalReader.read(kit.system(), 2)).hasSize(2);
    } finally {
      kit.shutdownTestKit();
    }
  }

  @Test
  void manyPersistenceIdsWriteAtOnceAndRecover(@TempDir Path dir) {
    int ids = 32;
    ActorTestKit kit = ActorTestKit.create(Journal.file(dir).withFallback(ConfigFactory.load()));
    try {
      Journal.prepare(kit.system());
      TestProbe<Integer> probe = kit.createTestProbe();
      List<ActorRef<Add>> sums = new ArrayList<>();
      for (int i = 0; i < ids; i++) {
        sums.add(kit.spawn(Sum.create("sum-" + i)));
      }
      for (int round = 1; round <= 5; round++) {
        for (int i = 0; i < ids; i++) {
          sums.get(i).tell(new Add(i, probe.getRef()));
        }
      }
      probe.receiveSeveralMessages(ids * 5, WAIT);
    } finally {
      kit.shutdownTestKit();
    }
    for (int i = 0; i < ids; i += 7) {
      assertThat(addOn(Journal.file(dir), "sum-" + i, 1)).isEqualTo(5 * i + 1);
    }
  }

  @Test
  void checkpointsLetTheJournalForgetWhatTheyCover(@TempDir Path dir) throws Exception {
    Config small = ConfigFactory.parseString("parley-file-journal.segment-size = 1 KiB")
        .withFallback(Journal.file(dir));
    Files.createDirectories(dir.resolve("snapshots"));
    Files.writeString(dir.resolve("snapshots").resolve("snapshot-checkpointed-99-0.tmp"), "half a save");
    ActorTestKit kit = ActorTestKit.create(small.withFallback(ConfigFactory.load()));
    try {
      Journal.prepare(kit.system());
      TestProbe<Integer> probe = kit.createTestProbe();
      var sum = kit.spawn(Sum.create("checkpointed"));
      for (int i = 1; i <= 60; i++) {
        sum.tell(new Add(i, probe.getRef()));
        probe.expectMessage(WAIT, i * (i + 1) / 2);
      }
      probe.awaitAssert(WAIT, () -> {
        assertThat(JournalReader.read(kit.system(), 1000))
            .extracting(JournalReader.Entry::sequenceNr)
            .doesNotContain(1L, 2L, 3L, 50L)
            .contains(58L, 59L, 60L);
        try (Stream<Path> segments = Files.list(dir.resolve("journal"))) {
          assertThat(segments.count()).as("segments left of the 60 events' journal").isLessThan(4);
        }
        return null;
      });
    } finally {
      kit.shutdownTestKit();
    }
    try (Stream<Path> snapshots = Files.list(dir.resolve("snapshots"))) {
      assertThat(snapshots.map(p -> p.getFileName().toString()))
          .allMatch(n -> n.startsWith("snapshot-checkpointed-"))
          .noneMatch(n -> n.endsWith(".tmp")); // a save a crash cut short is removed at start
    }
    assertThat(addOn(small, "checkpointed", 61)).isEqualTo(61 * 62 / 2); // snapshot + events
  }

  record Watch(ActorRef<String> watcher, ActorRef<Integer> replyTo) implements WireMessage {}

  record Watched(ActorRef<String> watcher) implements WireMessage {}

  /** Persists the actor references it is given, as Raft's log entries hold their clients'. */
  static Behavior<Watch> watchers(String id) {
    return new EventSourcedBehavior<Watch, Watched, List<ActorRef<String>>>(PersistenceId.ofUniqueId(id)) {
      @Override
      public List<ActorRef<String>> emptyState() {
        return List.of();
      }

      @Override
      public CommandHandler<Watch, Watched, List<ActorRef<String>>> commandHandler() {
        return newCommandHandlerBuilder().forAnyState()
            .onCommand(Watch.class, (s, w) -> Effect().persist(new Watched(w.watcher()))
                .thenRun(next -> next.forEach(ref -> ref.tell("watched")))
                .thenReply(w.replyTo(), next -> next.size()))
            .build();
      }

      @Override
      public EventHandler<List<ActorRef<String>>, Watched> eventHandler() {
        return newEventHandlerBuilder().forAnyState().onEvent(Watched.class, (s, e) -> {
          List<ActorRef<String>> next = new ArrayList<>(s);
          next.add(e.watcher());
          return List.copyOf(next);
        }).build();
      }
    };
  }

  @Test
  void eventsHoldingActorReferencesAreWrittenAndRecovered(@TempDir Path dir) {
    ActorTestKit kit = ActorTestKit.create(Journal.file(dir).withFallback(ConfigFactory.load()));
    try {
      TestProbe<String> watcher = kit.createTestProbe();
      TestProbe<Integer> replies = kit.createTestProbe();
      ActorRef<Watch> first = kit.spawn(watchers("watchers"));
      first.tell(new Watch(watcher.getRef(), replies.getRef()));
      replies.expectMessage(WAIT, 1);
      watcher.expectMessage(WAIT, "watched");
      kit.stop(first);
      ActorRef<Watch> again = kit.spawn(watchers("watchers"));
      again.tell(new Watch(watcher.getRef(), replies.getRef()));
      replies.expectMessage(WAIT, 2); // the first reference came back from the journal
      watcher.receiveSeveralMessages(2, WAIT);
    } finally {
      kit.shutdownTestKit();
    }
  }

  @Test
  void theBackendSettingChoosesTheFileJournal(@TempDir Path dir) {
    Config chosen = Journal.fromSettings(ConfigFactory.parseString("parley.persistence.backend = file"), dir);
    assertThat(Journal.isFile(chosen)).isTrue();
    assertThat(chosen.getString("parley-file-journal.dir"))
        .isEqualTo(dir.toAbsolutePath().resolve("journal").toString());
    assertThat(addOn(chosen, "sum", 3)).isEqualTo(3);
  }

  @Test
  void theDefaultIsTheFileJournalAndADirectoryOfTheOtherBackendIsRefused(@TempDir Path dir) {
    assertThat(Journal.isFile(Journal.fromSettings(ConfigFactory.load(), dir.resolve("fresh")))).isTrue();

    addOn(Journal.h2(dir.resolve("old")), "sum", 5); // a node's directory from before the default changed
    assertThatThrownBy(() -> Journal.fromSettings(ConfigFactory.load(), dir.resolve("old")))
        .isInstanceOf(JournalUnavailableException.class)
        .hasMessageContaining("holds a journal of parley.persistence.backend = h2 (journal.mv.db)")
        .hasMessageContaining("-Dparley.persistence.backend=h2");
    assertThat(addOn(Journal.fromSettings(ConfigFactory.parseString("parley.persistence.backend = h2"),
        dir.resolve("old")), "sum", 7)).isEqualTo(12);

    addOn(Journal.file(dir.resolve("new")), "sum", 1);
    assertThatThrownBy(() -> Journal.fromSettings(
        ConfigFactory.parseString("parley.persistence.backend = h2"), dir.resolve("new")))
        .hasMessageContaining("holds a journal of parley.persistence.backend = file (journal)");
  }

  @Test
  void aDamagedJournalIsRefusedWithWhereAndWhatToDo(@TempDir Path dir) throws Exception {
    addOn(Journal.file(dir), "sum", 5);
    addOn(Journal.file(dir), "sum", 7);
    Path segment = dir.resolve("journal").resolve("segment-00000000000000000001.log");
    try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
      file.seek(20); // inside the second frame (the first, at 0, is the 13-byte head of the segment)
      file.write(0x5a);
    }
    ActorTestKit kit = ActorTestKit.create(Journal.file(dir).withFallback(ConfigFactory.load()));
    try {
      assertThatThrownBy(() -> Journal.prepare(kit.system()))
          .isInstanceOf(JournalUnavailableException.class)
          .hasMessageContaining("the file journal is damaged in " + segment + " at offset 13")
          .hasMessageContaining("Do not start the node empty if it is a Raft member");
    } finally {
      kit.shutdownTestKit();
    }
  }

  @Test
  void anUnsetDirectoryIsRefusedWithHowToSetIt() {
    ActorTestKit kit = ActorTestKit.create(ConfigFactory.parseString(
        "akka.persistence.journal.plugin = parley-file-journal").withFallback(ConfigFactory.load()));
    try {
      assertThatThrownBy(() -> Journal.prepare(kit.system()))
          .hasMessageContaining("parley-file-journal.dir is not set")
          .hasMessageContaining("Journal.file(dataDir)");
    } finally {
      kit.shutdownTestKit();
    }
  }
}
