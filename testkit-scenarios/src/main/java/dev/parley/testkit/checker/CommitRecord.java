package dev.parley.testkit.checker;

import dev.parley.protocols.core.NodeId;
import java.util.Objects;

/**
 * What one participant of one transaction did in an atomic-commit run (two-phase commit and the like).
 *
 * @param transaction the transaction's id
 * @param participant the participant
 * @param vote its vote: YES (READY, prepared to commit), NO, or NONE if it never voted
 * @param decision what it decided: COMMIT, ABORT, or UNDECIDED if it has not learned the outcome yet
 */
public record CommitRecord(String transaction, NodeId participant, Vote vote, Decision decision) {

  public enum Vote {
    YES,
    NO,
    NONE
  }

  public enum Decision {
    COMMIT,
    ABORT,
    UNDECIDED
  }

  public CommitRecord {
    Objects.requireNonNull(transaction, "transaction");
    Objects.requireNonNull(participant, "participant");
    Objects.requireNonNull(vote, "vote");
    Objects.requireNonNull(decision, "decision");
  }

  public static CommitRecord of(String transaction, NodeId participant, Vote vote, Decision decision) {
    return new CommitRecord(transaction, participant, vote, decision);
  }

  /** Voted YES and does not know the outcome: it may neither commit nor abort on its own. */
  public boolean isBlocked() {
    return vote == Vote.YES && decision == Decision.UNDECIDED;
  }
}
