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
import com.typesafe.config.ConfigFactory;
import dev.parley.protocols.core.WireMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalSpec {

  record Add(int amount, ActorRef<Integer> replyTo) implements WireMessage {}

  record Added(int amount) implements WireMessage {}

  /** A sum that survives restarts of its actor system. */
  static final class Sum extends EventSourcedBehavior<Add, Added, Integer> {
    Sum() {
      super(PersistenceId.ofUniqueId("sum"));
    }

    static Behavior<Add> create() {
      return new Sum();
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

  private static int addOn(Path dir, int amount) {
    ActorTestKit kit = ActorTestKit.create(Journal.h2(dir).withFallback(ConfigFactory.load()));
    try {
      Journal.prepare(kit.system());
      TestProbe<Integer> probe = kit.createTestProbe();
      kit.spawn(Sum.create()).tell(new Add(amount, probe.getRef()));
      return probe.receiveMessage(java.time.Duration.ofSeconds(10));
    } finally {
      kit.shutdownTestKit();
    }
  }

  @Test
  void eventsSurviveARestartOfTheWholeSystem(@TempDir Path dir) {
    assertThat(addOn(dir, 5)).isEqualTo(5);
    assertThat(addOn(dir, 7)).isEqualTo(12); // recovered 5 from the file, then added 7
    assertThat(dir.resolve("journal.mv.db")).exists();
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
          .hasMessageContaining("move a damaged one aside");
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
        .hasMessage("parley.persistence.backend must be h2 or postgres, got 'mongo'");
    assertThatThrownBy(() -> Journal.postgres("jdbc:mysql://x/y", "u", "p"))
        .hasMessageContaining("starts with jdbc:postgresql://");
  }
}
