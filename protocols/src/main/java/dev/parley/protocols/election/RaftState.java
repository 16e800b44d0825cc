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

  /** One vote per term: free, or already given to this candidate. */
  public boolean canVoteFor(NodeId candidate) {
    return votedFor == null || votedFor.equals(candidate);
  }
}
