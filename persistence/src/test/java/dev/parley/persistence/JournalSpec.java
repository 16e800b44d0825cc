package dev.parley.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import akka.persistence.typed.javadsl.RetentionCriteria;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.parley.protocols.core.WireMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalSpec {

  record Add(int amount, ActorRef<Integer> replyTo) implements WireMessage {}

  record Added(int amount) implements WireMessage {}

  /**
   * A sum that survives restarts of its actor system; ids starting "checkpointed" snapshot every 3
   * events and delete the events before the snapshot (the notes' checkpoint + log compaction).
   */
  static final class Sum extends EventSourcedBehavior<Add, Added, Integer> {
    private final boolean checkpointed;

    Sum(String id) {
      super(PersistenceId.ofUniqueId(id));
      this.checkpointed = id.startsWith("checkpointed");
    }

    static Behavior<Add> create(String id) {
      return new Sum(id);
    }

    @Override
    public RetentionCriteria retentionCriteria() {
      return checkpointed
          ? RetentionCriteria.snapshotEvery(3, 1).withDeleteEventsOnSnapshot()
          : RetentionCriteria.disabled();
    }

    @Override
    public Integer emptyState() {
      return 0;
    }

    @Override
    public CommandHandler<Add, Added, Integer> commandHandler() {
      return newCommandHandlerBuilder().forAnyState()
          .onCommand(Add.class, (state, add) -> Effect().persist(new Added(add.amount()))
              .thenReply(add.replyTo(), next -> next))
          .build();
    }

    @Override
    public EventHandler<Integer, Added> eventHandler() {
      return newEventHandlerBuilder().forAnyState()
          .onEvent(Added.class, (state, e) -> state + e.amount()).build();
    }
  }

  /** Adds {@code amount} to sum {@code id} in a fresh actor system on {@code journal}; the new sum. */
  static int addOn(Config journal, String id, int amount) {
    ActorTestKit kit = ActorTestKit.create(journal.withFallback(ConfigFactory.load()));
    try {
      Journal.prepare(kit.system());
      TestProbe<Integer> probe = kit.createTestProbe();
      kit.spawn(Sum.create(id)).tell(new Add(amount, probe.getRef()));
      return probe.receiveMessage(java.time.Duration.ofSeconds(10));
    } finally {
      kit.shutdownTestKit();
    }
  }

  @Test
  void eventsSurviveARestartOfTheWholeSystem(@TempDir Path dir) {
    assertThat(addOn(Journal.h2(dir), "sum", 5)).isEqualTo(5);
    assertThat(addOn(Journal.h2(dir), "sum", 7)).isEqualTo(12); // recovered 5 from the file
    assertThat(dir.resolve("journal.mv.db")).exists();
  }

  @Test
  void theJournalReadsBackInOrder(@TempDir Path dir) {
    addOn(Journal.h2(dir), "sum", 5);
    addOn(Journal.h2(dir), "sum", 7);
    ActorTestKit kit = ActorTestKit.create(Journal.h2(dir).withFallback(ConfigFactory.load()));
    try {
      Journal.prepare(kit.system());
      assertThat(JournalReader.read(kit.system(), 100))
          .extracting(JournalReader.Entry::persistenceId, JournalReader.Entry::sequenceNr,
              JournalReader.Entry::event)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple("sum", 1L, new Added(5)),
              org.assertj.core.groups.Tuple.tuple("sum", 2L, new Added(7)));
    } finally {
      kit.shutdownTestKit();
    }
  }

  @Test
  void checkpointsLetTheJournalForgetWhatTheyCover(@TempDir Path dir) {
    ActorTestKit kit = ActorTestKit.create(Journal.h2(dir).withFallback(ConfigFactory.load()));
    try {
      Journal.prepare(kit.system());
      TestProbe<Integer> probe = kit.createTestProbe();
      var sum = kit.spawn(Sum.create("checkpointed"));
      for (int i = 1; i <= 9; i++) {
        sum.tell(new Add(i, probe.getRef()));
        probe.expectMessage(i * (i + 1) / 2);
      }
      // snapshots after events 3, 6 and 9: the events older snapshots cover are deleted
      probe.awaitAssert(java.time.Duration.ofSeconds(10), () ->
          assertThat(JournalReader.read(kit.system(), 100))
              .extracting(JournalReader.Entry::sequenceNr)
              .doesNotContain(1L, 2L, 3L)
              .contains(7L, 8L, 9L));
    } finally {
      kit.shutdownTestKit();
    }
    assertThat(addOn(Journal.h2(dir), "checkpointed", 10)).isEqualTo(55); // snapshot + events
  }

  @Test
  void anUnreadableJournalIsRefusedWithWhatToDo(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("journal.mv.db"), "this is not an H2 database");
    ActorTestKit kit = ActorTestKit.create(Journal.h2(dir).withFallback(ConfigFactory.load()));
    try {
      assertThatThrownBy(() -> Journal.prepare(kit.system()))
          .isInstanceOf(JournalUnavailableException.class)
          .hasMessageContaining("the journal at jdbc:h2:file:")
          .hasMessageContaining("cannot be used")
          .hasMessageContaining("restore it from a backup").hasMessageContaining("not safe for a Raft member");
    } finally {
      kit.shutdownTestKit();
    }
  }

  @Test
  void aDataDirectoryServesOneNodeAtATime(@TempDir Path dir) {
    try (DataDirectory first = DataDirectory.lock(dir)) {
      assertThatThrownBy(() -> DataDirectory.lock(dir))
          .isInstanceOf(JournalUnavailableException.class)
          .hasMessageContaining("is in use by another node (pid " + ProcessHandle.current().pid() + ")")
          .hasMessageContaining("every node needs a data directory of its own");
    }
    DataDirectory.lock(dir).close(); // free again once the first node let go
  }

  @Test
  void badSettingsAreRefusedWithTheValidChoices() {
    assertThatThrownBy(() -> Journal.fromSettings(
            ConfigFactory.parseString("parley.persistence.backend = mongo"), Path.of("x")))
        .hasMessage("parley.persistence.backend must be h2, postgres or file, got 'mongo'");
    assertThatThrownBy(() -> Journal.postgres("jdbc:mysql://x/y", "u", "p"))
        .hasMessageContaining("starts with jdbc:postgresql://");
  }
}
