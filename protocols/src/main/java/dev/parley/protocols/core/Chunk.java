package dev.parley.protocols.core;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Arrays;
import java.util.Objects;

/**
 * One piece of a {@link SerializedPayload} on the wire (the Raft paper's offset, data and done of
 * InstallSnapshot, section 7): {@code data} are the bytes from {@code offset} of a value whose
 * serialized form is {@code total} bytes long; the serializer id and manifest, the same on every
 * piece, turn the whole back into the value. Cut by {@link ChunkSender}, put together by {@link
 * ChunkAssembler}.
 *
 * @param offset where {@code data} starts in the serialized form
 * @param data the bytes from {@code offset} on (at most the sender's chunk size)
 * @param total the length of the whole serialized form
 * @param serializerId the serializer that wrote it
 * @param manifest that serializer's manifest
 */
public record Chunk(long offset, byte[] data, long total, int serializerId, String manifest) implements WireMessage {

  public Chunk {
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(manifest, "manifest");
    if (offset < 0 || offset + data.length > total) {
      throw new IllegalArgumentException("a chunk of " + data.length + " bytes at offset " + offset
          + " does not fit in a payload of " + total + " bytes");
    }
  }

  /** The last piece: the whole payload is here once the bytes before it are. */
  @JsonIgnore
  public boolean done() {
    return offset + data.length == total;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Chunk c && offset == c.offset && total == c.total && serializerId == c.serializerId
        && manifest.equals(c.manifest) && Arrays.equals(data, c.data);
  }

  @Override
  public int hashCode() {
    return Objects.hash(offset, total, serializerId, manifest, Arrays.hashCode(data));
  }

  @Override
  public String toString() {
    return "Chunk[" + offset + ".." + (offset + data.length) + " of " + total + (done() ? ", done" : "") + "]";
  }
}
