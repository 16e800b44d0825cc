package dev.parley.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeEnv;
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
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * docs/replication.md's "Replicate your own state machine": {@link Bank} on Raft in the deterministic
 * simulation, over many seeds of partitions, lossy links and crashes with restarts from the journal.
 * Clients transfer and audit, retrying a command that went unanswered under its own request id (the
 * sessions apply it once); the history is linearizable by the bank's sequential specification, every
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
        .seed(seed).faults(LAN).build();
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

  /**
   * Clients of the bank, Jepsen style: each runs one command at a time, transfers (70%) or audits,
   * recorded in a {@link History}, pausing up to 200 ms between commands. A {@link Raft.NotLeader}
   * sends the command to the leader it names (or the next node); silence for a second sends the same
   * command (same id) to the next node, up to three tries, after which the command is recorded as of
   * unknown outcome.
   */
  static final class Clients {
    private record Pending(HistoryRecorder.Handle handle, Bank.Command command, NodeId at, long deadline,
        int tries) {}

    private final Simulation<Raft.Command> sim;
    private final Random random;
    private final HistoryRecorder history;
    private final Map<String, Pending> pending = new HashMap<>();
    private final Map<String, Long> nextAt = new HashMap<>();
    private final Map<String, Integer> left = new HashMap<>();
    private final Map<NodeId, Integer> seen = new HashMap<>();
    private long seq;

    Clients(Simulation<Raft.Command> sim, int clients, int operations) {
      this.sim = sim;
      this.random = new Random(NodeEnv.mix(sim.seed(), "bank-clients"));
      this.history = new HistoryRecorder(() -> sim.elapsed().toNanos());
      for (int i = 1; i <= clients; i++) {
        nextAt.put("c" + i, 0L);
        left.put("c" + i, operations);
      }
      sim.nodes().forEach(n -> seen.put(n, sim.upcalls(n).size()));
    }

    History run(Duration deadline) {
      while ((!pending.isEmpty() || !nextAt.isEmpty()) && sim.elapsed().compareTo(deadline) < 0) {
        long now = sim.elapsed().toMillis();
        new ArrayList<>(nextAt.keySet()).stream().sorted().filter(c -> nextAt.get(c) <= now).forEach(this::start);
        new ArrayList<>(pending.keySet()).stream().sorted().filter(c -> pending.get(c).deadline() <= now)
            .forEach(this::retry);
        if (!sim.step()) {
          sim.runFor(Duration.ofMillis(1));
        }
        observe();
      }
      pending.values().forEach(p -> history.info(p.handle(), "run ended"));
      return history.history();
    }

    private void start(String client) {
      nextAt.remove(client);
      RequestId id = new RequestId(client, ++seq);
      Bank.Command command;
      HistoryRecorder.Handle h;
      if (random.nextInt(10) < 7) {
        int from = random.nextInt(ACCOUNTS.size());
        int to = (from + 1 + random.nextInt(ACCOUNTS.size() - 1)) % ACCOUNTS.size();
        long amount = 1 + random.nextInt(60);
        command = new Bank.Transfer(id, ACCOUNTS.get(from), ACCOUNTS.get(to), amount);
        h = history.invoke(client, "transfer", "bank", List.of(ACCOUNTS.get(from), ACCOUNTS.get(to), amount));
      } else {
        command = new Bank.Audit(id);
        h = history.invoke(client, "audit", "bank", null);
      }
      send(new Pending(h, command, sim.nodes().get(random.nextInt(sim.nodes().size())), 0, 1), 0);
    }

    /** Sends {@code p}'s command to its node after {@code pause} ms, and waits a second for the answer. */
    private void send(Pending p, long pause) {
      Duration at = sim.elapsed().plusMillis(pause);
      pending.put(p.command().id().client(), new Pending(p.handle(), p.command(), p.at(), at.toMillis() + 1000,
          p.tries()));
      sim.tell(at, p.at(), new Raft.Submit(p.command()));
    }

    private void retry(String client) {
      Pending p = pending.get(client);
      if (p.tries() >= 3) {
        finish(client, () -> history.info(p.handle(), "no answer after 3 tries"));
      } else {
        send(new Pending(p.handle(), p.command(), next(p.at()), 0, p.tries() + 1), 0);
      }
    }

    private NodeId next(NodeId node) {
      List<NodeId> nodes = sim.nodes();
      return nodes.get((nodes.indexOf(node) + 1) % nodes.size());
    }

    private void observe() {
      for (NodeId node : sim.nodes()) {
        List<Object> upcalls = sim.upcalls(node);
        for (int i = seen.get(node); i < upcalls.size(); i++) {
          if (upcalls.get(i) instanceof Raft.Answered a) {
            answered((Bank.Command) a.command(), (Bank.Reply) a.reply());
          } else if (upcalls.get(i) instanceof Raft.NotLeader n) {
            redirected((Bank.Command) n.command(), n.leader());
          }
        }
        seen.put(node, upcalls.size());
      }
    }

    private Pending current(Bank.Command command) {
      Pending p = pending.get(command.id().client());
      return p != null && p.command().equals(command) ? p : null;
    }

    private void redirected(Bank.Command command, NodeId leader) {
      Pending p = current(command);
      if (p != null) {
        send(new Pending(p.handle(), command, leader != null ? leader : next(p.at()), 0, p.tries()), 20);
      }
    }

    private void answered(Bank.Command command, Bank.Reply reply) {
      Pending p = current(command);
      if (p == null) {
        return; // the answer to an earlier try of a command already settled
      }
      finish(command.id().client(), () -> {
        if (reply instanceof Bank.Balances b) {
          history.ok(p.handle(), ACCOUNTS.stream().map(b.balances()::get).toList());
        } else if (reply instanceof Bank.Transferred || reply instanceof Bank.Refused) {
          history.ok(p.handle(), reply instanceof Bank.Transferred);
        } else {
          history.info(p.handle(), "refused by the sessions: " + reply);
        }
      });
    }

    private void finish(String client, Runnable record) {
      pending.remove(client);
      record.run();
      left.merge(client, -1, Integer::sum);
      if (left.get(client) > 0) {
        nextAt.put(client, sim.elapsed().toMillis() + random.nextInt(200));
      }
    }
  }

  @Test
  void underPartitionsCrashesAndLossyLinksTheBankIsLinearizableAndKeepsItsMoney() {
    Simulations.forSeeds(1, 30, seed -> {
      Simulation<Raft.Command> sim = simulation(seed % 2 == 0 ? 3 : 5, seed);
      Duration heal = nemesis(sim, seed);
      History history = new Clients(sim, 4, 80).run(Duration.ofSeconds(60));

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
