package dev.parley.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.history.History;
import dev.parley.protocols.history.HistoryRecorder;
import dev.parley.protocols.history.Operation;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.protocols.replication.Raft;
import dev.parley.protocols.replication.RequestId;
import dev.parley.testkit.checker.LinearizabilityChecker;
import dev.parley.testkit.checker.Model;
import dev.parley.testkit.checker.Verdict;
import dev.parley.testkit.raft.RaftInvariants;
import dev.parley.testkit.raft.RaftWorkload;
import dev.parley.testkit.raft.RaftWorkload.Invocation;
import dev.parley.testkit.raft.RaftWorkload.Outcome;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * docs/replication.md's "Replicate your own state machine": {@link Bank} on Raft in the deterministic
 * simulation, over many seeds of partitions, lossy links and crashes with restarts from the journal.
 * Clients ({@link RaftWorkload}) transfer and audit, retrying a command that went unanswered under its
 * own request id (the sessions apply it once); the history is linearizable by the bank's sequential specification, every
 * audit finds the opening total, and the bank answers again once the faults stop.
 */
class BankSpec {

  static final List<String> ACCOUNTS = List.of("a", "b", "c");
  static final long OPENING = 100;
  static final FaultPlan LAN = FaultPlan.NONE.withDelay(Delay.uniform(Duration.ofMillis(1), Duration.ofMillis(5)));

  /** The bank's sequential specification: balances in account order; FAILs are not recorded. */
  static final Model<List<Long>> MODEL = new Model<>() {
    @Override
    public List<Long> initialState() {
      return Collections.nCopies(ACCOUNTS.size(), OPENING);
    }

    @Override
    public Optional<List<Long>> step(List<Long> state, Operation op, boolean definite) {
      if (op.f().equals("audit")) {
        return !definite || state.equals(op.result()) ? Optional.of(state) : Optional.empty();
      }
      List<?> args = (List<?>) op.argument();
      int from = ACCOUNTS.indexOf((String) args.get(0));
      int to = ACCOUNTS.indexOf((String) args.get(1));
      long amount = (Long) args.get(2);
      boolean possible = state.get(from) >= amount;
      if (definite && !op.result().equals(possible)) {
        return Optional.empty();
      }
      if (!possible) {
        return Optional.of(state);
      }
      List<Long> next = new ArrayList<>(state);
      next.set(from, state.get(from) - amount);
      next.set(to, state.get(to) + amount);
      return Optional.of(List.copyOf(next));
    }

    @Override
    public boolean isRead(Operation op) {
      return op.f().equals("audit");
    }
  };

  static Simulation<Raft.Command> simulation(int n, long seed) {
    return Simulation.<Raft.Command>builder(n, (peers, env, upcalls) ->
            Raft.create("bank", peers, env, Raft.Settings.DEFAULT.withSnapshotInterval(25),
                Bank.withSessions(ACCOUNTS, OPENING), upcalls))
        .seed(seed).faults(LAN)
        .freshInvariant(RaftInvariants::new) // Raft's safety properties after every step
        .build();
  }

  /** Partitions, lossy links and crashes drawn from the seed, from 300 ms to 4 s; then healed, all up. */
  static Duration nemesis(Simulation<Raft.Command> sim, long seed) {
    Random random = new Random(seed * 104_729);
    List<NodeId> nodes = sim.nodes();
    Set<NodeId> down = new HashSet<>();
    Duration heal = Duration.ofSeconds(4);
    for (Duration at = Duration.ofMillis(300); at.compareTo(heal) < 0; at = at.plusMillis(200 + random.nextInt(500))) {
      NodeId victim = nodes.get(random.nextInt(nodes.size()));
      int choice = random.nextInt(4);
      if (choice == 0) {
        List<NodeId> shuffled = new ArrayList<>(nodes);
        Collections.shuffle(shuffled, random);
        int cut = 1 + random.nextInt(nodes.size() - 1);
        sim.nemesis(at, new NemesisCommand.Partition(List.of(Set.copyOf(shuffled.subList(0, cut)),
            Set.copyOf(shuffled.subList(cut, shuffled.size())))));
      } else if (choice == 1) {
        sim.nemesis(at, new NemesisCommand.Lossy(0.1 + 0.3 * random.nextDouble()));
      } else if (choice == 2 && down.add(victim)) {
        sim.crash(at, victim);
      } else if (choice == 2 || down.remove(victim)) {
        sim.restart(at, victim);
      } else {
        sim.nemesis(at, new NemesisCommand.Heal());
      }
    }
    sim.nemesis(heal, new NemesisCommand.Heal());
    sim.nemesis(heal, new NemesisCommand.Faults(LAN));
    down.forEach(n -> sim.restart(heal, n));
    return heal;
  }

