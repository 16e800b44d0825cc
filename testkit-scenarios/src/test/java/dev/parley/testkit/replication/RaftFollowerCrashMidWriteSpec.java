package dev.parley.testkit.replication;

import static dev.parley.testkit.replication.RaftFigure8Spec.APPLIED;
import static dev.parley.testkit.replication.RaftFigure8Spec.DELAY;
import static dev.parley.testkit.replication.RaftFigure8Spec.LINKS;
import static dev.parley.testkit.replication.RaftFigure8Spec.N1;
import static dev.parley.testkit.replication.RaftFigure8Spec.N2;
import static dev.parley.testkit.replication.RaftFigure8Spec.N3;
import static dev.parley.testkit.replication.RaftFigure8Spec.X;
import static dev.parley.testkit.replication.RaftFigure8Spec.answered;
import static dev.parley.testkit.replication.RaftFigure8Spec.electedAfter;
import static dev.parley.testkit.replication.RaftFigure8Spec.log;
import static dev.parley.testkit.replication.RaftFigure8Spec.ms;
import static dev.parley.testkit.replication.RaftFigure8Spec.runUntil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.election.RaftElection;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.protocols.replication.BrokenReplicas;
import dev.parley.protocols.replication.Raft;
import dev.parley.testkit.raft.RaftInvariants;
import dev.parley.testkit.replication.RaftFigure8Spec.Replicas;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.SimulationFailure;
import dev.parley.testkit.sim.Simulations;
import dev.parley.testkit.sim.StorageFaults;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Why a Raft follower writes an entry before it acknowledges it, scripted on three nodes: a crash
 * during the write takes the entry from the follower, and an acknowledgement sent before it lets the
 * leader count a replica that no longer exists.
 *
 * <ol>
 *   <li>n1 leads; its no-op is on every node. n3 is cut off, so n1 can commit only with n2's
 *       acknowledgement. n2's journal is slow: each of its writes takes {@link #SLOW_WRITE}.
 *   <li>n1 takes command {@code x}; n2 crashes while it writes x's entry, so the write is lost.
 *   <li>n1 crashes; the partition heals; n2 restarts without x; n2 and n3 elect a leader.
 * </ol>
 *
 * Correct followers answer once the write completed, so n1 never commits x: x is never answered and
 * the new leader overwrites it. Followers that answer first ({@link
 * BrokenReplicas#raftFollowersAnsweringBeforeWriting}) let n1 commit and answer x held by n1 alone
 * once n2's write is lost; {@link RaftInvariants} stop the run at the step a leader without x is elected.
 */
class RaftFollowerCrashMidWriteSpec {

  static final Duration SLOW_WRITE = ms(300);

  static Raft.Settings settings(NodeId node) {
    long timeout = node.equals(N1) ? 150 : 1000;
    RaftElection.Settings election = new RaftElection.Settings(ms(50), ms(timeout), ms(timeout + 10));
    return new Raft.Settings(election, 1, 1, 10_000);
  }

  static Simulation<Raft.Command> simulation(long seed, Replicas replicas) {
    return Simulation.<Raft.Command>builder(3, (peers, env, upcalls) ->
            replicas.create("crash-mid-write", peers, env, settings(peers.self()), APPLIED, upcalls))
        .seed(seed)
        .faults(LINKS)
        .storage(N2, StorageFaults.NONE.withWriteDelay(Delay.fixed(SLOW_WRITE)))
        .freshInvariant(RaftInvariants::new)
        .build();
  }

  /** Steps 1 to 3, up to n2's restart without x; returns the term n1 led. */
  static long crashN2WhileItWritesX(Simulation<Raft.Command> sim) {
    runUntil(sim, "n1 elected, its no-op on every node", v -> v.nodes().stream().allMatch(n -> log(v, n).lastIndex() >= 1));
    long term = electedAfter(sim, N1, 0);
    assertThat(term).as("n1 leads the first term").isPositive();
    sim.runFor(DELAY.multipliedBy(2));
    sim.nemesis(sim.elapsed(), NemesisCommand.Partition.parse("n1,n2/n3"));
    Duration submitted = sim.elapsed().plusMillis(1);
    sim.tell(submitted, N1, new Raft.Submit(X));
    // x reaches n2 within a heartbeat (50 ms); its write ends SLOW_WRITE later: crash in between
    sim.crash(submitted.plusMillis(150), N2);
    sim.crash(submitted.plusMillis(200), N1);
    sim.nemesis(submitted.plusMillis(200), new NemesisCommand.Heal());
    sim.restart(submitted.plusMillis(250), N2);
    sim.runUntil(submitted.plusMillis(250));
    assertThat(log(sim, N1).termAt(2)).as("n1 holds x at entry 2").isEqualTo(term);
    assertThat(log(sim, N2).lastIndex()).as("n2's write of x was lost in its crash").isEqualTo(1);
    return term;
  }

  @Test
  void correctFollowersNeverLetTheLeaderCommitAnEntryTheirCrashLost() {
    Simulations.forSeeds(1, 5, seed -> {
      Simulation<Raft.Command> sim = simulation(seed, Raft::create);
      long term = crashN2WhileItWritesX(sim);
      runUntil(sim, "n2 or n3 elected", v -> electedAfter(v, N2, term) > 0 || electedAfter(v, N3, term) > 0);
      sim.restart(sim.elapsed(), N1);
      runUntil(sim, "every log agrees at entry 2",
          v -> v.nodes().stream().map(n -> log(v, n).termAt(2)).distinct().count() == 1 && log(v, N1).termAt(2) > term);
      sim.runFor(Duration.ofSeconds(1));

      assertThat(sim.nodes()).as("x was never committed, so never answered, and is in no log now")
          .noneMatch(n -> answered(sim, n, X))
          .noneMatch(n -> log(sim, n).entries().stream().anyMatch(e -> X.equals(e.command())));
    });
  }

  @Test
  void followersAnsweringBeforeTheirWriteCompletesAreCaughtWhenALeaderWithoutTheCommittedEntryIsElected() {
    for (long seed = 1; seed <= 5; seed++) {
      Simulation<Raft.Command> sim = simulation(seed, BrokenReplicas::raftFollowersAnsweringBeforeWriting);
      SimulationFailure failure = catchThrowableOfType(() -> {
        crashN2WhileItWritesX(sim);
        sim.runFor(Duration.ofSeconds(3));
      }, SimulationFailure.class);

      assertThat(failure).as("seed %d: the early acknowledgement is caught", seed).isNotNull();
      assertThat(failure.getMessage())
          .contains("Raft leader completeness violated: ")
          .contains("without entry 2 of term")
          .contains("n1 answered Answered[command=x")
          .contains("-Dparley.seed=" + seed);
    }
  }
}
