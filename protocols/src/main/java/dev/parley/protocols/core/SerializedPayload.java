package dev.parley.protocols.core;

import java.util.Arrays;
import java.util.Objects;

/**
 * A value in its serialized form, as Akka's serialization made it ({@link PayloadCodec}): the bytes,
 * and the serializer id and manifest that turn them back into the value. What a {@link ChunkSender}
 * cuts into chunks and a {@link ChunkAssembler} puts together again.
 *
 * <p>Equal when the bytes are (a record of an array compares the arrays themselves).
 *
 * @param serializerId the id of the Akka serializer that wrote {@code bytes}
 * @param manifest that serializer's manifest for the value (its type, for Jackson)
 * @param bytes the value's serialized form
 */
public record SerializedPayload(int serializerId, String manifest, byte[] bytes) {

  public SerializedPayload {
    Objects.requireNonNull(manifest, "manifest");
    Objects.requireNonNull(bytes, "bytes");
  }

  /** The size in bytes of the serialized form. */
  public int size() {
    return bytes.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SerializedPayload p && serializerId == p.serializerId && manifest.equals(p.manifest)
        && Arrays.equals(bytes, p.bytes);
  }

  @Override
  public int hashCode() {
    return Objects.hash(serializerId, manifest, Arrays.hashCode(bytes));
  }

  @Override
  public String toString() {
    return "SerializedPayload[serializer " + serializerId + ", " + manifest + ", " + bytes.length + " bytes]";
  }
}
