package dev.parley.testkit.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.election.RaftElection;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.protocols.replication.BrokenReplicas;
import dev.parley.protocols.replication.Raft;
import dev.parley.protocols.replication.RaftLog;
import dev.parley.protocols.replication.StateMachine;
import dev.parley.testkit.raft.RaftInvariants;
import dev.parley.testkit.raft.RaftInvariants.Property;
import dev.parley.testkit.sim.SimView;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.SimulationFailure;
import dev.parley.testkit.sim.Simulations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Figure 8 of the Raft paper, scripted on five nodes: why a leader must not commit an entry of an
 * earlier term by counting the replicas that hold it. Every link delays a message exactly {@link
 * #DELAY}; election timeouts steer who campaigns first (n1, then n5, the others much later);
 * partitions, one-way cuts, crashes and restarts, timed by what the nodes persisted, do the rest. Terms are named by
 * the phases (a) to (d), whatever their numbers:
 *
 * <ol>
 *   <li>(a) n1 leads term A; its no-op is at index 1 everywhere. Cut off with n2, it takes command
 *       {@code x} into entry 2 (term A), which only n2 gets.
 *   <li>(b) n3, n4 and n5 elect n5 in term B; cut off at once, n5 alone appends its no-op at entry 2
 *       (term B) and crashes.
 *   <li>(c) n4 crashes; n1, n2 and n3 elect n1 in term C; n1 copies its entry 2 of term A to n3, so a
 *       majority holds it, and is cut off (then crashes) before its own no-op of term C reaches n3.
 *       Correct Raft does not commit entry 2 (its term is A, not C); the broken leader counts the
 *       replicas, commits it and answers {@code x}.
 *   <li>(d) n4 and n5 restart; n5, whose log ends in term B, is elected in term D with the votes of
 *       n3 and n4 (their logs end in term A) and overwrites entry 2 everywhere.
 * </ol>
 *
 * Correct Raft passes with {@link RaftInvariants} checked at every step; the broken leader ({@link
 * BrokenReplicas#raftCommittingEarlierTerms}) is caught at the very step the property breaks.
 */
class RaftFigure8Spec {

  static final Duration DELAY = Duration.ofMillis(2);
  static final FaultPlan LINKS = FaultPlan.NONE.withDelay(Delay.fixed(DELAY));
  static final NodeId N1 = NodeId.n(1);
  static final NodeId N2 = NodeId.n(2);
  static final NodeId N3 = NodeId.n(3);
  static final NodeId N4 = NodeId.n(4);
  static final NodeId N5 = NodeId.n(5);
  static final String X = "x";

  /** The machine: the commands applied, in order; each answered with how many there are. */
  static final StateMachine<List<String>, String, Integer> APPLIED = StateMachine.of(List.of(), (applied, c) -> {
    List<String> next = new ArrayList<>(applied);
    next.add(c);
    return new StateMachine.Applied<>(List.copyOf(next), next.size());
  });

  /** How a spec makes a replica: {@code Raft::create}, or the broken variant. */
  interface Replicas {
    Behavior<Raft.Command> create(String group, Peers<Raft.Command> peers, NodeEnv env, Raft.Settings settings,
        StateMachine<List<String>, String, Integer> machine, ActorRef<? super Raft.Upcall> upcalls);
  }

  static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }

  /**
   * One entry per AppendEntries, so a follower acknowledges an old entry before the leader's no-op;
   * election timeouts of 150 ms for n1, 250 ms for n5 and a second for the others.
   */
  static Raft.Settings settings(NodeId node) {
    long timeout = node.equals(N1) ? 150 : node.equals(N5) ? 250 : 1000;
    RaftElection.Settings election = new RaftElection.Settings(ms(50), ms(timeout), ms(timeout + 10));
    return new Raft.Settings(election, 1, 1, 10_000);
  }

  static Simulation<Raft.Command> simulation(long seed, Replicas replicas, Supplier<RaftInvariants> invariants) {
    Simulation.Builder<Raft.Command> builder = Simulation.<Raft.Command>builder(5, (peers, env, upcalls) ->
            replicas.create("figure-8", peers, env, settings(peers.self()), APPLIED, upcalls))
        .seed(seed)
        .faults(LINKS);
    if (invariants != null) {
      builder.freshInvariant(invariants);
    }
    return builder.build();
  }

  // ---------------------------------------------------------------- what the nodes persisted

  static RaftLog log(SimView v, NodeId node) {
    return RaftInvariants.durableState(v, node).log();
  }

  static long term(SimView v, NodeId node) {
    return RaftInvariants.durableState(v, node).term();
  }

  /** Whether a majority persisted its vote for {@code candidate} in a term above {@code after}; its term, or 0. */
  static long electedAfter(SimView v, NodeId candidate, long after) {
    for (long t = term(v, candidate); t > after; t--) {
      long term = t;
      long votes = v.nodes().stream().filter(n -> v.persistedEvents(n).stream()
          .anyMatch(e -> e instanceof Raft.Voted vote && vote.term() == term && vote.candidate().equals(candidate)))
          .count();
      if (votes > v.nodes().size() / 2) {
        return term;
      }
    }
    return 0;
  }

  static void runUntil(Simulation<Raft.Command> sim, String what, Predicate<SimView> reached) {
    Duration deadline = sim.elapsed().plusSeconds(5);
    sim.runUntil(v -> reached.test(v) || v.elapsed().compareTo(deadline) > 0);
    assertThat(reached.test(sim)).as("the script reached: %s (by %s)", what, sim.elapsed()).isTrue();
  }

  /** The terms the script went through. */
  record Terms(long a, long b, long c) {}

  /**
   * Phases (a) to (c), and (d) under way: n4 and n5 restarted, n1 down. Each phase checks that it
   * happened as scripted, so a spec cannot pass on a run that never reached Figure 8's situation.
   */
  static Terms figure8(Simulation<Raft.Command> sim) {
    // (a) n1 leads term A, its no-op everywhere; cut off with n2, it replicates x to n2 only
    runUntil(sim, "n1 elected, its no-op on every node",
        v -> v.nodes().stream().allMatch(n -> log(v, n).lastIndex() >= 1));
    long a = electedAfter(sim, N1, 0);
    assertThat(a).as("n1 leads the first term").isPositive();
    sim.runFor(DELAY.multipliedBy(2)); // the acknowledgements of the no-op reach n1, which commits it
    sim.nemesis(sim.elapsed(), NemesisCommand.Partition.parse("n1,n2/n3,n4,n5"));
    sim.tell(sim.elapsed().plusMillis(1), N1, new Raft.Submit(X));
    runUntil(sim, "x at entry 2 of n2", v -> log(v, N2).termAt(2) == a);

    // (b) n5 elected by n3, n4, n5 in term B, then alone: its no-op at entry 2 stays its own
    runUntil(sim, "n5 elected", v -> electedAfter(v, N5, a) > 0);
    long b = electedAfter(sim, N5, a);
    sim.nemesis(sim.elapsed(), new NemesisCommand.Cut(N5, Set.of(N3, N4))); // the votes still reach n5
    runUntil(sim, "n5's no-op at its entry 2", v -> log(v, N5).termAt(2) == b);
    sim.crash(sim.elapsed(), N5);
    sim.crash(sim.elapsed(), N4);

    // (c) n1 elected by n1, n2, n3 in term C; it copies entry 2 (term A) to n3, and is cut off
    sim.nemesis(sim.elapsed().plusMillis(1), new NemesisCommand.Heal());
    runUntil(sim, "n1 elected again", v -> electedAfter(v, N1, b) > 0);
    long c = electedAfter(sim, N1, b);
    runUntil(sim, "entry 2 of term A at n3", v -> log(v, N3).termAt(2) == a);
    sim.nemesis(sim.elapsed(), new NemesisCommand.Cut(N1, Set.of(N2, N3, N4, N5))); // n3's answer still reaches n1
    assertThat(List.of(N1, N2, N3)).as("a majority holds entry 2 of term A")
        .allSatisfy(n -> assertThat(log(sim, n).termAt(2)).isEqualTo(a));
    assertThat(log(sim, N3).lastIndex()).as("n3 has not n1's no-op of term C").isEqualTo(2);

    // (d) n1 down; n4 and n5 back, n5 campaigns first
    sim.crash(sim.elapsed().plusMillis(10), N1);
    sim.nemesis(sim.elapsed().plusMillis(10), new NemesisCommand.Heal());
    sim.restart(sim.elapsed().plusMillis(10), N4);
    sim.restart(sim.elapsed().plusMillis(10), N5);
    return new Terms(a, b, c);
  }

  static boolean answered(SimView v, NodeId node, String command) {
    return v.upcalls(node, Raft.Answered.class).stream().anyMatch(u -> u.command().equals(command));
  }

  // ---------------------------------------------------------------- specs

  @Test
  void correctRaftLetsTheNextLeaderOverwriteAnUncommittedEntryOfAnEarlierTermHeldByAMajority() {
    Simulations.forSeeds(1, 5, seed -> {
      Simulation<Raft.Command> sim = simulation(seed, Raft::create, RaftInvariants::new);
      Terms terms = figure8(sim);
      runUntil(sim, "n5 elected in term D", v -> electedAfter(v, N5, terms.c()) > 0);
      sim.restart(sim.elapsed(), N1);
      runUntil(sim, "entry 2 of term B on every node",
          v -> v.nodes().stream().allMatch(n -> log(v, n).termAt(2) == terms.b()));
      sim.runFor(Duration.ofSeconds(1));

      assertThat(terms.a()).isLessThan(terms.b());
      assertThat(terms.b()).isLessThan(terms.c());
      assertThat(sim.nodes()).as("x was never committed, so never answered, and is in no log now")
          .noneMatch(n -> answered(sim, n, X))
          .noneMatch(n -> log(sim, n).entries().stream().anyMatch(e -> X.equals(e.command())));
    });
  }

  /**
   * The step at which a run of the broken variant without invariants first reaches the state {@code
   * broken} describes (given the script's terms): where a run with invariants must stop.
   */
  static long firstStepWhere(long seed, Function<Terms, Predicate<SimView>> broken) {
    Simulation<Raft.Command> plain = simulation(seed, BrokenReplicas::raftCommittingEarlierTerms, null);
    Terms terms = figure8(plain);
    runUntil(plain, "the broken state", broken.apply(terms));
    return plain.steps();
  }

  static SimulationFailure brokenRun(long seed, Supplier<RaftInvariants> invariants) {
    Simulation<Raft.Command> sim = simulation(seed, BrokenReplicas::raftCommittingEarlierTerms, invariants);
    return catchThrowableOfType(() -> {
      figure8(sim);
      sim.runFor(Duration.ofSeconds(3));
    }, SimulationFailure.class);
  }

  @Test
  void aLeaderCountingReplicasOfAnEarlierTermIsCaughtWhenALeaderWithoutTheEntryItCommittedIsElected() {
    Simulations.forSeeds(1, 3, seed -> {
      SimulationFailure failure = brokenRun(seed, RaftInvariants::new);

      assertThat(failure).as("the broken leader is caught").isNotNull();
      assertThat(failure.getMessage())
          .contains("Raft leader completeness violated: n5 leads term")
          .contains("without entry 2 of term")
          .contains("n1 answered Answered[command=x")
          .contains("replay exactly this run: ")
          .contains("-Dparley.seed=" + seed);
      long step = firstStepWhere(seed, terms -> v -> electedAfter(v, N5, terms.c()) > 0);
      assertThat(failure.getMessage()).as("stopped at the step n5 got its majority")
          .startsWith("simulation failed (seed " + seed + ") at step " + step + ",");
    });
  }

  @Test
  void theStateMachineSafetyCheckAloneCatchesTheCommittedEntryBeingOverwritten() {
    Simulations.forSeeds(1, 3, seed -> {
      SimulationFailure failure = brokenRun(seed,
          () -> new RaftInvariants(RaftInvariants.Answers.RAFT, Property.STATE_MACHINE_SAFETY));

      assertThat(failure).as("the broken leader is caught").isNotNull();
      assertThat(failure.getMessage())
          .contains("Raft state-machine safety violated: ")
          .containsPattern("n[23] in term \\d+ truncates its log from entry 2 of term \\d+, committed \\(n1 answered")
          .contains("-Dparley.seed=" + seed);
      long step = firstStepWhere(seed, terms -> v -> log(v, N2).termAt(2) != terms.a()
          || log(v, N3).termAt(2) != terms.a());
      assertThat(failure.getMessage()).as("stopped at the step entry 2 of term A left a node's log")
          .startsWith("simulation failed (seed " + seed + ") at step " + step + ",");
    });
  }
}
