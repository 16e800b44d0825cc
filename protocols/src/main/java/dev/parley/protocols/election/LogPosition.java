package dev.parley.protocols.election;

import dev.parley.protocols.core.WireMessage;

/**
 * The index and term of the last entry of a Raft log, which a vote request carries so a voter can
 * refuse a candidate whose log is behind its own (the election restriction). {@link #EMPTY} is the
 * position of a log with no entry and no snapshot.
 */
public record LogPosition(long index, long term) implements WireMessage {

  public static final LogPosition EMPTY = new LogPosition(0, 0);

  /** Raft's "at least as up-to-date": a later last term, or the same last term and a log as long. */
  public boolean isAtLeastAsUpToDateAs(LogPosition other) {
    return term != other.term ? term > other.term : index >= other.index;
  }
}
