package dev.parley.persistence;

/** The journal cannot be used: the message says what was wrong and what to do. */
public final class JournalUnavailableException extends RuntimeException {
  public JournalUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }

  public JournalUnavailableException(String message) {
    super(message);
  }
}
