package dev.parley.protocols.mutex;

/** Where a node stands with the critical section, as its status reports it. */
public enum MutexPhase {
  /** Neither wanting nor holding it (Ricart and Agrawala's RELEASED). */
  IDLE,
  /** Asked for it, not yet granted. */
  WANTED,
  /** In the critical section. */
  HELD
}
