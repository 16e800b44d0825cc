package dev.parley.protocols.replication;

import dev.parley.protocols.core.Payload;
import dev.parley.protocols.core.WireMessage;

/**
 * One entry of a Raft log: its position ({@code index} from 1, and the {@code term} of the leader
 * that created it) and the state machine's command it carries, or null for the no-op a new leader
 * appends to commit the entries of earlier terms (Ongaro and Ousterhout 2014, section 8).
 */
public record LogEntry(long index, long term, @Payload Object command) implements WireMessage {

  public LogEntry {
    if (index < 1 || term < 1) {
      throw new IllegalArgumentException("a log entry has index and term >= 1, got " + index + ", " + term);
    }
  }

  /** The no-op entry of a leader of {@code term} at {@code index}. */
  public static LogEntry noop(long index, long term) {
    return new LogEntry(index, term, null);
  }

  public boolean isNoop() {
    return command == null;
  }
}
