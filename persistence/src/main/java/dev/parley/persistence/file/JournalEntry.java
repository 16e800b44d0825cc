package dev.parley.persistence.file;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What one frame of a journal segment holds: a list of entries, all written and forced together
 * (one frame per group commit), so each entry is all there or not at all after a power cut.
 * {@link Events} is one atomic write of a persistent actor, {@link Deletion} a deletion marker,
 * {@link State} the head of every segment (each persistence id's highest and deleted-to sequence
 * numbers when the segment was started), which lets older segments be deleted without forgetting
 * the markers and sequence numbers they held.
 */
public sealed interface JournalEntry {

  byte EVENTS = 1;
  byte DELETION = 2;
  byte STATE = 3;

  void write(DataOutputStream out) throws IOException;

  /** One event as stored: its serialized payload and what Akka needs to rebuild it. */
  record StoredEvent(long sequenceNr, String writerUuid, String manifest, long timestamp,
                     int serializerId, String serializerManifest, byte[] payload) {}

  /** Events of one persistence id written atomically (one {@code AtomicWrite}). */
  record Events(String persistenceId, List<StoredEvent> events) implements JournalEntry {
    @Override
    public void write(DataOutputStream out) throws IOException {
      out.writeByte(EVENTS);
      out.writeUTF(persistenceId);
      out.writeInt(events.size());
      for (StoredEvent e : events) {
        out.writeLong(e.sequenceNr());
        out.writeUTF(e.writerUuid());
        out.writeUTF(e.manifest());
        out.writeLong(e.timestamp());
        out.writeInt(e.serializerId());
        out.writeUTF(e.serializerManifest());
        out.writeInt(e.payload().length);
        out.write(e.payload());
      }
    }
  }

  /** The events of {@code persistenceId} up to {@code toSequenceNr} are deleted. */
  record Deletion(String persistenceId, long toSequenceNr) implements JournalEntry {
    @Override
    public void write(DataOutputStream out) throws IOException {
      out.writeByte(DELETION);
      out.writeUTF(persistenceId);
      out.writeLong(toSequenceNr);
    }
  }

  /** Highest and deleted-to sequence numbers of one persistence id. */
  record IdState(String persistenceId, long highest, long deletedTo) {}

  /** The head of a segment: the state of every persistence id known when it was started. */
  record State(List<IdState> ids) implements JournalEntry {
    @Override
    public void write(DataOutputStream out) throws IOException {
      out.writeByte(STATE);
      out.writeInt(ids.size());
      for (IdState s : ids) {
        out.writeUTF(s.persistenceId());
        out.writeLong(s.highest());
        out.writeLong(s.deletedTo());
      }
    }
  }

  /** Reads entries until {@code in} is exhausted. */
  static List<JournalEntry> readAll(DataInputStream in) throws IOException {
    List<JournalEntry> entries = new ArrayList<>();
    while (in.available() > 0) {
      byte type = in.readByte();
      switch (type) {
        case EVENTS -> {
          String id = in.readUTF();
          int n = in.readInt();
          List<StoredEvent> events = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            long seq = in.readLong();
            String writer = in.readUTF();
            String manifest = in.readUTF();
            long timestamp = in.readLong();
            int serializer = in.readInt();
            String serializerManifest = in.readUTF();
            byte[] payload = new byte[in.readInt()];
            in.readFully(payload);
            events.add(new StoredEvent(seq, writer, manifest, timestamp, serializer, serializerManifest,
                payload));
          }
          entries.add(new Events(id, events));
        }
        case DELETION -> entries.add(new Deletion(in.readUTF(), in.readLong()));
        case STATE -> {
          int n = in.readInt();
          List<IdState> ids = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            ids.add(new IdState(in.readUTF(), in.readLong(), in.readLong()));
          }
          entries.add(new State(ids));
        }
        default -> throw new IOException("unknown journal entry type " + type);
      }
    }
    return entries;
  }
}
