package dev.parley.persistence.file;

import java.io.IOException;

/**
 * A write the file journal could not make and undid cleanly: the append failed before any force
 * (typically the disk is full), and the segment was cut back to the end of its last whole frame, so
 * the log is exactly as before the write. Unlike a failed force (after which the device's state is
 * unknown), the journal may take later writes. {@link #reason} says why in a few words.
 */
final class WriteRefused extends IOException {

  WriteRefused(String what, IOException cause) {
    super(what + ": " + reason(cause), cause);
  }

  /** The failure in a few words: "the disk is full" for ENOSPC, else the failure's own message. */
  static String reason(IOException cause) {
    String message = String.valueOf(cause.getMessage());
    if (message.contains("No space left on device")) {
      return "the disk is full (No space left on device)";
    }
    if (message.contains("quota")) {
      return "the disk quota is exceeded (" + message + ")";
    }
    return cause.getClass().getSimpleName() + ": " + message;
  }
}
