package dev.parley.persistence.file;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The framing of journal segments and snapshot files: a 4-byte length, a 4-byte CRC32C of the
 * body, then the body. A frame whose length runs past the end of the file, or whose CRC does not
 * match, was not written whole. Cost: one pass of CRC32C (hardware-assisted on x86) per frame.
 */
final class Frame {

  static final int HEADER = 8;

  private Frame() {}

  /** The frame of {@code entries}, ready to append. */
  static ByteBuffer of(List<JournalEntry> entries) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      for (JournalEntry e : entries) {
        e.write(out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // writing to memory
    }
    return of(bytes.toByteArray());
  }

  /** The frame of {@code body}. */
  static ByteBuffer of(byte[] body) {
    ByteBuffer frame = ByteBuffer.allocate(HEADER + body.length);
    frame.putInt(body.length).putInt(crc(body, 0, body.length)).put(body).flip();
    return frame;
  }

  static int crc(byte[] bytes, int offset, int length) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, offset, length);
    return (int) crc.getValue();
  }

  /** The entries of a frame body. */
  static List<JournalEntry> entries(byte[] body, int offset, int length) throws IOException {
    return JournalEntry.readAll(new DataInputStream(new ByteArrayInputStream(body, offset, length)));
  }
}
