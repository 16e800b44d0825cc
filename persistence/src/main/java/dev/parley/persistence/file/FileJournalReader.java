package dev.parley.persistence.file;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Adapter;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import com.typesafe.config.Config;
import dev.parley.persistence.Journal;
import dev.parley.persistence.JournalReader;
import dev.parley.persistence.JournalUnavailableException;
import dev.parley.persistence.file.JournalEntry.StoredEvent;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a file journal straight from its segment files, without its plugin: what {@code bin/parley
 * journal NODE} and {@code GET /journal} print for {@code backend = file}. Read-only: it changes
 * nothing, so it may read a running node's journal (an append in progress is left out). Cost: a read
 * of every segment.
 */
public final class FileJournalReader {

  private FileJournalReader() {}

  /** Up to {@code limit} live events of every persistence id, by id then sequence number. */
  public static List<JournalReader.Entry> read(ActorSystem<?> system, int limit) {
    Serialization serialization = SerializationExtension.get(Adapter.toClassic(system));
    try (SegmentLog log = open(system.settings().config())) {
      List<JournalReader.Entry> out = new ArrayList<>();
      for (String id : log.persistenceIds()) {
        if (out.size() >= limit) {
          break;
        }
        for (StoredEvent e : log.events(id, 1, Long.MAX_VALUE, limit - out.size())) {
          Object event = serialization.deserialize(e.payload(), e.serializerId(),
              e.serializerManifest()).get();
          out.add(new JournalReader.Entry(id, e.sequenceNr(), Instant.ofEpochMilli(e.timestamp()), event));
        }
      }
      return out;
    } catch (IOException e) {
      throw new JournalUnavailableException("cannot read the file journal: " + e, e);
    }
  }

  /**
   * Checks that the journal's segments can be read, with damage at most in a torn tail; a {@link
   * JournalUnavailableException} naming the file and offset otherwise.
   */
  public static void check(ActorSystem<?> system) {
    try (SegmentLog log = open(system.settings().config())) {
      log.segmentCount();
    } catch (IOException e) {
      throw new JournalUnavailableException("the file journal cannot be read: " + e
          + "; check that the data directory is readable", e);
    }
  }

  private static SegmentLog open(Config config) throws IOException {
    Config plugin = config.getConfig(Journal.FILE_JOURNAL);
    Path dir = FileJournalSettings.directory(plugin, Journal.FILE_JOURNAL);
    return SegmentLog.read(FileLayers.named(plugin.getString("files")), dir);
  }
}
