package dev.parley.testkit.group;

import akka.persistence.AtomicWrite;
import akka.persistence.PersistentRepr;
import akka.persistence.journal.japi.AsyncWriteJournal;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.parley.testkit.sim.StorageFaults;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import scala.concurrent.Future;
import scala.jdk.javaapi.FutureConverters;

/**
 * The Akka journal plugin of a {@link LocalGroup} with storage faults: in memory, each write
 * delayed, failed or kept as the owning node's {@link dev.parley.testkit.sim.StorageFaults} decide
 * ({@link GroupStorage} and {@link NodeDisk} hold the events and do the faults; this class only
 * adapts them to Akka's Java journal API, {@link AsyncWriteJournal}).
 *
 * <p>Why a journal of Parley's own rather than Akka's persistence testkit: the testkit's policies
 * decide a write's fate at once (succeed, fail, reject) and cannot complete it later without
 * blocking the journal's thread. Here a slow write's future completes on Akka's scheduler after
 * its delay; the journal takes other writes meanwhile.
 *
 * <p>Two things Akka's journal machinery adds, both public behavior of {@link AsyncWriteJournal}:
 * it confirms writes in the order they started, across persistence ids (a later write of another
 * node waits for an earlier slow one); and its circuit breaker would fail every write after a run
 * of failures, which the configuration below turns off (each write fails on its own draw), and
 * times a write out after {@link #CALL_TIMEOUT}.
 *
 * <p>Cost: every event persisted stays in memory until the group closes (or a snapshot deletes it);
 * a delayed or failing write costs one scheduler task. Snapshots go to Akka's in-memory snapshot
 * store, unfaulted.
 */
public final class FaultyJournal extends AsyncWriteJournal {

  /** The plugin's configuration path. */
  public static final String PLUGIN_ID = "parley.testkit.faulty-journal";

  /** How long Akka lets a write take before it fails it (the circuit breaker's call timeout). */
  public static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

  /** The configuration that makes this the default journal of an actor system. */
  public static Config config() {
    return ConfigFactory.parseString(
        "akka.persistence.journal.plugin = \"" + PLUGIN_ID + "\"\n"
            + PLUGIN_ID + " {\n"
            + "  class = \"" + FaultyJournal.class.getName() + "\"\n"
            + "  plugin-dispatcher = \"akka.actor.default-dispatcher\"\n"
            + "  circuit-breaker {\n"
            + "    max-failures = 1000000000\n"
            + "    call-timeout = " + CALL_TIMEOUT.toSeconds() + "s\n"
            + "    reset-timeout = 1s\n"
            + "  }\n"
            + "}\n");
  }

  /**
   * {@code faults}, if Akka lets its writes take as long as they may; else an error saying so (a
   * write that outlasts {@link #CALL_TIMEOUT} is failed by Akka, whatever the faults drew).
   */
  static StorageFaults requireWithinCallTimeout(StorageFaults faults) {
    Objects.requireNonNull(faults, "faults");
    if (faults.writeDelay().max().compareTo(CALL_TIMEOUT) >= 0) {
      throw new IllegalArgumentException("a write delay of up to " + faults.writeDelay().max().toMillis()
          + " ms is beyond what Akka lets a journal write take (" + CALL_TIMEOUT.toSeconds()
          + " s, then it fails the write): a group runs in real time, keep write delays to milliseconds");
    }
    return faults;
  }

  private final GroupStorage storage = GroupStorage.of(context().system());

  @Override
  public Future<Iterable<Optional<Exception>>> doAsyncWriteMessages(Iterable<AtomicWrite> messages) {
    CompletableFuture<Iterable<Optional<Exception>>> written =
        storage.write(messages).<Iterable<Optional<Exception>>>thenApply(done -> List.of()).toCompletableFuture();
    return FutureConverters.asScala(written);
  }

  @Override
  public Future<Void> doAsyncDeleteMessagesTo(String persistenceId, long toSequenceNr) {
    storage.delete(persistenceId, toSequenceNr);
    return FutureConverters.asScala(CompletableFuture.completedFuture(null));
  }

  @Override
  public Future<Void> doAsyncReplayMessages(
      String persistenceId, long fromSequenceNr, long toSequenceNr, long max, Consumer<PersistentRepr> replay) {
    storage.read(persistenceId, fromSequenceNr, toSequenceNr, max).forEach(replay);
    return FutureConverters.asScala(CompletableFuture.completedFuture(null));
  }

  @Override
  public Future<Long> doAsyncReadHighestSequenceNr(String persistenceId, long fromSequenceNr) {
    return FutureConverters.asScala(CompletableFuture.completedFuture(storage.highest(persistenceId)));
  }
}
