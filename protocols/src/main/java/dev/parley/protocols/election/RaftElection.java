package dev.parley.protocols.election;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.replication.Raft;
import dev.parley.protocols.replication.RaftStatus;
import dev.parley.protocols.replication.StateMachine;
import java.time.Duration;
import java.util.Objects;
import java.util.Random;

/**
 * Raft's leader election (Ongaro and Ousterhout 2014, section 5.2): {@link Raft} over a state machine
 * that holds nothing, so what is left is terms, votes and heartbeats.
 *
 * <p>Model: partial synchrony (delays eventually bounded), links that lose, delay, duplicate and
 * reorder, crash-recovery servers with stable storage. Time is split into terms. A follower that
 * hears no leader for a randomised election timeout (uniform in [{@code electionTimeoutMin}, {@code
 * electionTimeoutMax}), drawn from the node's seeded random) starts a new term, votes for itself and
 * asks every other server for its vote; a server grants at most one vote per term, to a candidate
 * whose log is at least as up to date as its own, and persists the vote (and any newer term) before it
 * answers. A candidate that receives, in its own term, the request of a rival with a higher id knows
 * the vote is split and stands again after about a heartbeat ({@link Settings#drawSplitVoteRetry})
 * while the rival keeps its election timeout: a variation on section 5.2 that shortens the split
 * votes' tail without touching safety. A candidate with votes from a majority is leader for the term
 * and sends AppendEntries (heartbeats, and the no-op a new leader appends) every {@code heartbeat};
 * any server seeing a newer term adopts it and becomes a follower. The election timeout is the
 * failure detector. Every node raises {@link LeaderElected} once per term, when it learns the term's
 * leader (the leader about itself too), and answers {@link GetStatus} with its role, leader, term
 * and, on the leader, the followers it has not heard from within the longest election timeout.
 *
 * <p>Guarantees: election safety: at most one leader per term, across crashes and restarts, since
 * each server's one vote per term is on disk before it leaves the server, and two majorities
 * overlap. A minority side of a partition never elects anyone. Liveness: once the network is stable
 * (delays well under the timeout) a leader is elected within a few timeouts with high probability,
 * the randomisation splitting the votes rarely. Cost: one round of 2(N-1) messages (requests and
 * replies) per election attempt, plus N-1 heartbeats (and replies) per interval; one log entry (the
 * leader's no-op) per term on disk.
 */
public final class RaftElection {

  private RaftElection() {}

  /** What a client gives a node (the nodes also take Raft's own messages from each other). */
  public sealed interface Command extends Raft.Downcall permits GetStatus {}

  /** Downcall: reply with this node's {@link ElectionStatus}. */
  public record GetStatus(ActorRef<ElectionStatus> replyTo) implements Command {}

  /** How the election family drives this protocol ({@link ElectionProtocol}). */
  public static final ElectionProtocol<Command> ELECTION = ElectionProtocol.of(GetStatus::new);

  /**
   * @param heartbeat how often a leader sends AppendEntries
   * @param electionTimeoutMin the shortest election timeout
   * @param electionTimeoutMax the longest (exclusive); each timeout is drawn uniformly between them
   */
  public record Settings(Duration heartbeat, Duration electionTimeoutMin, Duration electionTimeoutMax) {
    public Settings {
      Objects.requireNonNull(heartbeat, "heartbeat");
      Objects.requireNonNull(electionTimeoutMin, "electionTimeoutMin");
      Objects.requireNonNull(electionTimeoutMax, "electionTimeoutMax");
      if (heartbeat.isZero() || heartbeat.isNegative() || electionTimeoutMin.compareTo(heartbeat) <= 0
          || electionTimeoutMax.compareTo(electionTimeoutMin) <= 0) {
        throw new IllegalArgumentException("raft needs 0 < heartbeat < electionTimeoutMin < "
            + "electionTimeoutMax, got heartbeat " + heartbeat + ", electionTimeoutMin " + electionTimeoutMin
            + ", electionTimeoutMax " + electionTimeoutMax);
      }
    }

    /**
     * How long a candidate that knows its term's vote is split (a rival with a higher id asked for
     * votes in the same term) waits before it stands again: uniform in [heartbeat, 2 heartbeats). The
     * floor of the election timeout is there not to depose a live leader; after a split, the wait need
     * only let a rival that won the term with others' votes reach this candidate with its first
     * AppendEntries, which a new leader sends at once. The rival, seeing a lower id, keeps its
     * election timeout, so the lower candidate stands alone.
     */
    public Duration drawSplitVoteRetry(Random random) {
      return heartbeat.plus(Duration.ofNanos((long) (random.nextDouble() * heartbeat.toNanos())));
    }

    /** A randomised election timeout, uniform in [electionTimeoutMin, electionTimeoutMax). */
    public Duration drawElectionTimeout(Random random) {
      long min = electionTimeoutMin.toNanos();
      long span = electionTimeoutMax.toNanos() - min;
      return Duration.ofNanos(min + (long) (random.nextDouble() * span));
    }
  }

  /** The state machine that holds nothing: no commands, no state (null), an empty snapshot. */
  private static final StateMachine<Object, Object, Object> NOTHING = StateMachine.of(null, (state, command) -> {
    throw new IllegalArgumentException("an election replicates no commands; got " + command);
  });

  /**
   * The election of {@code peers.self()} in the Raft group named {@code group} (the persistence id is
   * {@code raft-election|<group>/<node>}, so several groups can share one journal).
   */
  @SuppressWarnings("unchecked")
  public static Behavior<Command> create(String group, Peers<Command> peers, NodeEnv env,
      Settings settings, ActorRef<LeaderElected> listener) {
    NodeId self = peers.self();
    Raft.Frontend<Object, Object, Object> frontend = new Raft.Frontend<>() {
      @Override
      public void applied(Object command, Object reply) {}

      @Override
      public void notApplied(Object command, NodeId leader) {}

      @Override
      public void failed(Object command, String error) {}

      @Override
      public void leaderKnown(NodeId leader, long term) {
        listener.tell(new LeaderElected(self, leader, term));
      }

      @Override
      public void onDowncall(Raft.Downcall downcall, Raft.Replica<Object, Object> replica) {
        RaftStatus s = replica.status();
        ((GetStatus) downcall).replyTo().tell(new ElectionStatus(self, s.role(), s.leader(), s.term(), s.silent()));
      }
    };
    return Raft.create("raft-election", group, (Peers<Raft.Command>) (Peers<?>) peers, env,
        Raft.Settings.DEFAULT.withElection(Objects.requireNonNull(settings, "settings")), NOTHING, frontend).narrow();
  }
}
