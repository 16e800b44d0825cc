package dev.parley.persistence.file;

import akka.actor.ActorRef;
import akka.persistence.AtomicWrite;
import akka.persistence.PersistentRepr;
import akka.persistence.journal.Tagged;
import akka.persistence.journal.japi.AsyncWriteJournal;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import akka.serialization.Serializer;
import akka.serialization.Serializers;
import com.typesafe.config.Config;
import dev.parley.persistence.JournalHealth;
import dev.parley.persistence.JournalUnavailableException;
import dev.parley.persistence.file.JournalEntry.Deletion;
import dev.parley.persistence.file.JournalEntry.Events;
import dev.parley.persistence.file.JournalEntry.StoredEvent;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import scala.concurrent.Future;
import scala.jdk.javaapi.CollectionConverters;
import scala.jdk.javaapi.FutureConverters;

/**
 * Parley's Akka Persistence journal plugin over append-only segment files with group commit
 * (plugin id {@code parley-file-journal}, chosen by {@code parley.persistence.backend = file}).
 *
 * <p>Guarantee: a persist completes (and a protocol acknowledges) only after its events were forced
 * to the device with {@code FileChannel.force}, so acknowledged events survive {@code kill -9} and
 * power loss, provided the device honours the flush. Writes of all the node's persistent actors
 * share forces ({@link GroupCommitWriter}); each {@code AtomicWrite} is all there or absent after a
 * crash. Payloads are serialized with Akka's serialization (Parley's events: Jackson CBOR). Tags
 * are not stored (Parley reads journals by persistence id only); neither is event metadata.
 *
 * <p>A full disk: a batch whose append fails is cut back and its persists fail (nothing of it is
 * acknowledged or replayed later); the journal reports {@code refusing writes} in {@link
 * JournalHealth}, probes every {@code probe-interval}, and takes writes again once there is room. A
 * failed force stays fatal until the node restarts ({@link GroupCommitWriter}).
 *
 * <p>Settings (under the plugin id): {@code dir}, {@code files} (a {@link FileLayers} name),
 * {@code segment-size}, {@code max-batch}, {@code probe-interval}.
 */
public final class FileJournal extends AsyncWriteJournal {

  private final GroupCommitWriter writer;
  private final Serialization serialization;
  private final Executor dispatcher;

  public FileJournal(Config config) {
    Path dir = FileJournalSettings.directory(config, "parley-file-journal");
    SegmentLog log;
    try {
      log = SegmentLog.open(FileLayers.named(config.getString("files")), dir,
          config.getBytes("segment-size"));
    } catch (IOException e) {
      throw new JournalUnavailableException("the file journal in " + dir + " cannot be opened: " + e
          + "; check that the directory is writable", e);
    }
    JournalHealth health = JournalHealth.get(context().system());
    health.ok();
    writer = new GroupCommitWriter(log, config.getInt("max-batch"), "parley-file-journal " + dir, health,
        config.getDuration("probe-interval"), dir.toString());
    serialization = SerializationExtension.get(context().system());
    dispatcher = context().dispatcher();
  }

  @Override
  public Future<Iterable<Optional<Exception>>> doAsyncWriteMessages(Iterable<AtomicWrite> messages) {
    List<Optional<Exception>> results = new ArrayList<>();
    List<JournalEntry> entries = new ArrayList<>();
    for (AtomicWrite write : messages) {
      try {
        List<StoredEvent> events = new ArrayList<>();
        for (PersistentRepr repr : CollectionConverters.asJava(write.payload())) {
          events.add(stored(repr));
        }
        entries.add(new Events(write.persistenceId(), events));
        results.add(Optional.empty());
      } catch (Exception e) { // this write is rejected, the others go on
        results.add(Optional.of(e));
      }
    }
    CompletableFuture<Iterable<Optional<Exception>>> done = entries.isEmpty()
        ? CompletableFuture.completedFuture(results)
        : writer.write(entries).thenApply(v -> results);
    return FutureConverters.asScala(done);
  }

  private StoredEvent stored(PersistentRepr repr) {
    Object payload = repr.payload() instanceof Tagged tagged ? tagged.payload() : repr.payload();
    Serializer serializer = serialization.findSerializerFor(payload);
    long timestamp = repr.timestamp() == 0 ? System.currentTimeMillis() : repr.timestamp();
    return new StoredEvent(repr.sequenceNr(), repr.writerUuid(), repr.manifest(), timestamp,
        serializer.identifier(), Serializers.manifestFor(serializer, payload),
        serialization.serialize(payload).get()); // sets what ActorRefs in events need to serialize
  }

  @Override
  public Future<Void> doAsyncDeleteMessagesTo(String persistenceId, long toSequenceNr) {
    return FutureConverters.asScala(writer.write(List.of(new Deletion(persistenceId, toSequenceNr))));
  }

  @Override
  public Future<Void> doAsyncReplayMessages(String persistenceId, long fromSequenceNr,
      long toSequenceNr, long max, Consumer<PersistentRepr> replayCallback) {
    return FutureConverters.asScala(
        writer.query(log -> log.events(persistenceId, fromSequenceNr, toSequenceNr, max))
            .thenAcceptAsync(events -> {
              for (StoredEvent e : events) {
                replayCallback.accept(repr(persistenceId, e));
              }
            }, dispatcher));
  }

  private PersistentRepr repr(String persistenceId, StoredEvent e) {
    Object payload = serialization.deserialize(e.payload(), e.serializerId(), e.serializerManifest()).get();
    return PersistentRepr.apply(payload, e.sequenceNr(), persistenceId, e.manifest(), false,
        ActorRef.noSender(), e.writerUuid()).withTimestamp(e.timestamp());
  }

  @Override
  public Future<Long> doAsyncReadHighestSequenceNr(String persistenceId, long fromSequenceNr) {
    return FutureConverters.asScala(writer.query(log -> log.highest(persistenceId)));
  }

  @Override
  public void postStop() throws Exception {
    writer.close();
    super.postStop();
  }
}
