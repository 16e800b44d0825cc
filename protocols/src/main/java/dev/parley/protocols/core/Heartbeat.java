package dev.parley.protocols.core;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * Marks a message that is periodic keep-alive traffic (a failure detector's heartbeat, Raft's
 * AppendEntries with no entries, a gossip round that finds nothing to exchange) rather than the
 * effect of a client's operation. Traces type such a message {@code "<Type> (heartbeat)"}, so a
 * viewer hides them with one filter (the explorer page hides types whose name contains
 * "Heartbeat"). A message decides per instance ({@link #isHeartbeat()}); the marker adds nothing to
 * the message's wire format.
 */
public interface Heartbeat {

  /** Whether this message is keep-alive traffic; true unless the message says otherwise. */
  @JsonIgnore
  default boolean isHeartbeat() {
    return true;
  }
}
