package dev.parley.protocols.history;

import java.io.IOException;

/** A line of a JSON-lines history that could not be read; says which line and what was wrong. */
public final class HistoryFormatException extends IOException {

  private final long lineNumber;

  public HistoryFormatException(long lineNumber, String problem) {
    super("history line " + lineNumber + ": " + problem);
    this.lineNumber = lineNumber;
  }

  /** The 1-based number of the offending line. */
  public long lineNumber() {
    return lineNumber;
  }
}