  /** Transfers (70%) between two accounts drawn at random, or audits of every balance. */
  static Invocation<Bank.Command> next(RequestId id, Random random) {
    if (random.nextInt(10) < 7) {
      int from = random.nextInt(ACCOUNTS.size());
      int to = (from + 1 + random.nextInt(ACCOUNTS.size() - 1)) % ACCOUNTS.size();
      long amount = 1 + random.nextInt(60);
      return Invocation.of(new Bank.Transfer(id, ACCOUNTS.get(from), ACCOUNTS.get(to), amount), "transfer",
          List.of(ACCOUNTS.get(from), ACCOUNTS.get(to), amount));
    }
    return Invocation.of(new Bank.Audit(id), "audit", null);
  }

  /** An audit's balances in account order, whether a transfer took place; a session's refusal is unknown. */
  static Outcome recorded(Object reply) {
    if (reply instanceof Bank.Balances b) {
      return Outcome.ok(ACCOUNTS.stream().map(b.balances()::get).toList());
    } else if (reply instanceof Bank.Transferred || reply instanceof Bank.Refused) {
      return Outcome.ok(reply instanceof Bank.Transferred);
    }
    return Outcome.info("refused by the sessions: " + reply);
  }

  @Test
  void underPartitionsCrashesAndLossyLinksTheBankIsLinearizableAndKeepsItsMoney() {
    Simulations.forSeeds(1, 30, seed -> {
      Simulation<Raft.Command> sim = simulation(seed % 2 == 0 ? 3 : 5, seed);
      Duration heal = nemesis(sim, seed);
      History history = RaftWorkload.of(sim, BankSpec::next).outcomes(BankSpec::recorded)
          .clients(4).operations(80).think(Duration.ofMillis(200)).run(Duration.ofSeconds(60));

      Verdict v = LinearizabilityChecker.forModel(MODEL).check(history);
      assertThat(history.operations().stream().filter(Operation::isOk).count()).as("operations done")
          .isGreaterThan(250);
      v.requireValid();
      assertThat(history.operations()).as("every operation settled or given up on, none refused")
          .noneMatch(o -> o.isIndeterminate() && String.valueOf(o.completion()).contains("sessions"));
      history.operations().stream().filter(o -> o.isOk() && o.f().equals("audit")).forEach(o ->
          assertThat(((List<?>) o.result()).stream().mapToLong(b -> (Long) b).sum())
              .as("the money in %s", o).isEqualTo(OPENING * ACCOUNTS.size()));
      long settled = heal.plusSeconds(2).toNanos();
      List<Operation> afterHealing = history.operations().stream()
          .filter(o -> o.invocation().timeNanos() > settled).toList();
      assertThat(afterHealing).as("operations after healing").isNotEmpty()
          .allSatisfy(o -> assertThat(o.isIndeterminate()).as("%s answered", o).isFalse());
    });
  }

  @Test
  void theModelCatchesMoneyCreatedByAReadOfAnOverlappingTransfer() {
    HistoryRecorder h = new HistoryRecorder();
    HistoryRecorder.Handle t = h.invoke("c1", "transfer", "bank", List.of("a", "b", 30L));
    h.ok(t, true);
    HistoryRecorder.Handle audit = h.invoke("c2", "audit", "bank", null);
    h.ok(audit, List.of(100L, 130L, 100L)); // b credited, a not debited: a lost update
    Verdict verdict = LinearizabilityChecker.forModel(MODEL).check(h.history());
    assertThat(verdict.outcome()).isEqualTo(Verdict.Outcome.INVALID);
    assertThat(verdict.toString()).contains("audit");
  }
}
