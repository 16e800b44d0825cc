package dev.parley.persistence;

import akka.actor.typed.ActorSystem;
import akka.persistence.jdbc.query.javadsl.JdbcReadJournal;
import akka.persistence.query.PersistenceQuery;
import akka.stream.javadsl.Sink;
import dev.parley.persistence.file.FileJournalReader;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Reads a node's journal back, through akka-persistence-query (the file journal: from its files):
 * every persistence id and its events in order. What {@code bin/parley journal NODE} and {@code GET /journal} print.
 */
public final class JournalReader {

  /** One event: whose, its sequence number, when it was written, and the event itself. */
  public record Entry(String persistenceId, long sequenceNr, Instant written, Object event) {}

  private JournalReader() {}

  /** Up to {@code limit} events of every persistence id, by id then sequence number. */
  public static List<Entry> read(ActorSystem<?> system, int limit) {
    if (Journal.isFile(system.settings().config())) {
      return FileJournalReader.read(system, limit);
    }
    JdbcReadJournal journal = PersistenceQuery.get(system)
        .getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier());
    try {
      List<String> ids = journal.currentPersistenceIds().runWith(Sink.seq(), system)
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
      List<Entry> out = new ArrayList<>();
      for (String id : ids.stream().sorted().toList()) {
        if (out.size() >= limit) {
          break;
        }
        journal.currentEventsByPersistenceId(id, 0, Long.MAX_VALUE)
            .take(limit - out.size())
            .runWith(Sink.seq(), system)
            .toCompletableFuture().get(30, TimeUnit.SECONDS)
            .forEach(e -> out.add(new Entry(e.persistenceId(), e.sequenceNr(),
                Instant.ofEpochMilli(e.timestamp()), e.event())));
      }
      return out;
    } catch (Exception e) {
      throw new JournalUnavailableException("cannot read the journal: " + e, e);
    }
  }
}
