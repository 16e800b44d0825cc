package dev.parley.protocols.pubsub;

import dev.parley.protocols.core.WireMessage;
import java.nio.charset.StandardCharsets;

/** One record of a log in the {@link LogStore}: its offset, stamp (epoch millis), key (may be null) and value. */
public record LogRecord(long offset, long timestamp, String key, String value) implements WireMessage {

  /** What retention by size counts: the value's UTF-8 bytes. */
  public long bytes() {
    return value.getBytes(StandardCharsets.UTF_8).length;
  }
}
