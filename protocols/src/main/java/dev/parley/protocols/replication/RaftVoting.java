package dev.parley.protocols.replication;

import akka.persistence.typed.javadsl.Effect;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.replication.Raft.Event;
import dev.parley.protocols.replication.Raft.State;
import dev.parley.protocols.replication.RaftServer.Phase;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Raft's leader election (section 5.2) in a replica: a follower that hears no leader for a
 * randomised election timeout starts a term, votes for itself and asks the others; a server grants
 * one vote per term, persisted before it answers, to a candidate whose log is at least as up to date
 * as its own (the election restriction); a majority of votes makes the leader. A candidate that
 * receives the request of a rival with a higher id in its own term knows the vote is split and
 * stands again after about a heartbeat ({@code drawSplitVoteRetry} of the election settings, once per
 * term) unless a leader of that term reaches it first; the rival keeps its election timeout, so the
 * lower stands alone. Cost: 2(N-1) messages per round of votes.
 */
final class RaftVoting {

  private final RaftServer<?, ?, ?> server;
  private final Set<NodeId> votes = new HashSet<>();
  /** The last term in which this candidate saw a higher rival (it shortens its wait once per term). */
  private long splitTerm = -1;

  RaftVoting(RaftServer<?, ?, ?> server) {
    this.server = server;
  }

  Effect<Event, State> onRequestVote(State state, Raft.RequestVote rv) {
    List<Event> events = new ArrayList<>();
    State s = server.adopt(state, rv.term(), events);
    boolean grant = s.vote().grantsVote(rv.term(), rv.candidate(), rv.lastLog(), s.log().last());
    if (grant && s.vote().votedFor() == null) {
      events.add(new Raft.Voted(rv.term(), rv.candidate()));
    }
    boolean split = server.phase == Phase.CANDIDATE && rv.term() == state.term() && splitTerm != state.term()
        && server.self().compareTo(rv.candidate()) < 0;
    if (split) {
      splitTerm = state.term();
    }
    return server.persistThen(events, after -> {
      if (grant) {
        server.resetElectionTimer();
      } else if (split) { // nothing was written: this runs as the handler returns, still in rv's term
        server.retryAfterSplitVote();
      }
      server.peers.tell(rv.candidate(), new Raft.VoteReply(after.term(), server.self(), grant));
    });
  }

  Effect<Event, State> onVoteReply(State state, Raft.VoteReply vr) {
    if (vr.term() > state.term()) {
      return server.persistThen(List.of(new Raft.TermStarted(vr.term())), s -> server.becomeFollower(null, vr.term()));
    }
    if (server.phase == Phase.CANDIDATE && vr.term() == state.term() && vr.granted()) {
      votes.add(vr.from());
      if (server.isMajority(votes.size())) {
        server.becomeLeader(state);
      }
    }
    return server.effects.none();
  }

  Effect<Event, State> onElectionTimeout(State state) {
    if (server.phase == Phase.LEADER) {
      return server.effects.none();
    }
    long term = state.term() + 1;
    return server.persistThen(List.of(new Raft.TermStarted(term), new Raft.Voted(term, server.self())),
        this::becomeCandidate);
  }

  private void becomeCandidate(State state) {
    server.phase = Phase.CANDIDATE;
    server.leader = null;
    votes.clear();
    votes.add(server.self());
    server.resetElectionTimer();
    if (server.isMajority(votes.size())) {
      server.becomeLeader(state);
    } else {
      server.peers.tellOthers(new Raft.RequestVote(state.term(), server.self(), state.log().last()));
    }
  }
}
