package dev.parley.protocols.replication;

import akka.serialization.SerializerWithStringManifest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The wire form of the key-value stores' requests ({@link Put}, {@link Get}, {@link Cas}, {@link
 * Register}), the commands every store's messages and Raft's log entries carry: the request id and
 * the strings in a fixed order behind a format byte (each string as its length in UTF-8 bytes, -1 for
 * null, and the bytes), where Jackson writes a typed map of named fields. Bound to the four classes in
 * {@code reference.conf}; a request Jackson wrote (a journal from before) still reads: the journal
 * keeps each payload's serializer id, and Jackson is allowed these classes there.
 *
 * <p>Cost: one pass over the fields each way.
 */
public final class KvWireSerializer extends SerializerWithStringManifest {

  /** This serializer's id in {@code akka.actor.serialization-identifiers}. */
  public static final int ID = 7402;

  private static final byte FORMAT = 1;

  @Override
  public int identifier() {
    return ID;
  }

  @Override
  public String manifest(Object o) {
    if (o instanceof Put) {
      return "P";
    } else if (o instanceof Get) {
      return "G";
    } else if (o instanceof Cas) {
      return "C";
    } else if (o instanceof Register) {
      return "R";
    }
    throw new IllegalArgumentException("KvWireSerializer writes Put, Get, Cas and Register, not " + o.getClass().getName()
        + ": bind only those to it in akka.actor.serialization-bindings");
  }

  @Override
  public byte[] toBinary(Object o) {
    KvRequest request = (KvRequest) o;
    manifest(o);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(48);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(FORMAT);
      writeString(out, request.id().client());
      out.writeLong(request.id().seq());
      if (request instanceof Put p) {
        writeString(out, p.key());
        writeString(out, p.value());
      } else if (request instanceof Get g) {
        writeString(out, g.key());
      } else if (request instanceof Cas c) {
        writeString(out, c.key());
        writeString(out, c.expected());
        writeString(out, c.value());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      byte format = in.readByte();
      if (format != FORMAT) {
        throw new NotSerializableException("key-value request in wire format " + format + ", this node reads format "
            + FORMAT + ": run the same Parley version on every node");
      }
      RequestId id = new RequestId(readString(in), in.readLong());
      return switch (manifest) {
        case "P" -> new Put(id, readString(in), readString(in));
        case "G" -> new Get(id, readString(in));
        case "C" -> new Cas(id, readString(in), readString(in), readString(in));
        case "R" -> new Register(id);
        default -> throw new NotSerializableException("unknown key-value request manifest '" + manifest
            + "': run the same Parley version on every node");
      };
    } catch (NotSerializableException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      NotSerializableException n = new NotSerializableException("cannot read a key-value request (" + manifest + ", "
          + bytes.length + " bytes): " + e);
      n.initCause(e);
      throw n;
    }
  }

  /** {@code s} as its length in UTF-8 bytes (-1: null) and the bytes. */
  static void writeString(DataOutputStream out, String s) throws IOException {
    if (s == null) {
      out.writeInt(-1);
      return;
    }
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(utf8.length);
    out.write(utf8);
  }

  static String readString(DataInputStream in) throws IOException {
    int length = in.readInt();
    if (length == -1) {
      return null;
    }
    if (length < 0 || length > in.available()) {
      throw new IOException("a string of " + length + " bytes in " + in.available() + " bytes left");
    }
    byte[] utf8 = new byte[length];
    in.readFully(utf8);
    return new String(utf8, StandardCharsets.UTF_8);
  }
}
