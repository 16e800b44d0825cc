package dev.parley.protocols.election;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.WireMessage;

/**
 * What a Raft server must never forget (the paper's "persistent state on all servers", less the
 * log): its current term and whom it voted for in that term (null: nobody yet). Kept on disk before
 * a server answers a vote request, so a restarted server never votes twice in one term.
 */
public record RaftState(long term, NodeId votedFor) implements WireMessage {

  public static final RaftState INITIAL = new RaftState(0, null);

  /** A newer term: no vote cast in it yet. */
  public RaftState startTerm(long newTerm) {
    if (newTerm <= term) {
      throw new IllegalArgumentException("terms only grow: " + newTerm + " after " + term);
    }
    return new RaftState(newTerm, null);
  }

  /** The vote for {@code candidate} in this term. */
  public RaftState vote(NodeId candidate) {
    if (!canVoteFor(candidate)) {
      throw new IllegalStateException("already voted for " + votedFor + " in term " + term);
    }
    return new RaftState(term, candidate);
  }

  /**
   * Whether this server grants its vote to {@code candidate} asking in {@code term} with a log ending
   * at {@code candidateLog}: the request is of the current term, the term's vote is free or already
   * the candidate's, and the candidate's log is at least as up to date as {@code ownLog} (the
   * election restriction, which keeps every committed entry in the logs of later leaders).
   */
  public boolean grantsVote(long term, NodeId candidate, LogPosition candidateLog, LogPosition ownLog) {
    return term == this.term && canVoteFor(candidate) && candidateLog.isAtLeastAsUpToDateAs(ownLog);
  }

  /** One vote per term: free, or already given to this candidate. */
  public boolean canVoteFor(NodeId candidate) {
    return votedFor == null || votedFor.equals(candidate);
  }
}
