package dev.parley.persistence.file;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One open file of the file journal, written only at its end. Bytes appended are durable only once
 * {@link #force()} returns: before that a power cut may keep any prefix of them (the model the
 * journal's recovery is built for, and the one the tests' power-cut layer enacts).
 */
public interface AppendFile extends Closeable {

  /** The file's length in bytes, including what was appended but not yet forced. */
  long size() throws IOException;

  /** Appends all of {@code data} at the end of the file. */
  void append(ByteBuffer data) throws IOException;

  /** Reads into {@code into} from {@code position}; the number of bytes read, -1 at the end. */
  int read(ByteBuffer into, long position) throws IOException;

  /** Cuts the file to {@code size} bytes (a torn tail left by a power cut). */
  void truncate(long size) throws IOException;

  /** Returns once everything appended so far is on the device (fsync). */
  void force() throws IOException;
}
