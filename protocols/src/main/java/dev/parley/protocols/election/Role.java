package dev.parley.protocols.election;

/** What a node is doing in an election, as its status reports it. */
public enum Role {
  /** Looking for a leader: an election is under way (or it has just started and is listening). */
  ELECTING,
  /** Following a leader it knows. */
  FOLLOWER,
  /** The leader. */
  LEADER
}
