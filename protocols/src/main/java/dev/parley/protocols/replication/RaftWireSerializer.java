package dev.parley.protocols.replication;

import akka.actor.ExtendedActorSystem;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import akka.serialization.Serializer;
import akka.serialization.SerializerWithStringManifest;
import akka.serialization.Serializers;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.election.LogPosition;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The wire form of Raft's replication traffic, the messages every client write crosses: {@link
 * Raft.AppendEntries} and {@link Raft.AppendReply} on the wire, {@link Raft.EntriesAppended} in the
 * journal. Bound to these three classes in {@code reference.conf}; every other Raft message, event
 * and state stays Jackson CBOR (the {@code WireMessage} binding).
 *
 * <p>Fixed fields in a fixed order ({@link DataOutputStream}), behind a format byte: no field names
 * and no reflection, where Jackson writes and reads each record as a map of named fields. An entry's
 * command travels as {@code @Payload} fields do, with its own Akka serializer (serializer id,
 * manifest, bytes), so any state machine's commands ride in it. Events that Jackson wrote stay
 * readable: the journal keeps each event's serializer id and reads it with the serializer that wrote it.
 *
 * <p>Cost: one pass over the fields each way, and one serialization per command.
 */
public final class RaftWireSerializer extends SerializerWithStringManifest {

  /** This serializer's id in {@code akka.actor.serialization-identifiers}. */
  public static final int ID = 7401;

  private static final String APPEND_ENTRIES = "AE";
  private static final String APPEND_REPLY = "AR";
  private static final String ENTRIES_APPENDED = "EA";
  private static final byte FORMAT = 1;

  private final ExtendedActorSystem system;
  private volatile Serialization serialization;

  public RaftWireSerializer(ExtendedActorSystem system) {
    this.system = system;
  }

  @Override
  public int identifier() {
    return ID;
  }

  @Override
  public String manifest(Object o) {
    if (o instanceof Raft.AppendEntries) {
      return APPEND_ENTRIES;
    } else if (o instanceof Raft.AppendReply) {
      return APPEND_REPLY;
    } else if (o instanceof Raft.EntriesAppended) {
      return ENTRIES_APPENDED;
    }
    throw new IllegalArgumentException("RaftWireSerializer writes AppendEntries, AppendReply and EntriesAppended, not "
        + o.getClass().getName() + ": bind only those to it in akka.actor.serialization-bindings");
  }

  @Override
  public byte[] toBinary(Object o) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(FORMAT);
      if (o instanceof Raft.AppendEntries ae) {
        out.writeLong(ae.term());
        out.writeUTF(ae.leader().name());
        out.writeLong(ae.prev().index());
        out.writeLong(ae.prev().term());
        out.writeLong(ae.leaderCommit());
        writeEntries(out, ae.entries());
      } else if (o instanceof Raft.AppendReply ar) {
        out.writeLong(ar.term());
        out.writeUTF(ar.from().name());
        out.writeBoolean(ar.success());
        out.writeLong(ar.index());
        out.writeBoolean(ar.answersHeartbeat());
      } else if (o instanceof Raft.EntriesAppended ea) {
        writeEntries(out, ea.entries());
      } else {
        manifest(o);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private void writeEntries(DataOutputStream out, List<LogEntry> entries) throws IOException {
    out.writeInt(entries.size());
    for (LogEntry e : entries) {
      out.writeLong(e.index());
      out.writeLong(e.term());
      Object command = e.command();
      out.writeBoolean(command != null);
      if (command != null) {
        Serializer serializer = serialization().findSerializerFor(command);
        byte[] payload = serialization().serialize(command).get(); // with the system, for nested references
        out.writeInt(serializer.identifier());
        out.writeUTF(Serializers.manifestFor(serializer, command));
        out.writeInt(payload.length);
        out.write(payload);
      }
    }
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      byte format = in.readByte();
      if (format != FORMAT) {
        throw new NotSerializableException("Raft message in wire format " + format + ", this node reads format "
            + FORMAT + ": run the same Parley version on every node");
      }
      return switch (manifest) {
        case APPEND_ENTRIES -> appendEntries(in);
        case APPEND_REPLY -> new Raft.AppendReply(in.readLong(), NodeId.of(in.readUTF()), in.readBoolean(),
            in.readLong(), in.readBoolean());
        case ENTRIES_APPENDED -> new Raft.EntriesAppended(readEntries(in));
        default -> throw new NotSerializableException("unknown Raft message manifest '" + manifest
            + "': run the same Parley version on every node");
      };
    } catch (IOException | RuntimeException e) {
      if (e instanceof NotSerializableException n) {
        throw n;
      }
      NotSerializableException n = new NotSerializableException("cannot read a Raft message (" + manifest + ", "
          + bytes.length + " bytes): " + e);
      n.initCause(e);
      throw n;
    }
  }

  private Raft.AppendEntries appendEntries(DataInputStream in) throws IOException {
    long term = in.readLong();
    NodeId leader = NodeId.of(in.readUTF());
    LogPosition prev = new LogPosition(in.readLong(), in.readLong());
    long leaderCommit = in.readLong();
    return new Raft.AppendEntries(term, leader, prev, readEntries(in), leaderCommit);
  }

  private List<LogEntry> readEntries(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > in.available()) {
      throw new IOException("an entry count of " + n + " in " + in.available() + " bytes left");
    }
    List<LogEntry> entries = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      long index = in.readLong();
      long term = in.readLong();
      Object command = null;
      if (in.readBoolean()) {
        int serializerId = in.readInt();
        String manifest = in.readUTF();
        int length = in.readInt();
        if (length < 0 || length > in.available()) {
          throw new IOException("a command of " + length + " bytes in " + in.available() + " bytes left");
        }
        byte[] payload = new byte[length];
        in.readFully(payload);
        command = serialization().deserialize(payload, serializerId, manifest).get();
      }
      entries.add(new LogEntry(index, term, command));
    }
    return entries;
  }

  private Serialization serialization() {
    Serialization s = serialization;
    if (s == null) {
      s = SerializationExtension.get(system);
      serialization = s;
    }
    return s;
  }
}
